import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// How evsrc behaves on a real terminal, with a fake Io that says it is one.

const TTY = { columns: 80 };
const ESC = '\u001b[';

describe('on a terminal', () => {
  it('TERM=dumb gets no colour; another terminal does', async () => {
    const argv = ['add', 'sqs', 'q', '--function', 'f', '--region', 'Mars'];
    const dumb = await runCli(argv, undefined, { NO_COLOR: undefined, TERM: 'dumb' }, TTY);
    expect(dumb.code).toBe(2);
    expect(dumb.stderr).toBe('error: --region: invalid value "Mars"; a region name such as us-east-1 or eu-west-2\n');
    const xterm = await runCli(argv, undefined, { NO_COLOR: undefined, TERM: 'xterm-256color' }, TTY);
    expect(xterm.stderr).toContain(ESC);
  });
});

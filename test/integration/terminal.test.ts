import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

// How evsrc behaves on a real terminal, with a fake Io that says it is one.

const TTY = { columns: 80 };
const ESC = '\u001b[';

describe('on a terminal', () => {
  it('TERM=dumb gets no colour; another terminal does', async () => {
    const argv = ['add', 'sqs', 'q', '--function', 'f', '--region', 'Mars'];
    const dumb = await runCli(argv, undefined, { NO_COLOR: undefined, TERM: 'dumb' }, TTY);
    expect(dumb.code).toBe(2);
    // No colour; on a terminal the line wraps at a space to the width (continuation lines indented).
    expect(dumb.stderr).not.toContain(ESC);
    expect(dumb.stderr.replace(/\n {2}/g, ' ')).toBe('error: --region: invalid value "Mars"; a region name such as us-east-1 or eu-west-2\n');
    const xterm = await runCli(argv, undefined, { NO_COLOR: undefined, TERM: 'xterm-256color' }, TTY);
    expect(xterm.stderr).toContain(ESC);
  });
});

describe('help', () => {
  const CONNECTION = ['--region <region>', '--profile <profile>', '--endpoint-url <url>', '--cli-connect-timeout <s>', '--cli-read-timeout <s>'];
  const OUTPUT = ['--output <format>', '--json', '--no-color', '--verbose', '--debug'];
  const ALL = [...CONNECTION, ...OUTPUT, '--dry-run', '--yes', '--no-wait', '-V, --version'];
  const shownGlobals = (stdout: string): string[] =>
    (stdout.split(/\nGlobal Options:\n/)[1] ?? '')
      .split('\n\n')[0]!
      .split('\n')
      .map((line) => /^ {2}((?:-[A-Za-z], )?--[a-z-]+(?: <[a-z]+>)?)/.exec(line)?.[1])
      .filter((flag): flag is string => flag !== undefined);

  it("every subcommand's --help lists the global options it acts on, and only those", async () => {
    const honoured: Array<[string[], string[]]> = [
      [['add'], [...CONNECTION, ...OUTPUT, '--dry-run', '--no-wait']],
      [['add', 'sqs'], [...CONNECTION, ...OUTPUT, '--dry-run', '--no-wait']],
      [['add', 's3'], [...CONNECTION, ...OUTPUT, '--dry-run', '--no-wait']],
      [['add', 'eventbridge'], [...CONNECTION, ...OUTPUT, '--dry-run', '--no-wait']],
      [['remove'], [...CONNECTION, ...OUTPUT, '--dry-run', '--yes', '--no-wait']],
      [['apply'], [...CONNECTION, ...OUTPUT, '--dry-run', '--yes', '--no-wait']],
      [['list'], [...CONNECTION, ...OUTPUT]],
      [['export'], [...CONNECTION, ...OUTPUT]],
      [['diff'], [...CONNECTION, ...OUTPUT]],
      [['completion'], []],
    ];
    for (const [argv, flags] of honoured) {
      const r = await runCli([...argv, '--help']);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(new Set(shownGlobals(r.stdout)), `${argv.join(' ')} --help`).toEqual(new Set(flags));
    }
    // The top-level help lists every one of them as its own options.
    const top = (await runCli(['--help'])).stdout;
    for (const flag of ALL) expect(top, flag).toContain(flag);
    expect((await runCli(['remove', '--help'])).stdout).toMatch(/--yes\s+do not ask for confirmation/);
  });

  it('evsrc help and evsrc help <command> exit 0; help add sqs is the help of add sqs', async () => {
    const top = await runCli(['help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toBe((await runCli(['--help'])).stdout);
    const remove = await runCli(['help', 'remove']);
    expect(remove.code).toBe(0);
    expect(remove.stdout).toBe((await runCli(['remove', '--help'])).stdout);
    const sqs = await runCli(['help', 'add', 'sqs']);
    expect(sqs.code).toBe(0);
    expect(sqs.stdout).toMatch(/^Usage: evsrc add sqs \[options\] <queue>/);
    expect(sqs.stdout).toBe((await runCli(['add', 'sqs', '--help'])).stdout);
  });

  it('help of an unknown command is a usage error (exit 2); a bare `add` still shows its help and exits 2', async () => {
    const bogus = await runCli(['help', 'add', 'nope']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/unknown command 'add nope'/);
    const bare = await runCli(['add']);
    expect(bare.code).toBe(2);
  });

  it('wraps at the width of the terminal it prints to', async () => {
    const wide = await runCli(['add', 'sqs', '--help'], undefined, {}, { columns: 200 });
    expect(wide.stdout).toMatch(/--function <fn> +function name, ARN, partial ARN, or name:alias \/ name:version\n/);
    const narrow = await runCli(['add', 'sqs', '--help'], undefined, {}, { columns: 80 });
    for (const line of narrow.stdout.split('\n').filter((l) => !l.startsWith('  $ '))) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});

describe('a reader that closes the pipe early (| head -1)', () => {
  it('help and the version end quietly with exit 0', async () => {
    for (const argv of [['add', 'sqs', '--help'], ['help', 'add', 'sqs'], ['--help'], ['remove', '--help'], ['--version']]) {
      for (const closeStdout of ['at-once', 'after-first-chunk'] as const) {
        const r = await spawnCli(argv, {}, { closeStdout });
        expect({ argv, closeStdout, code: r.code, stderr: r.stderr }).toEqual({ argv, closeStdout, code: 0, stderr: '' });
      }
    }
  });

  it('another command ends quietly with 141, the status of a command killed by SIGPIPE', async () => {
    // With --json a usage error still writes its document to stdout: the write that fails.
    const r = await spawnCli(['--json', 'add', 'sqs', 'q', '--function', 'f', '--batch-size', '0'], {}, { closeStdout: 'at-once' });
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('error: --batch-size: invalid value "0"; allowed: a whole number from 1 to 10000\n');
  });

  it('a closed stderr drops the diagnostics and keeps the exit code of the command', async () => {
    const r = await spawnCli(['add', 'sqs', 'q', '--function', 'f', '--batch-size', '0'], {}, { closeStderr: true });
    expect(r.code).toBe(2);
  });
});

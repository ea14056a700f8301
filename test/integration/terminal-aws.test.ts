import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createFunction, createQueue } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

// Terminal behaviour of commands that call AWS (moto).

const moto = useMoto();

beforeEach(async () => {
  await moto.reset();
  await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

// ora's frames, and the carriage return and escape sequences a spinner redraws with.
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✔✖]|\r|\u001b\[/;

describe('off a terminal', () => {
  it('add and remove show no spinner and no line for their reads', async () => {
    await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    for (const argv of [
      ['add', 'sqs', 'orders', '--function', 'worker', '--dry-run'],
      ['add', 'sqs', 'orders', '--function', 'worker'],
      ['remove', 'sqs', 'orders', '--function', 'worker', '--yes'],
    ]) {
      const r = await runCli(argv, moto.endpoint);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stderr, argv.join(' ')).not.toMatch(SPINNER);
      expect(r.stderr, argv.join(' ')).not.toMatch(/reading/);
    }
  });
});

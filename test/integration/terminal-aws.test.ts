import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createFunction, createQueue, createTopic } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

// Terminal behaviour of commands that call AWS (moto).

const moto = useMoto();

beforeEach(async () => {
  await moto.reset();
  await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

const TTY = { columns: 80 };

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

/** Every word of the piped text is on the terminal too, whole or shortened with an ellipsis: no word is split. */
function expectWordsKept(piped: string, tty: string): void {
  const words = [...new Set(tty.split(/\s+/))];
  for (const word of piped.split(/\s+/).filter(Boolean)) {
    const kept = words.includes(word) || words.some((w) => w.includes('…') && word.startsWith(w.split('…')[0] ?? '') && word.endsWith(w.split('…')[1] ?? ''));
    expect(kept, word).toBe(true);
  }
}

describe('on a terminal of 80 columns', () => {
  it('list fits the table, shortens the subscription ARN, and a pipe still gets every character', async () => {
    await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    expect((await runCli(['add', 'sqs', 'orders', '--function', 'worker', '--batch-size', '5', '--batching-window', '3', '--max-concurrency', '20'], moto.endpoint)).code).toBe(0);
    await createTopic(moto.endpoint, 'order-shipping-notifications');
    const added = await runCli(['add', 'sns', 'order-shipping-notifications', '--function', 'worker', '--filter-policy', '{"store":["eu"]}', '--json'], moto.endpoint);
    const subscription: string = added.json().trigger.id;
    expect(subscription).toMatch(/^arn:aws:sns:/);

    const piped = await runCli(['list', '--function', 'worker'], moto.endpoint);
    expect(piped.stdout).toContain(subscription);
    expect(piped.stdout.split('\n').some((l) => l.length > 80)).toBe(true);

    const tty = await runCli(['list', '--function', 'worker'], moto.endpoint, {}, TTY);
    expect(tty.code).toBe(0);
    for (const line of tty.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(tty.stdout).not.toContain(subscription);
    expect(tty.stdout).toContain(`${subscription.slice(0, 10)}`);
    expect(tty.stdout).toMatch(new RegExp(`…\\S*${subscription.slice(-8)}`));
    expectWordsKept(piped.stdout, tty.stdout);
  });

  it('the plan of add wraps at words to fit; off a terminal it is unchanged', async () => {
    await createTopic(moto.endpoint, 'order-shipping-notifications');
    const argv = ['add', 'sns', 'order-shipping-notifications', '--function', 'worker', '--filter-policy', '{"store":["eu"],"kind":["shipped","delivered","returned"]}', '--dry-run'];
    const piped = await runCli(argv, moto.endpoint);
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n').some((l) => l.length > 80)).toBe(true);
    const tty = await runCli(argv, moto.endpoint, {}, TTY);
    expect(tty.code).toBe(0);
    for (const line of tty.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expectWordsKept(piped.stdout, tty.stdout);
    expect(tty.stdout).toContain('…');
    // While it read, a spinner said so (on stderr), and was cleared before the plan was printed.
    // ora draws braille frames, or '-' where it assumes no Unicode (CI=true, some terminals).
    expect(tty.stderr).toMatch(/[⠋-] reading sns order-shipping-notifications and worker/);
    expect(piped.stderr).not.toMatch(SPINNER);
  });
});

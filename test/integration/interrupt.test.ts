// Interrupts: SIGINT or SIGTERM during the writes of add/remove is a failure at that point. A real child
// process runs against moto through the fault proxy, which holds one write long enough to signal it.
import type { ChildProcess } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/render/io.js';
import { TEST_ENV, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createBucket, createFunction, createQueue, mappingsOf, notificationOf, policyStatementsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);
let queueArn: string;
let before: Record<string, unknown>;

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
  await createFunction(moto.endpoint, 'thumbs');
  queueArn = (await createQueue(moto.endpoint, 'audit')).arn;
  await createBucket(moto.endpoint, 'uploads', { notification: { QueueConfigurations: [{ Id: 'audit-q', QueueArn: queueArn, Events: ['s3:ObjectRemoved:*'] }] } });
  before = await notificationOf(moto.endpoint, 'uploads');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs evsrc as a child through the proxy and sends it `signals` once `operation` has reached the proxy. */
async function interruptDuring(argv: string[], operation: string, signals: NodeJS.Signals[], gapMs = 150): Promise<CliResult> {
  let child: ChildProcess | undefined;
  const run = spawnCli(['--endpoint-url', proxy.url, ...argv], {}, { onChild: (c) => (child = c) });
  const deadline = Date.now() + 20_000;
  while (proxy.callsFor(operation).length === 0) {
    if (Date.now() > deadline) throw new Error(`${operation} never reached the proxy`);
    await sleep(10);
  }
  for (const signal of signals) {
    child?.kill(signal);
    await sleep(gapMs);
  }
  return run;
}

describe('an interrupt during the writes of add', () => {
  it('SIGINT during AddPermission: the call completes, is undone, and evsrc exits 130 saying so', async () => {
    proxy.inject({ match: { operation: 'AddPermission' }, fault: 'delay', delayMs: 1500 });
    const r = await interruptDuring(['add', 's3', 'uploads', '--function', 'thumbs'], 'AddPermission', ['SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping after the call in flight/);
    expect(r.stderr).toMatch(/error: interrupted \(SIGINT\) after 1 of 2 steps; done: .*lambda.*; undone: .*; not run: .*; nothing of this run is left/);
    expect(r.stdout).toBe('');
    expect(proxy.callsFor('RemovePermission')).toHaveLength(1);
    expect(proxy.callsFor('PutBucketNotificationConfiguration')).toHaveLength(0);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
  });

  it('SIGINT during the last write (the notification): it completes, the change is whole and kept; --output json has one document', async () => {
    proxy.inject({ match: { operation: 'PutBucketNotificationConfiguration' }, fault: 'delay', delayMs: 1500 });
    const r = await interruptDuring(['add', 's3', 'uploads', '--function', 'thumbs', '--output', 'json'], 'PutBucketNotificationConfiguration', ['SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    const doc = r.json();
    expect(doc.error.exitCode).toBe(130);
    expect(doc.error.message).toMatch(/during the last step, which completed: the change is complete and was kept/);
    expect(doc.error.interrupted).toMatchObject({ signal: 'SIGINT', undone: [] });
    expect(doc.error.interrupted.done).toHaveLength(2);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(0);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
    const config = await notificationOf(moto.endpoint, 'uploads');
    expect(config.QueueConfigurations).toEqual(before.QueueConfigurations);
    expect(config.LambdaFunctionConfigurations).toHaveLength(1);
  });

  it('SIGTERM during CreateEventSourceMapping (the only write): the mapping is made and kept, and named', async () => {
    proxy.inject({ match: { operation: 'CreateEventSourceMapping' }, fault: 'delay', delayMs: 1500 });
    const r = await interruptDuring(['add', 'sqs', 'audit', '--function', 'thumbs', '--no-wait'], 'CreateEventSourceMapping', ['SIGTERM']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted \(SIGTERM\) during the last step, which completed: the change is complete and was kept; done: create sqs mapping/);
    expect(proxy.callsFor('DeleteEventSourceMapping')).toHaveLength(0);
    expect(await mappingsOf(moto.endpoint, queueArn)).toHaveLength(1);
  });

  it('a second SIGINT exits at once (130), saying what may be left', async () => {
    proxy.inject({ match: { operation: 'AddPermission' }, fault: 'delay', delayMs: 6000 });
    const r = await interruptDuring(['add', 's3', 'uploads', '--function', 'thumbs'], 'AddPermission', ['SIGINT', 'SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    // evsrc did not wait for the call in flight: the proxy still holds it, not yet sent on to AWS.
    expect(proxy.callsFor('AddPermission')[0]?.forwarded).toBe(false);
    expect(r.stderr).toMatch(/SIGINT again: exiting at once without undoing; these changes may be left: .*lambda.* \(in flight\)/);
  });

  it('with --output json, a second SIGINT still prints one JSON document naming what may be left', async () => {
    proxy.inject({ match: { operation: 'AddPermission' }, fault: 'delay', delayMs: 6000 });
    const r = await interruptDuring(['add', 's3', 'uploads', '--function', 'thumbs', '--output', 'json'], 'AddPermission', ['SIGINT', 'SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    const doc = r.json();
    expect(doc.error).toMatchObject({ exitCode: 130, interrupted: { signal: 'SIGINT' } });
    expect(doc.error.interrupted.mayBeLeft.join('\n')).toMatch(/in flight/);
  });

  it('outside the writes (reading, planning) a signal stops evsrc with nothing changed', async () => {
    proxy.inject({ match: { operation: 'GetFunctionConfiguration' }, fault: 'delay', delayMs: 3000 });
    const r = await interruptDuring(['add', 's3', 'uploads', '--function', 'thumbs', '--output', 'json'], 'GetFunctionConfiguration', ['SIGINT']);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted \(SIGINT\) before any change: nothing was changed/);
    expect(r.json().error).toMatchObject({ exitCode: 130, interrupted: { signal: 'SIGINT', mayBeLeft: [] } });
    expect(proxy.callsFor('AddPermission')).toHaveLength(0);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
  });
});

describe('an interrupt during the writes of remove', () => {
  it('SIGINT during the first removal step: stops there, says what was removed and what was not, exit 130', async () => {
    expect((await runCli(['add', 's3', 'uploads', '--function', 'thumbs'], moto.endpoint)).code).toBe(0);
    proxy.inject({ match: { operation: 'PutBucketNotificationConfiguration' }, fault: 'delay', delayMs: 1500 });
    const r = await interruptDuring(['remove', 's3', 'uploads', '--function', 'thumbs', '--yes'], 'PutBucketNotificationConfiguration', ['SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted \(SIGINT\); removed: .*; not removed: .*permission/i);
    expect(r.stderr).toMatch(/run the same evsrc remove again/);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(0);
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
  });
});

describe('Ctrl-C and Ctrl-D at the remove prompt', () => {
  async function atPrompt(reject: Error): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const io: Io = {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
      env: TEST_ENV,
      interactive: true,
      confirm: async () => {
        throw reject;
      },
    };
    for (const [k, v] of Object.entries(TEST_ENV)) if (v !== undefined) process.env[k] = v;
    const code = await main(['--endpoint-url', moto.endpoint, 'remove', 's3', 'uploads', '--function', 'thumbs'], io, { sleep: async () => {} });
    return { code, stderr };
  }

  it('Ctrl-C (readline AbortError) says nothing was changed and exits 130', async () => {
    expect((await runCli(['add', 's3', 'uploads', '--function', 'thumbs'], moto.endpoint)).code).toBe(0);
    const wired = await notificationOf(moto.endpoint, 'uploads');
    const r = await atPrompt(Object.assign(new Error('Aborted with Ctrl+C'), { name: 'AbortError', code: 'ABORT_ERR' }));
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/error: cancelled at the prompt \(Ctrl-C\): nothing was changed/);
    expect(r.stderr).not.toMatch(/AbortError/);
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(wired);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
  });

  it('Ctrl-D (end of input) says the same', async () => {
    expect((await runCli(['add', 's3', 'uploads', '--function', 'thumbs'], moto.endpoint)).code).toBe(0);
    const r = await atPrompt(Object.assign(new Error('Aborted with Ctrl+D (end of input)'), { name: 'AbortError' }));
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/cancelled at the prompt \(Ctrl-D, end of input\): nothing was changed/);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
  });
});

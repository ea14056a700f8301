// Several evsrc runs at once on the same source: they converge, and every run exits 0.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createBucket, createFunction, createQueue, mappingsOf, notificationOf, policyStatementsOf, putNotifications } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);

beforeEach(async () => {
  await moto.reset();
  proxy.clear();
  // As AWS does: a second CreateEventSourceMapping for the same function and queue gets 409.
  proxy.setAwsConflicts(true);
});

describe('concurrent runs', () => {
  it('five `add sqs` of the same queue and function at once: one mapping, every run exits 0', async () => {
    await createFunction(moto.endpoint, 'worker', { timeout: 10 });
    const queue = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    for (let round = 0; round < 3; round += 1) {
      const runs = await Promise.all(Array.from({ length: 5 }, () => runCli(['add', 'sqs', 'orders', '--function', 'worker', '--batch-size', String(5 + round), '--json'], proxy.url)));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0]);
      const mappings = await mappingsOf(moto.endpoint, queue.arn);
      expect(mappings).toHaveLength(1);
      expect(mappings[0]?.BatchSize).toBe(5 + round);
      // Every run reports the one mapping.
      expect(new Set(runs.map((r) => r.json().trigger.id))).toEqual(new Set([mappings[0]?.UUID]));
    }
    // The losers were answered 409 and read back instead of failing.
    expect(proxy.calls.filter((c) => c.operation === 'CreateEventSourceMapping' && c.status === 409).length).toBeGreaterThan(0);
  });

  it('five `add sqs` of one queue and function at once with different settings: one mapping with one run\'s settings, every run exits 0', async () => {
    await createFunction(moto.endpoint, 'worker', { timeout: 10 });
    const queue = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    for (let round = 0; round < 2; round += 1) {
      const sizes = [1, 2, 3, 4, 5].map((n) => n + 5 * round);
      const runs = await Promise.all(sizes.map((size) => runCli(['add', 'sqs', 'orders', '--function', 'worker', '--batch-size', String(size), '--json'], proxy.url)));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0]);
      const mappings = await mappingsOf(moto.endpoint, queue.arn);
      expect(mappings).toHaveLength(1);
      expect(sizes).toContain(mappings[0]?.BatchSize);
      expect(new Set(runs.map((r) => r.json().trigger.id))).toEqual(new Set([mappings[0]?.UUID]));
    }
  });

  it('five `add s3` of different functions on one bucket at once: every entry and permission is there, every run exits 0', async () => {
    const names = ['f1', 'f2', 'f3', 'f4', 'f5'];
    for (const name of names) await createFunction(moto.endpoint, name);
    const audit = await createQueue(moto.endpoint, 'audit');
    await createBucket(moto.endpoint, 'uploads', { notification: { QueueConfigurations: [{ Id: 'audit-q', QueueArn: audit.arn, Events: ['s3:ObjectRemoved:*'] }] } });
    for (let round = 0; round < 2; round += 1) {
      const suffix = `.r${round}`;
      // Each function its own suffix: S3 refuses overlapping rules for the same event type.
      const runs = await Promise.all(names.map((name) => runCli(['add', 's3', 'uploads', '--function', name, '--suffix', `.${name}${suffix}`, '--json'], proxy.url)));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0]);
      const config = await notificationOf(moto.endpoint, 'uploads');
      expect(config.QueueConfigurations).toHaveLength(1);
      expect(config.LambdaFunctionConfigurations).toHaveLength(5 * (round + 1));
    }
    for (const name of names) expect(await policyStatementsOf(moto.endpoint, name)).toHaveLength(1);
  });

  it('five `remove s3` of different functions on one bucket at once: every entry and permission is gone, the rest kept, every run exits 0', async () => {
    const names = ['f1', 'f2', 'f3', 'f4', 'f5'];
    for (const name of names) await createFunction(moto.endpoint, name);
    const audit = await createQueue(moto.endpoint, 'audit');
    await createBucket(moto.endpoint, 'uploads', { notification: { QueueConfigurations: [{ Id: 'audit-q', QueueArn: audit.arn, Events: ['s3:ObjectRemoved:*'] }] } });
    for (let round = 0; round < 3; round += 1) {
      for (const name of names) expect((await runCli(['add', 's3', 'uploads', '--function', name, '--suffix', `.${name}`], moto.endpoint)).code).toBe(0);
      expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations).toHaveLength(5);
      const runs = await Promise.all(names.map((name) => runCli(['remove', 's3', 'uploads', '--function', name, '--yes'], proxy.url)));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0]);
      const config = await notificationOf(moto.endpoint, 'uploads');
      // No run wrote back an entry another run had removed (which would leave it without its permission).
      expect(config.LambdaFunctionConfigurations ?? []).toEqual([]);
      expect(config.QueueConfigurations).toHaveLength(1);
      for (const name of names) expect(await policyStatementsOf(moto.endpoint, name)).toEqual([]);
    }
  });

  it('`remove s3` while another run adds an entry for the same function: the new entry is kept, and so is the permission it needs', async () => {
    await createFunction(moto.endpoint, 'worker');
    await createBucket(moto.endpoint, 'uploads');
    expect((await runCli(['add', 's3', 'uploads', '--function', 'worker', '--suffix', '.a'], moto.endpoint)).code).toBe(0);
    const [first] = (await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations ?? [];
    // The removal's fresh read before its write is held; meanwhile another run adds a .b entry for the function.
    proxy.inject({ match: { operation: 'GetBucketNotificationConfiguration' }, fault: 'delay', after: 1, delayMs: 1500 });
    const removal = runCli(['remove', 's3', 'uploads', '--function', 'worker', '--suffix', '.a', '--yes', '--json'], proxy.url);
    for (let i = 0; i < 100 && !proxy.calls.some((c) => c.operation === 'GetBucketNotificationConfiguration' && c.injected === 'delay'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = { Id: 'other-run-b', LambdaFunctionArn: first?.LambdaFunctionArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.b' }] } } };
    await putNotifications(moto.endpoint, 'uploads', { LambdaFunctionConfigurations: [first, second] });
    const r = await removal;
    expect(r.code, r.stderr).toBe(0);
    expect(((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations ?? []).map((e: { Id?: string }) => e.Id)).toEqual(['other-run-b']);
    expect(await policyStatementsOf(moto.endpoint, 'worker')).toHaveLength(1);
    const out = r.json();
    expect(out.actions.map((a: { api: string }) => a.api)).toEqual(['s3:PutBucketNotificationConfiguration']);
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: 'kept-for-new-entry', message: expect.stringMatching(/other-run-b .*permission for the bucket is kept/) }));
    expect(proxy.calls.some((c) => c.operation === 'RemovePermission')).toBe(false);
  });
});

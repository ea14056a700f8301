// Fault injection between the CLI and moto: after any single injected failure, the account is either
// fully wired or exactly as before (or, when even the undo fails, exit 4 names what remains).
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { clientConfig, createBucket, createFunction, createQueue, createTopic, notificationOf, policyStatementsOf, subscriptionsOf } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);
let fnArn: string;
let queueArn: string;
let topicArn: string;
let before: Record<string, unknown>;

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'thumbs');
  queueArn = (await createQueue(moto.endpoint, 'audit')).arn;
  await createBucket(moto.endpoint, 'uploads', { notification: { QueueConfigurations: [{ Id: 'audit-q', QueueArn: queueArn, Events: ['s3:ObjectRemoved:*'] }] } });
  before = await notificationOf(moto.endpoint, 'uploads');
  topicArn = await createTopic(moto.endpoint, 'orders');
});

const addS3 = () => runCli(['add', 's3', 'uploads', '--function', 'thumbs', '--json'], proxy.url);
const addSns = () => runCli(['add', 'sns', 'orders', '--function', 'thumbs', '--filter-policy', '{"a":["b"]}', '--json'], proxy.url);
const PUT = { operation: 'PutBucketNotificationConfiguration' };

async function expectS3Wired() {
  const config = await notificationOf(moto.endpoint, 'uploads');
  expect(config.QueueConfigurations).toEqual(before.QueueConfigurations);
  expect(config.LambdaFunctionConfigurations).toHaveLength(1);
  expect(config.LambdaFunctionConfigurations[0].LambdaFunctionArn).toBe(fnArn);
  expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
}

async function expectS3AsBefore() {
  expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
  expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
}

describe('add s3 under injected faults', () => {
  it('throttling on the PUT is retried and ends fully wired', async () => {
    const rule = proxy.inject({ match: PUT, fault: 'throttle' });
    const r = await addS3();
    expect(r.code).toBe(0);
    expect(rule.fired).toBe(1);
    await expectS3Wired();
  });

  it('a 500 on every PUT attempt after AddPermission: permission removed, exactly as before (exit 1)', async () => {
    proxy.inject({ match: PUT, fault: 'server-error', times: Infinity });
    const r = await addS3();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/InternalError/);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(1);
    await expectS3AsBefore();
  });

  it('a dropped connection on every PUT attempt (never reaching S3): exactly as before', async () => {
    proxy.inject({ match: PUT, fault: 'drop', times: Infinity });
    const r = await addS3();
    expect(r.code).toBe(1);
    await expectS3AsBefore();
  });

  it('a PUT that S3 applied but whose answers were all lost: read back, fully wired', async () => {
    proxy.inject({ match: PUT, fault: 'drop', afterForward: true, times: Infinity });
    const r = await addS3();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/reading back shows the change was made/);
    await expectS3Wired();
  });

  it('"Unable to validate" is retried, then names the destination S3 complained about; permission removed', async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>Unable to validate the following destination configurations</Message>' +
      `<ArgumentName1>${queueArn}, null</ArgumentName1><ArgumentValue1>Permissions on the destination queue do not allow S3 to publish notifications from this bucket</ArgumentValue1>` +
      '<RequestId>R1</RequestId></Error>';
    const rule = proxy.inject({ match: PUT, fault: 'status', status: 400, body, headers: { 'content-type': 'application/xml' }, times: Infinity });
    const r = await addS3();
    expect(r.code).toBe(1);
    expect(rule.fired).toBe(4);
    expect(r.stderr).toMatch(/arn:aws:sqs:us-east-1:123456789012:audit, null \(Permissions on the destination queue/);
    expect(r.stderr).toMatch(/hint: S3 checks every destination of the bucket/);
    await expectS3AsBefore();
  });

  it('when the undo fails too: exit 4, naming the statement left behind', async () => {
    proxy.inject({ match: PUT, fault: 'server-error', times: Infinity });
    proxy.inject({ match: { operation: 'RemovePermission' }, fault: 'server-error', times: Infinity });
    const r = await addS3();
    expect(r.code).toBe(4);
    expect(r.json().error.remaining[0]).toMatch(/allow s3.amazonaws.com to invoke .*thumbs from arn:aws:s3:::uploads \(account 123456789012\) \(undo lambda:RemovePermission failed/);
    // What is left is exactly what the message names: the statement, and no notification entry.
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
  });
});

describe('add sns under injected faults', () => {
  it('a Subscribe that SNS applied but whose answers were all lost: read back, fully wired', async () => {
    proxy.inject({ match: { operation: 'Subscribe' }, fault: 'drop', afterForward: true, times: Infinity });
    const r = await addSns();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sns:Subscribe failed .*reading back shows the change was made/);
    const subs = await subscriptionsOf(moto.endpoint, topicArn);
    expect(subs).toHaveLength(1);
    expect(r.json().trigger.id).toBe(subs[0]?.arn);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toHaveLength(1);
  });

  it('one lost Subscribe answer is retried by the SDK; SNS returns the same subscription', async () => {
    proxy.inject({ match: { operation: 'Subscribe' }, fault: 'drop', afterForward: true });
    const r = await addSns();
    expect(r.code).toBe(0);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toHaveLength(1);
  });

  it('Subscribe failing on every attempt: the permission added in this run is removed', async () => {
    proxy.inject({ match: { operation: 'Subscribe' }, fault: 'server-error', times: Infinity });
    const r = await addSns();
    expect(r.code).toBe(1);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
  });

  it('a permission another run made (409 on the first attempt) is adopted, and kept when a later step fails: it was not this run\'s to undo', async () => {
    proxy.setAwsConflicts(true);
    // Another run wires it; then its subscription goes, and its statement stays.
    expect((await addSns()).code).toBe(0);
    const { SNSClient, UnsubscribeCommand } = await import('@aws-sdk/client-sns');
    for (const sub of await subscriptionsOf(moto.endpoint, topicArn)) await new SNSClient(clientConfig(moto.endpoint)).send(new UnsubscribeCommand({ SubscriptionArn: sub.arn }));
    const statements = await policyStatementsOf(moto.endpoint, 'thumbs');
    expect(statements).toHaveLength(1);
    const mark = proxy.calls.length;
    // This run's plan does not see the statement (it is made between the plan's read and the write) ...
    proxy.inject({ match: { operation: 'GetPolicy' }, fault: 'status', status: 200, body: {} });
    // ... and its subscription fails for good.
    proxy.inject({ match: { operation: 'Subscribe' }, fault: 'server-error', status: 400, code: 'InvalidParameter', times: Infinity });
    const r = await addSns();
    expect(r.code).toBe(1);
    const calls = proxy.calls.slice(mark);
    expect(calls.filter((c) => c.operation === 'AddPermission').map((c) => c.status)).toEqual([409]);
    expect(calls.some((c) => c.operation === 'RemovePermission')).toBe(false);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual(statements);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toEqual([]);
  });

  it('throttled AddPermission is retried and ends fully wired', async () => {
    proxy.inject({ match: { operation: 'AddPermission' }, fault: 'throttle' });
    const r = await addSns();
    expect(r.code).toBe(0);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toHaveLength(1);
  });
});

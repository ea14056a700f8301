import { beforeEach, describe, expect, it } from 'vitest';
import { CreateAliasCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCli } from '../helpers/cli.js';
import {
  addPermission,
  createBucket,
  createFunction,
  createMapping,
  createQueue,
  createStream,
  createTableWithStream,
  clientConfig,
  createTopic,
  disableStream,
  putNotifications,
  subscribeFunction,
} from '../helpers/fixtures.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';

// Triggers are made straight through the AWS APIs (as the console or another tool would), never through evsrc.

const moto = useMoto();
const ACCOUNT = '123456789012';
let worker: string;
let other: string;
const ids: Record<string, string> = {};

/** Two functions with triggers of all five kinds, some permissions without triggers, and a trigger without permission. */
async function seed(endpoint: string): Promise<void> {
  worker = await createFunction(endpoint, 'worker');
  other = await createFunction(endpoint, 'other');
  const orders = await createQueue(endpoint, 'orders', { VisibilityTimeout: '60' });
  const otherQueue = await createQueue(endpoint, 'other-queue', { VisibilityTimeout: '60' });
  ids.sqs = await createMapping(endpoint, 'worker', orders.arn, { BatchSize: 5 });
  ids.otherSqs = await createMapping(endpoint, 'other', otherQueue.arn);
  const table = await createTableWithStream(endpoint, 'users');
  ids.dynamodb = await createMapping(endpoint, 'worker', table.streamArn, { StartingPosition: 'LATEST', BatchSize: 50 });
  const stream = await createStream(endpoint, 'clicks');
  ids.kinesis = await createMapping(endpoint, worker, stream, { StartingPosition: 'TRIM_HORIZON' });

  const uploads = await createBucket(endpoint, 'uploads');
  await putNotifications(endpoint, 'uploads', {
    LambdaFunctionConfigurations: [
      { Id: 'console-made', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } } },
      { Id: 'other-fn', LambdaFunctionArn: other, Events: ['s3:ObjectRemoved:*'] },
    ],
    QueueConfigurations: [{ Id: 'to-queue', QueueArn: orders.arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'q/' }] } } }],
  });
  await addPermission(endpoint, 'worker', 'console-s3', 's3.amazonaws.com', uploads, { sourceAccount: ACCOUNT });
  await addPermission(endpoint, 'other', 'other-s3', 's3.amazonaws.com', uploads, { sourceAccount: ACCOUNT });

  const alerts = await createTopic(endpoint, 'alerts');
  ids.sns = await subscribeFunction(endpoint, alerts, worker, { FilterPolicy: '{"level":["error"]}' });
  ids.otherSns = await subscribeFunction(endpoint, alerts, other);
  await addPermission(endpoint, 'worker', 'console-sns', 'sns.amazonaws.com', alerts);
  await addPermission(endpoint, 'other', 'other-sns', 'sns.amazonaws.com', alerts);

  // Debris: permissions with nothing behind them, and a trigger without a permission.
  await addPermission(endpoint, 'worker', 'old-bucket', 's3.amazonaws.com', 'arn:aws:s3:::deleted-bucket');
  await createTopic(endpoint, 'quiet');
  await addPermission(endpoint, 'worker', 'old-topic', 'sns.amazonaws.com', `arn:aws:sns:us-east-1:${ACCOUNT}:quiet`);
  await createBucket(endpoint, 'no-permission');
  await putNotifications(endpoint, 'no-permission', { LambdaFunctionConfigurations: [{ Id: 'forgot', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:Put'] }] });
}

beforeEach(async () => {
  await moto.reset();
  await seed(moto.endpoint);
});

const list = (...args: string[]) => runCli(['list', ...args], moto.endpoint);
type Trigger = { type: string; id: string; sourceArn: string; sourceName: string; functionArn: string; state?: string; settings: Record<string, unknown> };
type Warning = { code: string; message: string; statementId?: string; triggerId?: string; sourceArn?: string };

describe('evsrc list --function', () => {
  it('finds each of the five kinds for the function, and none of another function', async () => {
    const r = await list('--function', 'worker', '--output', 'json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json<{ triggers: Trigger[]; warnings: Warning[] }>();
    const byType = Object.fromEntries(doc.triggers.map((t) => [t.type, t]));
    expect(Object.keys(byType).sort()).toEqual(['dynamodb', 'kinesis', 's3', 'sns', 'sqs']);
    expect(doc.triggers).toHaveLength(5);
    for (const t of doc.triggers) expect(t.functionArn).toBe(worker);
    expect(byType.sqs).toMatchObject({ id: ids.sqs, sourceName: 'orders', state: 'Enabled', settings: { batchSize: 5 } });
    expect(byType.dynamodb).toMatchObject({ id: ids.dynamodb, sourceName: 'users', settings: { batchSize: 50, startingPosition: 'LATEST' } });
    expect(byType.kinesis).toMatchObject({ id: ids.kinesis, sourceName: 'clicks', settings: { startingPosition: 'TRIM_HORIZON' } });
    expect(byType.s3).toMatchObject({ id: 'console-made', sourceArn: 'arn:aws:s3:::uploads', settings: { events: ['s3:ObjectCreated:*'], prefix: 'in/' } });
    expect(byType.sns).toMatchObject({ id: ids.sns, sourceName: 'alerts', settings: { filterPolicy: { level: ['error'] } } });
    expect(doc.triggers.map((t) => t.id)).not.toContain(ids.otherSqs);
    expect(doc.triggers.map((t) => t.id)).not.toContain('other-fn');
  });

  it('flags permissions with no trigger behind them', async () => {
    const doc = (await list('--function', 'worker', '--json')).json<{ warnings: Warning[] }>();
    const orphans = doc.warnings.filter((w) => w.code === 'orphan-permission');
    expect(orphans.map((w) => w.statementId).sort()).toEqual(['old-bucket', 'old-topic']);
    expect(orphans.find((w) => w.statementId === 'old-bucket')?.message).toMatch(/bucket deleted-bucket .* does not exist/);
    expect(orphans.find((w) => w.statementId === 'old-topic')?.message).toMatch(/nothing on that topic sends to it/);
    // The real triggers are not flagged.
    expect(doc.warnings.filter((w) => w.code === 'missing-permission')).toEqual([]);
  });

  it('shows another function its own triggers only', async () => {
    const doc = (await list('--function', other, '--json')).json<{ triggers: Trigger[]; warnings: Warning[] }>();
    expect(doc.triggers.map((t) => t.type).sort()).toEqual(['s3', 'sns', 'sqs']);
    expect(doc.triggers.map((t) => t.id).sort()).toEqual([ids.otherSns, ids.otherSqs, 'other-fn'].sort());
    expect(doc.warnings).toEqual([]);
  });

  it('--type narrows the kinds', async () => {
    const doc = (await list('--function', 'worker', '--type', 'sqs,s3', '--json')).json<{ triggers: Trigger[] }>();
    expect(doc.triggers.map((t) => t.type).sort()).toEqual(['s3', 'sqs']);
    const bad = await list('--function', 'worker', '--type', 'iot');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--type: invalid value "iot"; allowed: sqs, s3, sns, dynamodb, kinesis, msk, kafka, mq, documentdb, eventbridge, logs/);
  });

  it('prints a table grouped by function, without colour off a TTY', async () => {
    const r = await list('--function', 'worker');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^worker {2}arn:aws:lambda:us-east-1:123456789012:function:worker$/m);
    expect(r.stdout).toMatch(/TYPE\s+SOURCE\s+ID\s+STATE\s+SETTINGS/);
    expect(r.stdout).toMatch(/sqs\s+orders\s+\S+\s+Enabled\s+batchSize=5/);
    expect(r.stdout).toMatch(/s3\s+uploads\s+console-made\s+-\s+events=s3:ObjectCreated:\* prefix=in\//);
    expect(r.stdout).toMatch(/Problems \(2\):/);
    expect(r.stdout).toMatch(/5 triggers, 2 problems\./);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('flags a mapping whose queue was deleted', async () => {
    const doomed = await createQueue(moto.endpoint, 'doomed', { VisibilityTimeout: '60' });
    const uuid = await createMapping(moto.endpoint, 'worker', doomed.arn);
    await new SQSClient(clientConfig(moto.endpoint)).send(new DeleteQueueCommand({ QueueUrl: doomed.url }));
    const doc = (await list('--function', 'worker', '--json')).json<{ triggers: Trigger[]; warnings: Warning[] }>();
    expect(doc.triggers.map((t) => t.id)).toContain(uuid);
    expect(doc.warnings.filter((w) => w.code === 'source-missing')).toMatchObject([{ triggerId: uuid, message: expect.stringMatching(/reads queue doomed, which no longer exists/) }]);
  });

  it('finds the triggers of an alias, with the permission on the alias', async () => {
    const lambda = new LambdaClient(clientConfig(moto.endpoint));
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'worker' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'worker', Name: 'live', FunctionVersion: version.Version }));
    const live = `${worker}:live`;
    const topic = await createTopic(moto.endpoint, 'live-topic');
    const sub = await subscribeFunction(moto.endpoint, topic, live);
    await addPermission(moto.endpoint, 'worker', 'live-topic', 'sns.amazonaws.com', topic, { qualifier: 'live' });
    const all = (await list('--function', 'worker', '--json')).json<{ triggers: Trigger[]; warnings: Warning[] }>();
    expect(all.triggers.find((t) => t.id === sub)).toMatchObject({ type: 'sns', functionArn: live, sourceName: 'live-topic' });
    expect(all.warnings.map((w) => w.statementId)).not.toContain('live-topic');
    const onlyLive = (await list('--function', 'worker:live', '--json')).json<{ triggers: Trigger[] }>();
    expect(onlyLive.triggers.map((t) => t.id)).toEqual([sub]);
  });

  it('flags a mapping whose table\'s stream was disabled (DescribeTable still returns its ARN)', async () => {
    await disableStream(moto.endpoint, 'users');
    const doc = (await list('--function', 'worker', '--json')).json<{ warnings: Warning[] }>();
    expect(doc.warnings.filter((w) => w.code === 'stale-stream')).toMatchObject([
      { triggerId: ids.dynamodb, message: expect.stringMatching(/users, but the table's stream is disabled: the mapping reads nothing new/) },
    ]);
  });

  it('a missing function exits 3', async () => {
    const r = await list('--function', 'ghost');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/function ghost not found/);
  });
});

describe('evsrc list (whole region)', () => {
  it('finds every trigger of every function from the source side', async () => {
    const r = await list('--json', '--verbose');
    expect(r.code).toBe(0);
    const doc = r.json<{ triggers: Trigger[]; warnings: Warning[]; functions: string[] }>();
    expect(doc.functions.sort()).toEqual([other, worker].sort());
    const mine = doc.triggers.filter((t) => t.functionArn === worker);
    const theirs = doc.triggers.filter((t) => t.functionArn === other);
    expect(mine.map((t) => t.id).sort()).toEqual([ids.sqs, ids.dynamodb, ids.kinesis, ids.sns, 'console-made', 'forgot'].sort());
    expect(theirs.map((t) => t.id).sort()).toEqual([ids.otherSqs, ids.otherSns, 'other-fn'].sort());
    // No function policy is read without --check-permissions.
    expect(r.stderr).not.toMatch(/GetPolicy/);
  });

  it('throttled reads are retried and the listing is still complete', async () => {
    const proxy = await startFaultProxy(moto.endpoint);
    try {
      proxy.inject({ match: { operation: 'GetBucketNotificationConfiguration' }, fault: 'throttle', times: 2 });
      proxy.inject({ match: { operation: 'ListSubscriptions' }, fault: 'throttle' });
      proxy.inject({ match: { operation: 'ListEventSourceMappings' }, fault: 'throttle' });
      const r = await runCli(['list', '--json'], proxy.url);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
      expect(r.json<{ triggers: Trigger[] }>().triggers).toHaveLength(9);
      expect(proxy.calls.filter((c) => c.injected === 'throttle')).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });

  it('flags a disabled stream and a missing table without --function too', async () => {
    const gone = await createTableWithStream(moto.endpoint, 'gone');
    const goneId = await createMapping(moto.endpoint, 'other', gone.streamArn, { StartingPosition: 'LATEST' });
    await new DynamoDBClient(clientConfig(moto.endpoint)).send(new DeleteTableCommand({ TableName: 'gone' }));
    const before = (await list('--json')).json<{ warnings: Warning[] }>();
    expect(before.warnings.filter((w) => w.code === 'stale-stream')).toEqual([]);
    await disableStream(moto.endpoint, 'users');
    const r = await list('--json', '--verbose');
    expect(r.code).toBe(0);
    const doc = r.json<{ warnings: Warning[] }>();
    expect(doc.warnings.filter((w) => w.code === 'stale-stream')).toMatchObject([
      { triggerId: ids.dynamodb, sourceArn: expect.stringContaining(':table/users/stream/'), message: expect.stringMatching(/the table's stream is disabled/) },
    ]);
    expect(doc.warnings.filter((w) => w.code === 'source-missing')).toMatchObject([{ triggerId: goneId, message: expect.stringMatching(/reads table gone, which no longer exists/) }]);
    // One DescribeTable per table with mappings.
    expect(r.stderr.match(/DescribeTable/g)?.length).toBe(2);
  });

  it('--check-permissions flags orphaned and missing permissions', async () => {
    const doc = (await list('--check-permissions', '--json')).json<{ warnings: Warning[] }>();
    const codes = doc.warnings.map((w) => `${w.code}:${w.statementId ?? w.triggerId}`).sort();
    expect(codes).toEqual(['missing-permission:forgot', 'orphan-permission:old-topic']);
  });
});

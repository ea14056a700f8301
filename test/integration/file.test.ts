import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LambdaClient, RemovePermissionCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { runCli, spawnCli } from '../helpers/cli.js';
import {
  allMappings,
  clientConfig,
  createBucket,
  createFunction,
  createMapping,
  createQueue,
  createStream,
  createTableWithStream,
  createTopic,
  notificationOf,
  policySids,
  subscribeFunction,
  subscriptionsOf,
} from '../helpers/fixtures.js';
import { createRule, targetsOf } from '../helpers/events-fixtures.js';
import { createLogGroup, filtersOf, putFilter } from '../helpers/logs-fixtures.js';
import { useMoto } from '../helpers/moto.js';

// Triggers as a file against moto: export → apply round trips, a fresh account rebuilt from an export,
// diff's drift report, --prune, bad files refused by path, list --fail-on.

const moto = useMoto();
const dir = mkdtempSync(join(tmpdir(), 'evsrc-file-'));
let n = 0;
function write(content: string | object): string {
  n += 1;
  const path = join(dir, `triggers-${n}.yaml`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The sources (made by hand, as a team would have them); the same call recreates them after a reset. */
async function sources(endpoint: string) {
  await createFunction(endpoint, 'worker');
  await createFunction(endpoint, 'other');
  const orders = await createQueue(endpoint, 'orders', { VisibilityTimeout: '60' });
  await createQueue(endpoint, 'dlq', { VisibilityTimeout: '60' });
  const table = await createTableWithStream(endpoint, 'users');
  const stream = await createStream(endpoint, 'clicks');
  await createBucket(endpoint, 'uploads');
  const topic = await createTopic(endpoint, 'alerts');
  await createRule(endpoint, 'nightly', { schedule: 'rate(1 day)' });
  await createLogGroup(endpoint, '/app/api');
  return { orders, table, stream, topic };
}

/** One trigger of every type, made with evsrc add (and its settings away from the defaults). */
async function seed(endpoint: string): Promise<void> {
  await sources(endpoint);
  const adds = [
    ['add', 'sqs', 'orders', '--function', 'worker', '--batch-size', '50', '--batching-window', '5', '--filter', '{"body":{"type":["order"]}}', '--report-batch-item-failures'],
    ['add', 'dynamodb', 'users', '--function', 'worker', '--starting-position', 'LATEST', '--batch-size', '200', '--retry-attempts', '3', '--bisect-on-error'],
    ['add', 'kinesis', 'clicks', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--parallelization', '2', '--disabled'],
    ['add', 's3', 'uploads', '--function', 'worker', '--events', 's3:ObjectCreated:Put', '--prefix', 'in/', '--suffix', '.csv'],
    ['add', 'sns', 'alerts', '--function', 'worker', '--filter-policy', '{"level":["error"]}'],
    ['add', 'eventbridge', 'nightly', '--function', 'other', '--input', '{"job":"nightly"}', '--retry-attempts', '3'],
    ['add', 'logs', '/app/api', '--function', 'other', '--filter-pattern', 'ERROR'],
  ];
  for (const argv of adds) {
    const r = await runCli(argv, endpoint);
    expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(0);
  }
}

async function exportYaml(endpoint: string, ...args: string[]): Promise<string> {
  const r = await runCli(['export', ...args], endpoint);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

beforeEach(async () => {
  await moto.reset();
});

describe('evsrc export', () => {
  it('writes every trigger of all seven types in add vocabulary, defaults left out, names where unambiguous', async () => {
    await seed(moto.endpoint);
    const text = await exportYaml(moto.endpoint);
    expect(text.startsWith('# evsrc triggers of every function in us-east-1: 7 triggers.')).toBe(true);
    const doc = parseYaml(text) as { version: number; triggers: Record<string, unknown>[] };
    expect(doc.version).toBe(1);
    const byType = Object.fromEntries(doc.triggers.map((t) => [t.type, t]));
    expect(Object.keys(byType).sort()).toEqual(['dynamodb', 'eventbridge', 'kinesis', 'logs', 's3', 'sns', 'sqs']);
    expect(byType.sqs).toEqual({ type: 'sqs', source: 'orders', function: 'worker', batchSize: 50, batchingWindow: 5, filter: [{ body: { type: ['order'] } }], reportBatchItemFailures: true });
    expect(byType.dynamodb).toEqual({ type: 'dynamodb', source: 'users', function: 'worker', startingPosition: 'LATEST', batchSize: 200, retryAttempts: 3, bisectOnError: true });
    expect(byType.kinesis).toEqual({ type: 'kinesis', source: 'clicks', function: 'worker', startingPosition: 'TRIM_HORIZON', parallelization: 2, disabled: true });
    expect(byType.s3).toEqual({ type: 's3', source: 'uploads', function: 'worker', events: ['s3:ObjectCreated:Put'], prefix: 'in/', suffix: '.csv' });
    expect(byType.sns).toEqual({ type: 'sns', source: 'alerts', function: 'worker', filterPolicy: { level: ['error'] } });
    expect(byType.eventbridge).toEqual({ type: 'eventbridge', source: 'nightly', function: 'other', schedule: 'rate(1 day)', input: { job: 'nightly' }, retryAttempts: 3 });
    expect(byType.logs).toMatchObject({ type: 'logs', source: '/app/api', function: 'other', filterPattern: 'ERROR' });

    // --function and --type narrow it; --output json gives the same document as JSON.
    const only = await runCli(['export', '--function', 'other', '--type', 'logs', '--output', 'json'], moto.endpoint);
    expect(only.code, only.stderr).toBe(0);
    expect(only.json().triggers.map((t: { type: string }) => t.type)).toEqual(['logs']);
  });

  it('--output yaml is refused for other commands', async () => {
    const r = await runCli(['list', '--output', 'yaml'], moto.endpoint);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--output: invalid value "yaml" for list');
  });
});

describe('evsrc apply -f', () => {
  it('export → apply round-trips with "No changes", and diff says in sync', async () => {
    await seed(moto.endpoint);
    const file = write(await exportYaml(moto.endpoint));
    const applied = await runCli(['apply', '-f', file], moto.endpoint);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('No changes');
    const diff = await runCli(['diff', '-f', file], moto.endpoint);
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(diff.stdout).toContain('is in sync');
    // The built CLI (bin/evsrc.js, the bundle) reads and writes YAML the same way.
    const env = { AWS_ENDPOINT_URL: moto.endpoint };
    const spawned = await spawnCli(['export'], env);
    expect(spawned.code, spawned.stderr).toBe(0);
    expect(spawned.stdout).toBe(await exportYaml(moto.endpoint));
    const spawnedApply = await spawnCli(['apply', '-f', file], env);
    expect(spawnedApply.code, spawnedApply.stderr).toBe(0);
    expect(spawnedApply.stdout).toContain('No changes');
  });

  it('an export applied to an empty account (sources recreated) reproduces every trigger', async () => {
    await seed(moto.endpoint);
    const exported = await exportYaml(moto.endpoint);
    const file = write(exported);
    await moto.reset();
    await sources(moto.endpoint);

    const dry = await runCli(['apply', '-f', file, '--dry-run', '--output', 'json'], moto.endpoint);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().triggers.map((t: { status: string }) => t.status)).toEqual(Array(7).fill('create'));
    expect(await allMappings(moto.endpoint)).toHaveLength(0);

    const applied = await runCli(['apply', '-f', file], moto.endpoint);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Applied: 7 created');
    // The account now exports to the same document, and applying again changes nothing.
    expect(await exportYaml(moto.endpoint)).toBe(exported);
    const again = await runCli(['apply', '-f', file], moto.endpoint);
    expect(again.stdout).toContain('No changes');
    expect(await allMappings(moto.endpoint)).toHaveLength(3);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations).toHaveLength(1);
    expect(await filtersOf(moto.endpoint, '/app/api')).toHaveLength(1);
  });

  it('two triggers on one bucket and one function are written in turn and share one permission', async () => {
    await sources(moto.endpoint);
    const file = write({
      version: 1,
      triggers: [
        { type: 's3', source: 'uploads', function: 'worker', prefix: 'a/' },
        { type: 's3', source: 'uploads', function: 'worker', prefix: 'b/' },
        { type: 'sqs', source: 'orders', function: 'worker' },
      ],
    });
    const r = await runCli(['apply', '-f', file, '--output', 'json'], moto.endpoint);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json().triggers.map((t: { status: string }) => t.status)).toEqual(['created', 'created', 'created']);
    const entries = (await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations as unknown[];
    expect(entries).toHaveLength(2);
    expect((await policySids(moto.endpoint, 'worker')).filter((s) => s.startsWith('evsrc'))).toHaveLength(1);
  });

  it('a failing trigger does not stop the others; the result names it and the exit is its code', async () => {
    await sources(moto.endpoint);
    const file = write({
      version: 1,
      triggers: [
        { type: 'sqs', source: 'no-such-queue', function: 'worker' },
        { type: 'sns', source: 'alerts', function: 'worker' },
      ],
    });
    const r = await runCli(['apply', '-f', file, '--output', 'json'], moto.endpoint);
    expect(r.code).toBe(3);
    const doc = r.json();
    expect(doc.triggers[0].status).toBe('failed');
    expect(doc.triggers[0].error.message).toContain('no-such-queue');
    expect(doc.triggers[1].status).toBe('created');
    expect(await subscriptionsOf(moto.endpoint, 'arn:aws:sns:us-east-1:123456789012:alerts')).toHaveLength(1);
  });

  it('refuses a bad file before any AWS call, naming the path of every bad entry', async () => {
    await sources(moto.endpoint);
    const file = write(
      [
        'version: 1',
        'triggers:',
        '  - {type: sqs, source: orders, function: worker}',
        '  - {type: sqs, source: orders, function: other, batchSize: 20000}',
        '  - {type: sns, source: alerts, function: worker, batchSize: 5}',
        '  - {type: ftp, source: x, function: worker}',
        '  - {type: dynamodb, source: users, function: worker}',
        '  - {type: s3, function: worker}',
      ].join('\n'),
    );
    const r = await runCli(['apply', '-f', file], moto.endpoint);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('triggers[1].batchSize: invalid value "20000"; allowed: a whole number from 1 to 10000');
    expect(r.stderr).toContain('triggers[2].batchSize: not a setting of sns; allowed: filterPolicy');
    expect(r.stderr).toContain('triggers[3].type: "ftp" is not a trigger type; allowed: sqs, s3, sns');
    expect(r.stderr).toContain('triggers[4]: startingPosition is required for dynamodb');
    expect(r.stderr).toContain('triggers[5].source: missing');
    expect(r.stderr).not.toContain('triggers[0]');
    expect(await allMappings(moto.endpoint)).toHaveLength(0);

    const syntax = await runCli(['diff', '-f', write('triggers: [ {type: sqs')], moto.endpoint);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/line \d+, column \d+/);
  });

  it('--prune removes the triggers of named functions the file does not list, with --yes only, and never another function', async () => {
    await seed(moto.endpoint);
    const file = write({ version: 1, triggers: [{ type: 'sqs', source: 'orders', function: 'worker', batchSize: 50, batchingWindow: 5, filter: [{ body: { type: ['order'] } }], reportBatchItemFailures: true }] });
    const refused = await runCli(['apply', '-f', file, '--prune'], moto.endpoint);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs confirmation');

    const dry = await runCli(['apply', '-f', file, '--prune', '--dry-run', '--output', 'json'], moto.endpoint);
    expect(dry.json().prune.map((p: { trigger: { type: string } }) => p.trigger.type).sort()).toEqual(['dynamodb', 'kinesis', 's3', 'sns']);

    const r = await runCli(['apply', '-f', file, '--prune', '--yes'], moto.endpoint);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const mappings = await allMappings(moto.endpoint);
    expect(mappings.map((m) => m.EventSourceArn?.split(':')[2])).toEqual(['sqs']);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations ?? []).toHaveLength(0);
    expect(await subscriptionsOf(moto.endpoint, 'arn:aws:sns:us-east-1:123456789012:alerts')).toHaveLength(0);
    expect((await policySids(moto.endpoint, 'worker')).filter((s) => s.startsWith('evsrc'))).toHaveLength(0);
    // `other` is not named in the file: its rule target and log filter stay.
    expect(await targetsOf(moto.endpoint, 'nightly')).toHaveLength(1);
    expect(await filtersOf(moto.endpoint, '/app/api')).toHaveLength(1);
  });
});

describe('evsrc diff -f', () => {
  it('reports a disabled mapping, a changed filter, a deleted permission and a hand-made extra trigger; exit 5', async () => {
    await seed(moto.endpoint);
    const file = write(await exportYaml(moto.endpoint, '--function', 'worker'));
    const lambda = new LambdaClient(clientConfig(moto.endpoint));
    const sqs = (await allMappings(moto.endpoint)).find((m) => m.EventSourceArn?.includes(':sqs:'));
    const ddb = (await allMappings(moto.endpoint)).find((m) => m.EventSourceArn?.includes(':dynamodb:'));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: sqs?.UUID, FilterCriteria: { Filters: [{ Pattern: '{"body":{"type":["refund"]}}' }] } }));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: ddb?.UUID, Enabled: false }));
    const snsSid = (await policySids(moto.endpoint, 'worker')).find((s) => s.includes('sns'));
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'worker', StatementId: snsSid }));
    const extraQueue = await createQueue(moto.endpoint, 'hand-made', { VisibilityTimeout: '60' });
    const extraUuid = await createMapping(moto.endpoint, 'worker', extraQueue.arn);
    const topic = await createTopic(moto.endpoint, 'other-topic');
    await subscribeFunction(moto.endpoint, topic, 'arn:aws:lambda:us-east-1:123456789012:function:other');

    const r = await runCli(['diff', '-f', file, '--output', 'json'], moto.endpoint);
    expect(r.code, r.stderr).toBe(5);
    const doc = r.json();
    const byType = Object.fromEntries(doc.triggers.map((t: { type: string }) => [t.type, t]));
    expect(byType.sqs.status).toBe('differs');
    expect(byType.sqs.differences).toEqual([expect.objectContaining({ field: 'FilterCriteria', from: ['{"body":{"type":["refund"]}}'], to: ['{"body":{"type":["order"]}}'] })]);
    expect(byType.dynamodb.status).toBe('differs');
    expect(byType.dynamodb.differences).toEqual([expect.objectContaining({ field: 'Enabled', from: false, to: true })]);
    expect(byType.sns.status).toBe('differs');
    expect(byType.sns.differences).toEqual([expect.objectContaining({ api: 'lambda:AddPermission' })]);
    expect(byType.s3.status).toBe('in-sync');
    // The hand-made mapping of `worker` is extra; `other`'s subscription is not looked at (the file does not name it).
    expect(doc.extra.map((t: { id: string }) => t.id)).toEqual([extraUuid]);

    const text = await runCli(['diff', '-f', file], moto.endpoint);
    expect(text.code).toBe(5);
    expect(text.stdout).toContain('differs from the account: 2 in sync, 3 differs, 1 extra');
    expect(text.stdout).toContain('Enabled: false → true');
    expect(text.stdout).toContain('extra');

    // apply converges it (the extra stays without --prune), and diff is then only the extra trigger.
    const applied = await runCli(['apply', '-f', file], moto.endpoint);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const after = await runCli(['diff', '-f', file, '--output', 'json'], moto.endpoint);
    expect(after.json().summary).toEqual({ inSync: 5, missing: 0, differs: 0, extra: 1, failed: 0 });
  });

  it('reports a missing trigger', async () => {
    await sources(moto.endpoint);
    const file = write({ version: 1, triggers: [{ type: 'logs', source: '/app/api', function: 'other', filterName: 'ship' }] });
    const r = await runCli(['diff', '-f', file, '--output', 'json'], moto.endpoint);
    expect(r.code).toBe(5);
    expect(r.json().triggers[0].status).toBe('missing');
    await putFilter(moto.endpoint, '/app/api', 'ship', 'arn:aws:lambda:us-east-1:123456789012:function:other');
    const later = await runCli(['diff', '-f', file, '--output', 'json'], moto.endpoint);
    // The filter exists now; only the permission behind it is missing.
    expect(later.json().triggers[0].status).toBe('differs');
  });
});

describe('evsrc list --fail-on', () => {
  it('exits 5 when list finds the named problems, 0 otherwise; refuses unknown codes', async () => {
    await sources(moto.endpoint);
    const clean = await runCli(['list', '--function', 'worker', '--fail-on', 'any'], moto.endpoint);
    expect(clean.code, clean.stderr).toBe(0);
    // A mapping whose queue was deleted: source-missing.
    const gone = await createQueue(moto.endpoint, 'gone', { VisibilityTimeout: '60' });
    await createMapping(moto.endpoint, 'worker', gone.arn);
    const { DeleteQueueCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    await new SQSClient(clientConfig(moto.endpoint)).send(new DeleteQueueCommand({ QueueUrl: gone.url }));
    const any = await runCli(['list', '--function', 'worker', '--fail-on', 'any'], moto.endpoint);
    expect(any.code).toBe(5);
    expect(any.stderr).toContain('--fail-on: 1 problem found (source-missing); exit 5');
    const named = await runCli(['list', '--fail-on', 'source-missing', '--output', 'json'], moto.endpoint);
    expect(named.code).toBe(5);
    expect(named.json().warnings.map((w: { code: string }) => w.code)).toContain('source-missing');
    const other = await runCli(['list', '--function', 'worker', '--fail-on', 'disabled-by-lambda,stale-stream'], moto.endpoint);
    expect(other.code).toBe(0);
    const bad = await runCli(['list', '--fail-on', 'broken'], moto.endpoint);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on: invalid value "broken"; allowed: any, or one or more of orphan-permission');
  });
});

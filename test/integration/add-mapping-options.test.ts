import { LambdaClient, ListTagsCommand, TagResourceCommand } from '@aws-sdk/client-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { clientConfig, createBucket, createFunction, createQueue, createStream, createTable, mappingsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY2 = 'arn:aws:kms:us-east-1:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab';

beforeEach(async () => {
  await moto.reset();
  await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

const sqs = (...args: string[]) => runCli(['add', 'sqs', ...args], moto.endpoint);
const kin = (...args: string[]) => runCli(['add', 'kinesis', ...args], moto.endpoint);
const ddb = (...args: string[]) => runCli(['add', 'dynamodb', ...args], moto.endpoint);
const apis = (doc: { actions: { api: string }[] }) => doc.actions.map((a) => a.api);

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const lambda = new LambdaClient(clientConfig(moto.endpoint));
  return (await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {};
}

describe('mapping options on sqs against moto', () => {
  it('--no-max-concurrency removes ScalingConfig (an empty one, as AWS asks), and a re-run changes nothing', async () => {
    const q = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    expect((await sqs('orders', '--function', 'worker', '--max-concurrency', '5')).code).toBe(0);
    expect((await mappingsOf(moto.endpoint, q.arn))[0]?.ScalingConfig?.MaximumConcurrency).toBe(5);
    const off = await sqs('orders', '--function', 'worker', '--no-max-concurrency', '--json');
    expect(off.code, off.stderr).toBe(0);
    const update = off.json().actions[0];
    expect(update.api).toBe('lambda:UpdateEventSourceMapping');
    expect(update.input.ScalingConfig).toEqual({});
    expect((await mappingsOf(moto.endpoint, q.arn))[0]?.ScalingConfig?.MaximumConcurrency).toBeUndefined();
    const again = await sqs('orders', '--function', 'worker', '--no-max-concurrency', '--json');
    expect(again.json().actions).toEqual([]);
  });

  it('creates with metrics, provisioned pollers, the filter key and tags, and a re-run changes nothing', async () => {
    const q = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    const flags = ['--metrics', 'EventCount', '--min-pollers', '3', '--max-pollers', '40', '--filter-kms-key', KEY, '--tag', 'team=payments', '--tag', 'env=prod'];
    const r = await sqs('orders', '--function', 'worker', ...flags, '--json');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions[0].input).toMatchObject({
      MetricsConfig: { Metrics: ['EventCount'] },
      ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 40 },
      KMSKeyArn: KEY,
      Tags: { team: 'payments', env: 'prod', 'evsrc:tags': 'env team' },
    });
    const [m] = await mappingsOf(moto.endpoint, q.arn);
    expect(m).toMatchObject({ MetricsConfig: { Metrics: ['EventCount'] }, ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 40 }, KMSKeyArn: KEY });
    expect(await tagsOf(m?.EventSourceMappingArn ?? '')).toEqual({ team: 'payments', env: 'prod', 'evsrc:tags': 'env team' });
    expect(doc.trigger.settings).toMatchObject({ metrics: ['EventCount'], provisionedPollers: { min: 3, max: 40 }, filterKmsKey: KEY, tags: { team: 'payments' } });

    const again = await sqs('orders', '--function', 'worker', ...flags, '--json');
    expect(again.code).toBe(0);
    expect(again.json().changed).toBe(false);
    expect(again.json().actions).toEqual([]);
    const text = await sqs('orders', '--function', 'worker', ...flags);
    expect(text.stdout).toMatch(/No changes/);
    expect(text.stdout).toMatch(/provisionedPollers=\{"min":3,"max":40\}/);
  });

  it('updates the fields in place, tags only the keys given and leaves foreign tags alone', async () => {
    const q = await createQueue(moto.endpoint, 'upd', { VisibilityTimeout: '60' });
    await sqs('upd', '--function', 'worker', '--metrics', 'EventCount', '--max-pollers', '40', '--filter-kms-key', KEY, '--tag', 'team=a');
    const [before] = await mappingsOf(moto.endpoint, q.arn);
    const arn = before?.EventSourceMappingArn ?? '';
    const lambda = new LambdaClient(clientConfig(moto.endpoint));
    await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { owner: 'someone-else' } }));

    const r = await sqs('upd', '--function', 'worker', '--no-metrics', '--min-pollers', '5', '--filter-kms-key', KEY2, '--tag', 'team=b', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(apis(doc)).toEqual(['lambda:UpdateEventSourceMapping', 'lambda:TagResource']);
    expect(doc.actions[0].input).toEqual({ UUID: before?.UUID, MetricsConfig: { Metrics: [] }, ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 40 }, KMSKeyArn: KEY2 });
    const [after] = await mappingsOf(moto.endpoint, q.arn);
    expect(after?.UUID).toBe(before?.UUID);
    expect(after).toMatchObject({ MetricsConfig: { Metrics: [] }, ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 40 }, KMSKeyArn: KEY2 });
    expect(await tagsOf(arn)).toEqual({ team: 'b', owner: 'someone-else', 'evsrc:tags': 'team' });

    // --no-tags removes what evsrc gave, not the foreign tag; provisioned mode and the key turned off.
    const off = await sqs('upd', '--function', 'worker', '--no-tags', '--no-provisioned-pollers', '--no-filter-kms-key', '--json');
    expect(off.code).toBe(0);
    expect(apis(off.json())).toEqual(['lambda:UpdateEventSourceMapping', 'lambda:UntagResource']);
    expect(await tagsOf(arn)).toEqual({ owner: 'someone-else' });
    const [last] = await mappingsOf(moto.endpoint, q.arn);
    expect(last?.ProvisionedPollerConfig?.MinimumPollers).toBeUndefined();
    expect(last?.KMSKeyArn || undefined).toBeUndefined();
    const quiet = await sqs('upd', '--function', 'worker', '--no-tags', '--no-provisioned-pollers', '--no-filter-kms-key', '--json');
    expect(quiet.json().actions).toEqual([]);
  });

  it('refuses pollers with --max-concurrency and a Kafka metric (exit 2), writing nothing', async () => {
    const q = await createQueue(moto.endpoint, 'bad', { VisibilityTimeout: '60' });
    const both = await sqs('bad', '--function', 'worker', '--max-pollers', '10', '--max-concurrency', '5');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--max-concurrency.*"5"/);
    const kafka = await sqs('bad', '--function', 'worker', '--metrics', 'KafkaMetrics');
    expect(kafka.code).toBe(2);
    expect(kafka.stderr).toMatch(/"KafkaMetrics"/);
    const alias = await sqs('bad', '--function', 'worker', '--filter-kms-key', 'alias/mine');
    expect(alias.code).toBe(2);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
  });

  it('list shows the new fields', async () => {
    await createQueue(moto.endpoint, 'listed', { VisibilityTimeout: '60' });
    await sqs('listed', '--function', 'worker', '--metrics', 'EventCount', '--max-pollers', '40');
    const r = await runCli(['list', '--function', 'worker', '--json'], moto.endpoint);
    expect(r.code).toBe(0);
    const doc = r.json();
    const trigger = (doc.triggers ?? doc.functions?.[0]?.triggers ?? []).find((t: { type: string }) => t.type === 'sqs');
    expect(trigger?.settings).toMatchObject({ metrics: ['EventCount'], provisionedPollers: { max: 40 } });
  });
});

describe('mapping options on streams against moto', () => {
  it('kinesis: creates with metrics, the key and tags; --replace keeps them all', async () => {
    const streamArn = await createStream(moto.endpoint, 'clicks');
    const r = await kin('clicks', '--function', 'worker', '--starting-position', 'LATEST', '--metrics', 'EventCount', '--filter-kms-key', KEY, '--tag', 'team=a', '--json');
    expect(r.code).toBe(0);
    const [m] = await mappingsOf(moto.endpoint, streamArn);
    expect(m).toMatchObject({ MetricsConfig: { Metrics: ['EventCount'] }, KMSKeyArn: KEY });
    expect(await tagsOf(m?.EventSourceMappingArn ?? '')).toEqual({ team: 'a', 'evsrc:tags': 'team' });

    const same = await kin('clicks', '--function', 'worker', '--starting-position', 'LATEST', '--metrics', 'EventCount', '--filter-kms-key', KEY, '--tag', 'team=a', '--json');
    expect(same.json().actions).toEqual([]);

    const replaced = await kin('clicks', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--replace', '--json');
    expect(replaced.code).toBe(0);
    expect(apis(replaced.json())).toEqual(['lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    const [n] = await mappingsOf(moto.endpoint, streamArn);
    expect(n?.UUID).not.toBe(m?.UUID);
    expect(n).toMatchObject({ StartingPosition: 'TRIM_HORIZON', MetricsConfig: { Metrics: ['EventCount'] }, KMSKeyArn: KEY });
    expect(await tagsOf(n?.EventSourceMappingArn ?? '')).toEqual({ team: 'a', 'evsrc:tags': 'team' });
  });

  it('dynamodb: an S3 bucket as on-failure destination, metrics updated in place', async () => {
    const table = await createTable(moto.endpoint, 'orders', 'NEW_IMAGE');
    await createBucket(moto.endpoint, 'failed-batches');
    const r = await ddb('orders', '--function', 'worker', '--starting-position', 'LATEST', '--on-failure', 'arn:aws:s3:::failed-batches', '--json');
    expect(r.code).toBe(0);
    const streamArn = r.json().source.arn as string;
    expect(streamArn.startsWith(table.arn)).toBe(true);
    const [m] = await mappingsOf(moto.endpoint, streamArn);
    expect(m?.DestinationConfig?.OnFailure?.Destination).toBe('arn:aws:s3:::failed-batches');
    const up = await ddb('orders', '--function', 'worker', '--starting-position', 'LATEST', '--metrics', 'EventCount', '--json');
    expect(apis(up.json())).toEqual(['lambda:UpdateEventSourceMapping']);
    expect(up.json().actions[0].changes).toEqual([{ field: 'MetricsConfig.Metrics', from: [], to: ['EventCount'] }]);
    const [n] = await mappingsOf(moto.endpoint, streamArn);
    expect(n?.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
  });

  it('refuses provisioned pollers for a stream (exit 2)', async () => {
    await createStream(moto.endpoint, 'nopoll');
    const r = await kin('nopoll', '--function', 'worker', '--starting-position', 'LATEST', '--min-pollers', '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-pollers.*"3"/);
  });
});

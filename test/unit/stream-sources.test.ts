import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { ResolvedFunction } from '../../src/aws/lambda.js';
import { warningMessage } from '../../src/core/reporter.js';
import type { AwsSession } from '../../src/aws/session.js';
import { EvsrcError, ExitCode, PreconditionError, UsageError } from '../../src/core/errors.js';
import { MemoryReporter } from '../../src/core/reporter.js';
import {
  dynamodbRoleHint,
  parseDynamodbOptions,
  parseTableRef,
  planDynamodb,
  waitForStream,
  type DynamodbPlanInput,
  type ResolvedTable,
} from '../../src/sources/dynamodb.js';
import { triggerType } from '../../src/sources/registry.js';

const ADAPTERS = { dynamodb: triggerType('dynamodb'), kinesis: triggerType('kinesis'), sqs: triggerType('sqs') };
import {
  consumerArnOf,
  kinesisRoleHint,
  parseKinesisOptions,
  parseStreamRef,
  planKinesis,
  waitForConsumer,
  type KinesisPlanInput,
  type ResolvedStream,
} from '../../src/sources/kinesis.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const FN: ResolvedFunction = {
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:worker',
  unqualifiedArn: 'arn:aws:lambda:us-east-1:123456789012:function:worker',
  name: 'worker',
  region: 'us-east-1',
  account: '123456789012',
  timeout: 10,
  role: 'arn:aws:iam::123456789012:role/worker',
};
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const STREAM_ARN = `${TABLE_ARN}/stream/2024-01-01T00:00:00.000`;
const OLD_STREAM_ARN = `${TABLE_ARN}/stream/2023-01-01T00:00:00.000`;

function refusal(fn: () => unknown): EvsrcError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EvsrcError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const mapping = (o: Partial<EventSourceMappingConfiguration> = {}): EventSourceMappingConfiguration => ({
  UUID: 'u-1',
  EventSourceArn: STREAM_ARN,
  FunctionArn: FN.arn,
  State: 'Enabled',
  StartingPosition: 'LATEST',
  BatchSize: 100,
  ...o,
});

describe('registry and flags', () => {
  it('registers both stream adapters with --replace and their own flags', () => {
    const ddb = ADAPTERS.dynamodb?.spec.options.map((o) => o.flags) ?? [];
    const kin = ADAPTERS.kinesis?.spec.options.map((o) => o.flags) ?? [];
    expect(ddb).toEqual(expect.arrayContaining(['--replace', '--enable-stream <view-type>', '--on-failure <destination>', '--starting-position <position>']));
    expect(kin).toEqual(expect.arrayContaining(['--replace', '--consumer <name>', '--starting-position-timestamp <time>']));
    expect(ddb).not.toContain('--consumer <name>');
    expect(kin).not.toContain('--enable-stream <view-type>');
    // Shared with SQS: same spelling.
    const sqs = ADAPTERS.sqs?.spec.options.map((o) => o.flags) ?? [];
    for (const flag of ['--batch-size <n>', '--batching-window <seconds>', '--filter <json|@file>', '--report-batch-item-failures', '--disabled', '--enabled']) {
      expect(sqs).toContain(flag);
      expect(ddb).toContain(flag);
      expect(kin).toContain(flag);
    }
  });
});

describe('parseTableRef', () => {
  it('reads a name, a table ARN and a stream ARN', () => {
    expect(parseTableRef('orders')).toEqual({ kind: 'name', table: 'orders' });
    expect(parseTableRef(TABLE_ARN)).toMatchObject({ kind: 'table-arn', table: 'orders', arn: TABLE_ARN, region: 'us-east-1' });
    expect(parseTableRef(STREAM_ARN)).toMatchObject({ kind: 'stream-arn', table: 'orders', arn: TABLE_ARN, streamArn: STREAM_ARN });
  });

  it('refuses other ARNs and bad names (exit 2)', () => {
    for (const bad of ['ab', 'has space', 'arn:aws:sqs:us-east-1:123456789012:q', 'arn:aws:dynamodb:us-east-1:123456789012:backup/x']) {
      const e = refusal(() => parseTableRef(bad));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toMatch(/^<table>: /);
    }
  });
});

describe('parseDynamodbOptions', () => {
  it('reads --enable-stream and refuses unknown view types', () => {
    expect(parseDynamodbOptions({ startingPosition: 'LATEST', enableStream: 'new_and_old_images' }, NOW).enableStream).toBe('NEW_AND_OLD_IMAGES');
    expect(refusal(() => parseDynamodbOptions({ startingPosition: 'LATEST', enableStream: 'ALL' }, NOW)).message).toBe(
      '--enable-stream: invalid value "ALL"; allowed: NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY',
    );
  });
});

const table = (o: Partial<ResolvedTable> = {}): ResolvedTable => ({ name: 'orders', arn: TABLE_ARN, region: 'us-east-1', status: 'ACTIVE', streamArn: STREAM_ARN, viewType: 'NEW_IMAGE', ...o });

function ddbInput(o: Partial<DynamodbPlanInput> = {}, raw: Record<string, unknown> = {}): DynamodbPlanInput {
  return {
    ref: parseTableRef('orders'),
    table: table(),
    fn: FN,
    readers: [],
    functionMappings: [],
    options: parseDynamodbOptions({ startingPosition: 'LATEST', ...raw }, NOW),
    streamEnabled: async (r) => r,
    mappingGone: () => async (r) => r,
    ...o,
  };
}

describe('planDynamodb', () => {
  it('maps the table to its LatestStreamArn', () => {
    const plan = planDynamodb(ddbInput());
    expect(plan.sourceArn).toBe(STREAM_ARN);
    expect(plan.actions.map((a) => a.api)).toEqual(['lambda:CreateEventSourceMapping']);
    expect(plan.actions[0]?.input).toMatchObject({ EventSourceArn: STREAM_ARN, StartingPosition: 'LATEST', FunctionName: FN.arn });
  });

  it('a table without a stream is exit 3 with a message that says how to fix it', () => {
    const e = refusal(() => planDynamodb(ddbInput({ table: table({ streamArn: undefined, viewType: undefined }) })));
    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.message).toMatch(/table orders has no stream enabled/);
    expect(e.hint).toMatch(/--enable-stream NEW_AND_OLD_IMAGES/);
    expect(e.hint).toMatch(/aws dynamodb update-table --table-name orders --stream-specification StreamEnabled=true/);
  });

  it('with --enable-stream: UpdateTable (settled until ACTIVE), then a create bound to the new stream ARN', async () => {
    const settled: unknown[] = [];
    const plan = planDynamodb(
      ddbInput({ table: table({ streamArn: undefined, viewType: undefined }), streamEnabled: async (r) => (settled.push(r), r) }, { enableStream: 'KEYS_ONLY' }),
    );
    expect(plan.actions.map((a) => a.api)).toEqual(['dynamodb:UpdateTable', 'lambda:CreateEventSourceMapping']);
    expect(plan.actions[0]?.input).toEqual({ TableName: 'orders', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } });
    await plan.actions[0]?.settle?.('x');
    expect(settled).toEqual(['x']);
    const create = plan.actions[1];
    expect(create?.input.EventSourceArn).toMatch(/^<stream ARN of table orders, known after UpdateTable>$/);
    expect(create?.bind?.([{ LatestStreamArn: STREAM_ARN }], create.input).EventSourceArn).toBe(STREAM_ARN);
    expect(plan.sourceArn).toMatch(/^</);
  });

  it('--enable-stream on a table that has a stream: no UpdateTable; a different view type warns', () => {
    const plan = planDynamodb(ddbInput({}, { enableStream: 'KEYS_ONLY' }));
    expect(plan.actions.map((a) => a.api)).toEqual(['lambda:CreateEventSourceMapping']);
    expect(plan.warnings).toContainEqual({ code: 'enable-stream-ignored', message: expect.stringMatching(/already has a stream \(NEW_IMAGE\); --enable-stream KEYS_ONLY is ignored/) });
    expect(planDynamodb(ddbInput({}, { enableStream: 'NEW_IMAGE' })).warnings).toEqual([]);
  });

  it('a stream ARN must be the current stream; --enable-stream with one is a usage error', () => {
    expect(planDynamodb(ddbInput({ ref: parseTableRef(STREAM_ARN) })).sourceArn).toBe(STREAM_ARN);
    const old = refusal(() => planDynamodb(ddbInput({ ref: parseTableRef(OLD_STREAM_ARN) })));
    expect(old.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(old.message).toMatch(/is not the current stream of table orders/);
    const disabled = refusal(() => planDynamodb(ddbInput({ ref: parseTableRef(STREAM_ARN), table: table({ streamArn: undefined }) })));
    expect(disabled.message).toMatch(/is not enabled/);
    expect(refusal(() => planDynamodb(ddbInput({ ref: parseTableRef(STREAM_ARN) }, { enableStream: 'NEW_IMAGE' }))).exitCode).toBe(ExitCode.USAGE);
  });

  it('warns when two or more mappings already read the stream (DynamoDB Streams throttles over two readers per shard)', () => {
    const other = (n: number) => mapping({ UUID: `o-${n}`, FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:f${n}` });
    expect(planDynamodb(ddbInput({ readers: [other(1)] })).warnings).toEqual([]);
    const warned = planDynamodb(ddbInput({ readers: [other(1), other(2)] }))
      .warnings.map(warningMessage)
      .join('\n');
    expect(warned).toMatch(/2 mappings already read stream .* DynamoDB Streams throttles more than 2 readers per shard/);
    expect(warned).toMatch(/function:f1, arn:aws:lambda:us-east-1:123456789012:function:f2/);
  });

  it('a mapping on an older stream label of the table is an immutable source change', () => {
    const old = mapping({ UUID: 'old', EventSourceArn: OLD_STREAM_ARN });
    const unrelated = mapping({ UUID: 'x', EventSourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders2/stream/1' });
    const e = refusal(() => planDynamodb(ddbInput({ functionMappings: [old, unrelated] })));
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.message).toMatch(/mapping old already connects .*2023-01-01.* to this function/);
    const replaced = planDynamodb(ddbInput({ functionMappings: [old, unrelated] }, { replace: true }));
    expect(replaced.actions.map((a) => [a.api, a.input.UUID ?? a.input.EventSourceArn])).toEqual([
      ['lambda:DeleteEventSourceMapping', 'old'],
      ['lambda:CreateEventSourceMapping', STREAM_ARN],
    ]);
  });

  it('re-enabling a stream with --replace: UpdateTable, delete the old-label mapping, create on the new stream', () => {
    const old = mapping({ UUID: 'old', EventSourceArn: OLD_STREAM_ARN });
    const plan = planDynamodb(ddbInput({ table: table({ streamArn: undefined }), functionMappings: [old] }, { enableStream: 'NEW_IMAGE', replace: true }));
    expect(plan.actions.map((a) => a.api)).toEqual(['dynamodb:UpdateTable', 'lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    const create = plan.actions[2];
    expect(create?.bind?.([{ LatestStreamArn: STREAM_ARN }, {}], create.input).EventSourceArn).toBe(STREAM_ARN);
  });

  it('finds its own mapping among the function mappings too (emulators with a strict list filter)', () => {
    const plan = planDynamodb(ddbInput({ functionMappings: [mapping()] }));
    expect(plan.actions).toEqual([]);
    expect(plan.existing?.UUID).toBe('u-1');
  });

  it('refuses a table in another region than the function', () => {
    const e = refusal(() => planDynamodb(ddbInput({ table: table({ region: 'eu-west-1', arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders' }) })));
    expect(e.message).toMatch(/is in eu-west-1 but function .* is in us-east-1/);
  });

  it('names the exact actions the role needs, with the destination', () => {
    const hint = dynamodbRoleHint(table(), FN, { kind: 's3', arn: 'arn:aws:s3:::b', name: 'b' });
    expect(hint).toMatch(/role\/worker needs dynamodb:DescribeStream, dynamodb:GetRecords, dynamodb:GetShardIterator and dynamodb:ListStreams on .*stream\/2024/);
    expect(hint).toMatch(/s3:PutObject and s3:ListBucket on arn:aws:s3:::b/);
    const plan = planDynamodb(ddbInput());
    expect(plan.actions[0]?.retry?.[0]?.hint).toMatch(/dynamodb:GetRecords/);
  });
});

const STREAM: ResolvedStream = { name: 'clicks', arn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks', region: 'us-east-1', status: 'ACTIVE' };
const CONSUMER_ARN = `${STREAM.arn}/consumer/efo:1700000000`;

function kinInput(o: Partial<KinesisPlanInput> = {}, raw: Record<string, unknown> = {}): KinesisPlanInput {
  return {
    stream: STREAM,
    fn: FN,
    readers: [],
    functionMappings: [],
    options: parseKinesisOptions({ startingPosition: 'LATEST', ...raw }, NOW),
    consumerActive: async (r) => r,
    mappingGone: () => async (r) => r,
    ...o,
  };
}

describe('parseStreamRef and parseKinesisOptions', () => {
  it('reads a stream name or ARN; refuses a consumer ARN with a pointer to --consumer', () => {
    expect(parseStreamRef('clicks')).toEqual({ kind: 'name', name: 'clicks' });
    expect(parseStreamRef(STREAM.arn)).toMatchObject({ kind: 'arn', name: 'clicks', region: 'us-east-1' });
    expect(refusal(() => parseStreamRef(CONSUMER_ARN)).message).toMatch(/is a consumer ARN; give the stream and --consumer <name>/);
    expect(refusal(() => parseStreamRef('bad name')).exitCode).toBe(ExitCode.USAGE);
  });

  it('validates --consumer', () => {
    expect(parseKinesisOptions({ startingPosition: 'LATEST', consumer: 'efo-1' }, NOW).consumer).toBe('efo-1');
    expect(refusal(() => parseKinesisOptions({ startingPosition: 'LATEST', consumer: 'bad/name' }, NOW)).message).toMatch(/--consumer: invalid value "bad\/name"/);
  });
});

describe('planKinesis', () => {
  it('maps the stream; AT_TIMESTAMP carries its timestamp', () => {
    const plan = planKinesis(kinInput({}, { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '2024-05-01T00:00:00Z' }));
    expect(plan.actions[0]?.input).toMatchObject({
      EventSourceArn: STREAM.arn,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: new Date('2024-05-01T00:00:00Z'),
    });
  });

  it('reuses an existing consumer: the mapping reads the consumer ARN', () => {
    const plan = planKinesis(kinInput({ consumer: { name: 'efo', arn: CONSUMER_ARN, status: 'ACTIVE' } }, { consumer: 'efo' }));
    expect(plan.actions.map((a) => a.api)).toEqual(['lambda:CreateEventSourceMapping']);
    expect(plan.actions[0]?.input.EventSourceArn).toBe(CONSUMER_ARN);
    expect(plan.sourceArn).toBe(CONSUMER_ARN);
  });

  it('registers a missing consumer, waits for it, binds its ARN, and deregisters it if the mapping fails', async () => {
    const plan = planKinesis(kinInput({ consumerActive: async () => ({ ConsumerDescription: { ConsumerARN: CONSUMER_ARN, ConsumerStatus: 'ACTIVE' } }) }, { consumer: 'efo' }));
    expect(plan.actions.map((a) => a.api)).toEqual(['kinesis:RegisterStreamConsumer', 'lambda:CreateEventSourceMapping']);
    const [register, create] = plan.actions;
    expect(register?.input).toEqual({ StreamARN: STREAM.arn, ConsumerName: 'efo' });
    const settled = await register?.settle?.({ Consumer: { ConsumerARN: CONSUMER_ARN, ConsumerStatus: 'CREATING' } });
    expect(create?.bind?.([settled], create.input).EventSourceArn).toBe(CONSUMER_ARN);
    expect(register?.undo?.(settled)).toMatchObject({ api: 'kinesis:DeregisterStreamConsumer', input: { ConsumerARN: CONSUMER_ARN } });
    expect(register?.undo?.(undefined)?.input).toEqual({ StreamARN: STREAM.arn, ConsumerName: 'efo' });
  });

  it('a consumer being deleted, or a stream not ACTIVE, is exit 3', () => {
    expect(refusal(() => planKinesis(kinInput({ consumer: { name: 'efo', arn: CONSUMER_ARN, status: 'DELETING' } }, { consumer: 'efo' }))).exitCode).toBe(ExitCode.NOT_FOUND);
    const creating = refusal(() => planKinesis(kinInput({ stream: { ...STREAM, status: 'CREATING' } })));
    expect(creating.message).toMatch(/stream clicks is CREATING/);
  });

  it('a mapping of this function via another consumer (or none) is a source change', () => {
    const direct = mapping({ UUID: 'd-1', EventSourceArn: STREAM.arn });
    const e = refusal(() => planKinesis(kinInput({ functionMappings: [direct], consumer: { name: 'efo', arn: CONSUMER_ARN, status: 'ACTIVE' } }, { consumer: 'efo' })));
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.hint).toMatch(/--replace/);
    const viaConsumer = mapping({ UUID: 'c-1', EventSourceArn: CONSUMER_ARN });
    const back = refusal(() => planKinesis(kinInput({ functionMappings: [viaConsumer] })));
    expect(back.message).toMatch(/mapping c-1 already connects/);
    const replaced = planKinesis(kinInput({ functionMappings: [viaConsumer] }, { replace: true }));
    expect(replaced.actions.map((a) => a.api)).toEqual(['lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    // Another stream's mappings are not related.
    const other = mapping({ UUID: 'x', EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks2' });
    expect(planKinesis(kinInput({ functionMappings: [other] })).actions.map((a) => a.api)).toEqual(['lambda:CreateEventSourceMapping']);
  });

  it('names the role actions, with EFO ones when a consumer is used', () => {
    const hint = kinesisRoleHint(STREAM, FN, CONSUMER_ARN, { kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:123456789012:dlq', name: 'dlq' });
    expect(hint).toMatch(/kinesis:DescribeStream, kinesis:DescribeStreamSummary, kinesis:GetRecords, kinesis:GetShardIterator, kinesis:ListShards and kinesis:ListStreams/);
    expect(hint).toMatch(/kinesis:SubscribeToShard and kinesis:DescribeStreamConsumer on .*consumer\/efo/);
    expect(hint).toMatch(/sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:dlq/);
  });

  it('consumerArnOf reads both result shapes', () => {
    expect(consumerArnOf({ Consumer: { ConsumerARN: 'a' } })).toBe('a');
    expect(consumerArnOf({ ConsumerDescription: { ConsumerARN: 'b' } })).toBe('b');
    expect(consumerArnOf(undefined)).toBeUndefined();
  });
});

describe('settles poll with ctx.sleep', () => {
  function fake(answers: unknown[]): { aws: AwsSession; calls: unknown[] } {
    const calls: unknown[] = [];
    const aws = {
      region: async () => 'us-east-1',
      call: async (_s: string, op: string, input: unknown) => {
        calls.push([op, input]);
        return answers.shift();
      },
    } as unknown as AwsSession;
    return { aws, calls };
  }
  const ctx = (aws: AwsSession) => ({ aws, reporter: new MemoryReporter(), wait: true, sleep: async () => {} });

  it('UpdateTable settles once DescribeTable shows ACTIVE with a stream ARN', async () => {
    const { aws, calls } = fake([
      { Table: { TableStatus: 'UPDATING' } },
      { Table: { TableStatus: 'ACTIVE', StreamSpecification: { StreamEnabled: true }, LatestStreamArn: STREAM_ARN } },
    ]);
    const out = await waitForStream(ctx(aws), 'orders')({ TableDescription: { TableStatus: 'UPDATING' } });
    expect(out).toMatchObject({ LatestStreamArn: STREAM_ARN });
    expect(calls).toHaveLength(2);
  });

  it('a result that is already ACTIVE needs no poll', async () => {
    const { aws, calls } = fake([]);
    const done = { TableStatus: 'ACTIVE', StreamSpecification: { StreamEnabled: true }, LatestStreamArn: STREAM_ARN };
    await expect(waitForStream(ctx(aws), 'orders')({ TableDescription: done })).resolves.toBe(done);
    expect(calls).toHaveLength(0);
  });

  it('RegisterStreamConsumer settles once DescribeStreamConsumer shows ACTIVE', async () => {
    const { aws, calls } = fake([{ ConsumerDescription: { ConsumerARN: CONSUMER_ARN, ConsumerStatus: 'ACTIVE' } }]);
    const out = await waitForConsumer(ctx(aws), STREAM, 'efo')({ Consumer: { ConsumerARN: CONSUMER_ARN, ConsumerStatus: 'CREATING' } });
    expect(consumerArnOf(out)).toBe(CONSUMER_ARN);
    expect(calls).toEqual([['DescribeStreamConsumer', { ConsumerARN: CONSUMER_ARN }]]);
  });
});

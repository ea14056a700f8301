import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { awsErrorName } from '../../src/aws/errors.js';
import type { AwsSession } from '../../src/aws/session.js';
import { EvsrcError, ExitCode, NotFoundError, PreconditionError, UsageError } from '../../src/core/errors.js';
import { applyPlan } from '../../src/core/executor.js';
import { pollUntil } from '../../src/core/poll.js';
import { MemoryReporter } from '../../src/core/reporter.js';
import { executionRoleRetry } from '../../src/mechanisms/esm/settings.js';
import {
  carriedSettings,
  parseDestinationRef,
  parseStreamOptions,
  parseTimestamp,
  planStreamMapping,
  resolveDestination,
  waitUntilMappingGone,
  type StreamPlanInput,
} from '../../src/mechanisms/esm/streams.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const parse = (type: 'dynamodb' | 'kinesis', raw: Record<string, unknown>) => parseStreamOptions(type, { startingPosition: 'LATEST', ...raw }, NOW);

function refusal(fn: () => unknown): EvsrcError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EvsrcError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseStreamOptions: starting position', () => {
  it('is required, and names the allowed values', () => {
    const e = refusal(() => parseStreamOptions('kinesis', {}, NOW));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(ExitCode.USAGE);
    expect(e.message).toMatch(/--starting-position is required for kinesis: TRIM_HORIZON, LATEST, AT_TIMESTAMP/);
    expect(refusal(() => parseStreamOptions('dynamodb', {}, NOW)).message).toMatch(/required for dynamodb: TRIM_HORIZON, LATEST/);
  });

  it('accepts any case and returns the canonical spelling', () => {
    expect(parse('dynamodb', { startingPosition: 'trim_horizon' }).settings.startingPosition).toBe('TRIM_HORIZON');
  });

  it('refuses an unknown position', () => {
    expect(refusal(() => parse('kinesis', { startingPosition: 'EARLIEST' })).message).toBe(
      '--starting-position: invalid value "EARLIEST"; allowed: TRIM_HORIZON, LATEST, AT_TIMESTAMP',
    );
  });

  it('refuses AT_TIMESTAMP for DynamoDB (exit 2)', () => {
    const e = refusal(() => parse('dynamodb', { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '1700000000' }));
    expect(e.exitCode).toBe(ExitCode.USAGE);
    expect(e.message).toMatch(/--starting-position: invalid value "AT_TIMESTAMP"; AT_TIMESTAMP is not valid for DynamoDB Streams/);
  });

  it('refuses a timestamp for DynamoDB at all', () => {
    expect(refusal(() => parse('dynamodb', { startingPositionTimestamp: '1700000000' })).message).toMatch(
      /--starting-position-timestamp: invalid value "1700000000"; DynamoDB Streams take no timestamp/,
    );
  });

  it('requires a timestamp with AT_TIMESTAMP and refuses one otherwise', () => {
    expect(refusal(() => parse('kinesis', { startingPosition: 'AT_TIMESTAMP' })).message).toMatch(
      /AT_TIMESTAMP needs --starting-position-timestamp/,
    );
    expect(refusal(() => parse('kinesis', { startingPosition: 'LATEST', startingPositionTimestamp: '1700000000' })).message).toMatch(
      /--starting-position-timestamp: invalid value "1700000000"; only valid with --starting-position AT_TIMESTAMP \(got LATEST\)/,
    );
  });

  it('takes ISO-8601 or unix seconds', () => {
    const iso = parse('kinesis', { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '2024-05-01T00:00:00Z' });
    expect(iso.settings.startingPositionTimestamp?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    const unix = parse('kinesis', { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '1714521600' });
    expect(unix.settings.startingPositionTimestamp?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimestamp('--t', '2024-05-01', NOW).toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimestamp('--t', '2024-05-01T02:00:00+02:00', NOW).toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimestamp('--t', '2024-04-30T19:30:00-0430', NOW).toISOString()).toBe('2024-05-01T00:00:00.000Z');
  });

  it('reads a time without a zone as UTC, whatever the machine\'s time zone', () => {
    const before = process.env.TZ;
    try {
      for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
        process.env.TZ = tz;
        expect(parseTimestamp('--t', '2024-05-01T00:00:00', NOW).toISOString()).toBe('2024-05-01T00:00:00.000Z');
        expect(parseTimestamp('--t', '2024-05-01 00:00', NOW).toISOString()).toBe('2024-05-01T00:00:00.000Z');
        expect(parseTimestamp('--t', '2024-05-01T00:00:00.250', NOW).toISOString()).toBe('2024-05-01T00:00:00.250Z');
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('refuses malformed and future timestamps', () => {
    expect(refusal(() => parseTimestamp('--t', 'yesterday', NOW)).message).toMatch(/--t: invalid value "yesterday"; allowed: an ISO-8601 time/);
    expect(refusal(() => parseTimestamp('--t', '2024-13-45', NOW)).message).toMatch(/invalid value "2024-13-45"/);
    expect(refusal(() => parseTimestamp('--t', '2024-02-30T00:00:00Z', NOW)).message).toMatch(/invalid value "2024-02-30T00:00:00Z"/);
    expect(refusal(() => parseTimestamp('--t', '2024-05-01T24:00:00Z', NOW)).message).toMatch(/invalid value "2024-05-01T24:00:00Z"/);
    expect(refusal(() => parseTimestamp('--t', '2024-05-01T00:00:00+25:00', NOW)).message).toMatch(/invalid value/);
    const future = refusal(() => parseTimestamp('--t', '2024-06-01T12:00:01Z', NOW));
    expect(future.exitCode).toBe(ExitCode.USAGE);
    expect(future.message).toMatch(/lies in the future/);
    expect(parseTimestamp('--t', '2024-06-01T12:00:00Z', NOW).getTime()).toBe(NOW.getTime());
  });
});

describe('parseStreamOptions: ranges (each refusal names flag, value and range)', () => {
  const cases: [string, string, unknown, RegExp][] = [
    ['batchSize', '--batch-size', '0', /--batch-size: invalid value "0"; allowed: a whole number from 1 to 10000/],
    ['batchSize', '--batch-size', '10001', /--batch-size: invalid value "10001"/],
    ['batchSize', '--batch-size', '2.5', /--batch-size: invalid value "2.5"/],
    ['batchingWindow', '--batching-window', '301', /--batching-window: invalid value "301"; allowed: whole seconds from 0 to 300/],
    ['batchingWindow', '--batching-window', '-1', /--batching-window: invalid value "-1"/],
    ['parallelization', '--parallelization', '0', /--parallelization: invalid value "0"; allowed: a whole number from 1 to 10/],
    ['parallelization', '--parallelization', '11', /--parallelization: invalid value "11"/],
    ['retryAttempts', '--retry-attempts', '-2', /--retry-attempts: invalid value "-2"; allowed: -1 .* or a whole number from 0 to 10000/],
    ['retryAttempts', '--retry-attempts', '10001', /--retry-attempts: invalid value "10001"/],
    ['maxRecordAge', '--max-record-age', '0', /--max-record-age: invalid value "0"; allowed: -1 .* or whole seconds from 60 to 604800/],
    ['maxRecordAge', '--max-record-age', '59', /--max-record-age: invalid value "59"/],
    ['maxRecordAge', '--max-record-age', '604801', /--max-record-age: invalid value "604801"/],
    ['maxRecordAge', '--max-record-age', '-2', /--max-record-age: invalid value "-2"/],
    ['tumblingWindow', '--tumbling-window', '901', /--tumbling-window: invalid value "901"; allowed: whole seconds from 0 \(off, the AWS default\) to 900/],
  ];
  for (const [key, flag, value, message] of cases) {
    it(`${flag} ${String(value)} is refused`, () => {
      for (const type of ['dynamodb', 'kinesis'] as const) {
        const e = refusal(() => parse(type, { [key]: value }));
        expect(e.exitCode).toBe(ExitCode.USAGE);
        expect(e.message).toMatch(message);
      }
    });
  }

  it('accepts the edges of every range', () => {
    const o = parse('kinesis', {
      batchSize: '10000',
      batchingWindow: '300',
      parallelization: '10',
      retryAttempts: '-1',
      maxRecordAge: '60',
      tumblingWindow: '900',
    });
    expect(o.settings).toMatchObject({ batchSize: 10000, batchingWindow: 300, parallelization: 10, retryAttempts: -1, maxRecordAge: 60, tumblingWindow: 900 });
    expect(parse('dynamodb', { maxRecordAge: '-1', retryAttempts: '10000', batchSize: '1', tumblingWindow: '0' }).settings).toMatchObject({
      maxRecordAge: -1,
      retryAttempts: 10000,
      batchSize: 1,
      tumblingWindow: 0,
    });
    expect(parse('dynamodb', { maxRecordAge: '604800' }).settings.maxRecordAge).toBe(604800);
  });

  it('lets a stream batch exceed 10 without a batching window (that rule is SQS-only)', () => {
    const o = parse('kinesis', { batchSize: '500' });
    const plan = planStreamMapping(planInput({ asked: o.settings }));
    expect(plan.actions[0]?.input).toMatchObject({ BatchSize: 500 });
  });

  it('reads the switches and their --no- forms', () => {
    expect(parse('kinesis', { bisectOnError: true, reportBatchItemFailures: true, disabled: true }).settings).toMatchObject({
      bisectOnError: true,
      reportBatchItemFailures: true,
      enabled: false,
    });
    expect(parse('kinesis', { bisectOnError: false, reportBatchItemFailures: false, enabled: true, filter: false }).settings).toMatchObject({
      bisectOnError: false,
      reportBatchItemFailures: false,
      enabled: true,
      filters: [],
    });
    expect(parse('kinesis', {}).settings).toEqual({ startingPosition: 'LATEST' });
    expect(parse('kinesis', { replace: true }).replace).toBe(true);
  });

  it('refuses --disabled with --enabled, and --max-concurrency (SQS only)', () => {
    expect(refusal(() => parse('kinesis', { disabled: true, enabled: true })).message).toMatch(/give one or the other/);
    expect(refusal(() => parse('dynamodb', { maxConcurrency: '5' })).message).toMatch(/--max-concurrency: not valid for dynamodb/);
  });

  it('parses filters as canonical JSON and refuses bad ones with a stream example', () => {
    const o = parse('dynamodb', { filter: ['{ "eventName": ["INSERT"] }', '{"eventName":["INSERT"]}'] });
    expect(o.settings.filters).toEqual(['{"eventName":["INSERT"]}']);
    expect(refusal(() => parse('dynamodb', { filter: ['[1]'] })).message).toMatch(/--filter: invalid value "\[1\]"; a filter must be a JSON object such as '\{"eventName":\["INSERT"\]\}'/);
    expect(refusal(() => parse('kinesis', { filter: ['nope'] })).message).toMatch(/such as '\{"data":/);
  });
});

describe('parseDestinationRef (--on-failure)', () => {
  it('reads a bare name, URL or ARN as an SQS queue', () => {
    expect(parseDestinationRef('dlq')).toMatchObject({ kind: 'sqs', queue: { kind: 'name', name: 'dlq' } });
    expect(parseDestinationRef('sqs:dlq')).toMatchObject({ kind: 'sqs', queue: { name: 'dlq' } });
    expect(parseDestinationRef('https://sqs.us-east-1.amazonaws.com/123456789012/dlq')).toMatchObject({ kind: 'sqs', queue: { kind: 'url', name: 'dlq' } });
    expect(parseDestinationRef('arn:aws:sqs:us-east-1:123456789012:dlq')).toMatchObject({ kind: 'sqs', queue: { kind: 'arn', name: 'dlq' } });
  });

  it('reads sns:<topic>, s3:<bucket> and their ARNs', () => {
    expect(parseDestinationRef('sns:alerts')).toEqual({ kind: 'sns', text: 'sns:alerts', name: 'alerts' });
    expect(parseDestinationRef('arn:aws:sns:us-east-1:123456789012:alerts')).toMatchObject({ kind: 'sns', name: 'alerts', arn: 'arn:aws:sns:us-east-1:123456789012:alerts' });
    expect(parseDestinationRef('s3:failed-batches')).toMatchObject({ kind: 's3', bucket: 'failed-batches' });
    expect(parseDestinationRef('arn:aws:s3:::failed-batches')).toMatchObject({ kind: 's3', bucket: 'failed-batches' });
  });

  it('refuses other services and malformed names, naming the flag', () => {
    const lambda = refusal(() => parseDestinationRef('arn:aws:lambda:us-east-1:123456789012:function:f'));
    expect(lambda.exitCode).toBe(ExitCode.USAGE);
    expect(lambda.message).toMatch(/--on-failure: invalid value .*only to SQS, SNS or S3/);
    expect(refusal(() => parseDestinationRef('s3:Bad_Bucket')).message).toMatch(/--on-failure: invalid value "s3:Bad_Bucket"; "Bad_Bucket" is not an S3 bucket name/);
    expect(refusal(() => parseDestinationRef('sns:')).message).toMatch(/is not an SNS topic name/);
    expect(refusal(() => parseDestinationRef('has space')).message).toMatch(/--on-failure: invalid value "has space"/);
  });

  it('refuses FIFO destinations for DynamoDB (AWS: standard queue or topic) but not for Kinesis', () => {
    expect(refusal(() => parse('dynamodb', { onFailure: 'dlq.fifo' })).message).toMatch(/--on-failure: invalid value "dlq.fifo"; DynamoDB Streams send discarded batches to a standard/);
    expect(refusal(() => parse('dynamodb', { onFailure: 'sns:alerts.fifo' })).exitCode).toBe(ExitCode.USAGE);
    expect(parse('kinesis', { onFailure: 'dlq.fifo' }).onFailure).toMatchObject({ kind: 'sqs' });
  });
});

/** A fake AwsSession answering `service:Operation` from a table of handlers. */
function fakeAws(handlers: Record<string, (input: Record<string, unknown>) => unknown>): AwsSession & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    region: async () => 'us-east-1',
    call: async (service: string, operation: string, input: Record<string, unknown>) => {
      const api = `${service}:${operation}`;
      calls.push(api);
      const handler = handlers[api];
      if (!handler) throw new Error(`unexpected call ${api}`);
      return handler(input);
    },
  } as unknown as AwsSession & { calls: string[] };
}

function awsError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('resolveDestination', () => {
  const fn = { region: 'us-east-1', account: '123456789012' };

  it('resolves a queue name to its ARN (GetQueueUrl, GetQueueAttributes)', async () => {
    const aws = fakeAws({
      'sqs:GetQueueUrl': () => ({ QueueUrl: 'http://x/123456789012/dlq' }),
      'sqs:GetQueueAttributes': () => ({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' } }),
    });
    await expect(resolveDestination(aws, parseDestinationRef('dlq'), fn)).resolves.toEqual({ kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:123456789012:dlq', name: 'dlq' });
  });

  it('builds a topic ARN in the function account and region, and checks it exists', async () => {
    const seen: unknown[] = [];
    const aws = fakeAws({ 'sns:GetTopicAttributes': (input) => (seen.push(input), {}) });
    await expect(resolveDestination(aws, parseDestinationRef('sns:alerts'), fn)).resolves.toMatchObject({ arn: 'arn:aws:sns:us-east-1:123456789012:alerts' });
    expect(seen).toEqual([{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' }]);
  });

  it('a missing queue, topic or bucket is exit 3 and says which', async () => {
    const aws = fakeAws({
      'sqs:GetQueueUrl': () => {
        throw awsError('QueueDoesNotExist');
      },
      'sns:GetTopicAttributes': () => {
        throw awsError('NotFound');
      },
      's3:HeadBucket': () => {
        throw awsError('NotFound');
      },
    });
    for (const [ref, what] of [
      ['dlq', /--on-failure: queue dlq does not exist/],
      ['sns:alerts', /--on-failure: topic arn:aws:sns:us-east-1:123456789012:alerts does not exist/],
      ['s3:failed-batches', /--on-failure: bucket failed-batches does not exist/],
    ] as const) {
      const error = await resolveDestination(aws, parseDestinationRef(ref), fn).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).exitCode).toBe(ExitCode.NOT_FOUND);
      expect((error as Error).message).toMatch(what);
    }
  });

  it('an S3 destination becomes a bucket ARN after HeadBucket', async () => {
    const aws = fakeAws({ 's3:HeadBucket': () => ({}) });
    await expect(resolveDestination(aws, parseDestinationRef('s3:failed-batches'), fn)).resolves.toEqual({ kind: 's3', arn: 'arn:aws:s3:::failed-batches', name: 'failed-batches' });
  });
});

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const SRC = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';

function mapping(overrides: Partial<EventSourceMappingConfiguration> = {}): EventSourceMappingConfiguration {
  return { UUID: 'u-1', EventSourceArn: SRC, FunctionArn: FN, State: 'Enabled', StartingPosition: 'LATEST', BatchSize: 100, ...overrides };
}

const gone = (uuid: string) => async (r: unknown) => ({ gone: uuid, r });

function planInput(overrides: Partial<StreamPlanInput> = {}): StreamPlanInput {
  return {
    type: 'kinesis',
    sourceArn: SRC,
    sourcePlaceholder: '<consumer ARN>',
    functionArn: FN,
    readers: [],
    related: [],
    asked: { startingPosition: 'LATEST' },
    replace: false,
    retry: [],
    region: 'us-east-1',
    mappingGone: gone,
    ...overrides,
  };
}

describe('planStreamMapping: converge', () => {
  it('creates when no mapping exists', () => {
    const plan = planStreamMapping(planInput({ asked: { startingPosition: 'TRIM_HORIZON', batchSize: 50, onFailure: 'arn:aws:sqs:us-east-1:123456789012:dlq' } }));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      api: 'lambda:CreateEventSourceMapping',
      region: 'us-east-1',
      input: {
        FunctionName: FN,
        EventSourceArn: SRC,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 50,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
      },
    });
  });

  it('an identical mapping is "no changes"; omitted flags keep existing values', () => {
    const existing = mapping({ BatchSize: 300, ParallelizationFactor: 4 });
    const plan = planStreamMapping(planInput({ readers: [existing], asked: { startingPosition: 'LATEST', batchSize: 300 } }));
    expect(plan.actions).toEqual([]);
    expect(plan.existing).toBe(existing);
  });

  it('different mutable settings update in place, only the fields that differ', () => {
    const existing = mapping({ BatchSize: 300, ParallelizationFactor: 4, MaximumRetryAttempts: 2 });
    const plan = planStreamMapping(
      planInput({ readers: [existing], asked: { startingPosition: 'LATEST', batchSize: 300, parallelization: 2, bisectOnError: true } }),
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]?.api).toBe('lambda:UpdateEventSourceMapping');
    expect(plan.actions[0]?.input).toEqual({ UUID: 'u-1', ParallelizationFactor: 2, BisectBatchOnFunctionError: true });
    expect(plan.actions[0]?.changes).toEqual([
      { field: 'ParallelizationFactor', from: 4, to: 2 },
      { field: 'BisectBatchOnFunctionError', from: false, to: true },
    ]);
  });

  it("ignores other functions' mappings of the same source but reports them", () => {
    const other = mapping({ UUID: 'o-1', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:other' });
    const plan = planStreamMapping(planInput({ readers: [other] }));
    expect(plan.actions[0]?.api).toBe('lambda:CreateEventSourceMapping');
    expect(plan.others).toEqual([other]);
  });

  it('refuses a different starting position (exit 3) and explains --replace', () => {
    const e = refusal(() => planStreamMapping(planInput({ readers: [mapping()], asked: { startingPosition: 'TRIM_HORIZON' } })));
    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.message).toMatch(/mapping u-1 .* starts at LATEST; asked: StartingPosition LATEST → TRIM_HORIZON/);
    expect(e.message).toMatch(/AWS cannot change StartingPosition, StartingPositionTimestamp or the source/);
    expect(e.hint).toMatch(/--replace to delete mapping u-1/);
    expect(e.hint).toMatch(/--starting-position LATEST/);
  });

  it('refuses a different timestamp, compared to the second', () => {
    const existing = mapping({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date('2024-05-01T00:00:00.000Z') });
    const same = planStreamMapping(
      planInput({ readers: [existing], asked: { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: new Date('2024-05-01T00:00:00.400Z') } }),
    );
    expect(same.actions).toEqual([]);
    const e = refusal(() =>
      planStreamMapping(planInput({ readers: [existing], asked: { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: new Date('2024-05-02T00:00:00Z') } })),
    );
    expect(e.message).toMatch(/StartingPositionTimestamp 2024-05-01T00:00:00.000Z → 2024-05-02T00:00:00.000Z/);
  });

  it('when AWS leaves the timestamp out, it is not compared and a warning says so', () => {
    const existing = mapping({ StartingPosition: 'AT_TIMESTAMP' });
    const plan = planStreamMapping(planInput({ readers: [existing], asked: { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: new Date('2024-05-01T00:00:00Z') } }));
    expect(plan.actions).toEqual([]);
    expect(plan.warnings.join('\n')).toMatch(/did not return the StartingPositionTimestamp/);
  });

  it('--replace deletes (and waits), then creates with the old settings carried over and the asked ones on top', async () => {
    const existing = mapping({ BatchSize: 300, ParallelizationFactor: 4, MaximumRetryAttempts: -1, FilterCriteria: { Filters: [{ Pattern: '{"data":{"a":[1]}}' }] } });
    const plan = planStreamMapping(planInput({ readers: [existing], asked: { startingPosition: 'TRIM_HORIZON', batchSize: 50 }, replace: true }));
    expect(plan.actions.map((a) => a.api)).toEqual(['lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    expect(plan.actions[0]?.input).toEqual({ UUID: 'u-1' });
    expect(plan.actions[0]?.summary).toMatch(/wait until it is gone/);
    await expect(plan.actions[0]?.settle?.('r')).resolves.toEqual({ gone: 'u-1', r: 'r' });
    // A deleted mapping cannot be restored: the executor reports it instead of pretending.
    expect(plan.actions[0]?.undo?.(undefined)).toBeUndefined();
    expect(plan.actions[1]?.input).toEqual({
      FunctionName: FN,
      EventSourceArn: SRC,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 50,
      ParallelizationFactor: 4,
      FilterCriteria: { Filters: [{ Pattern: '{"data":{"a":[1]}}' }] },
    });
    expect(plan.warnings.join('\n')).toMatch(/--replace: mapping u-1 will be deleted/);
  });

  it('--replace carries the filter encryption key and metrics the old mapping had (tags: see tagStreamPlan)', () => {
    const existing = mapping({ KMSKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k', MetricsConfig: { Metrics: ['EventCount'] } });
    const plan = planStreamMapping(planInput({ readers: [existing], asked: { startingPosition: 'TRIM_HORIZON' }, replace: true }));
    expect(plan.actions[1]?.input).toMatchObject({ KMSKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k', MetricsConfig: { Metrics: ['EventCount'] } });
    expect(plan.warnings.join('\n')).not.toMatch(/tags of the old mapping are not copied/);
  });

  it('a mapping of this function on another source of the stream is a source change: refused, or replaced', () => {
    const viaConsumer = mapping({ UUID: 'c-1', EventSourceArn: `${SRC}/consumer/efo` });
    const e = refusal(() => planStreamMapping(planInput({ related: [viaConsumer] })));
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.message).toMatch(/mapping c-1 already connects .*consumer\/efo to this function; asked source: arn:aws:kinesis:.*stream\/clicks/);
    const plan = planStreamMapping(planInput({ related: [viaConsumer], replace: true }));
    expect(plan.actions.map((a) => a.api)).toEqual(['lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
  });

  it('with a mapping on the asked source, related mappings are only reported', () => {
    const plan = planStreamMapping(planInput({ readers: [mapping()], related: [mapping({ UUID: 'c-1', EventSourceArn: `${SRC}/consumer/efo` })] }));
    expect(plan.actions).toEqual([]);
    expect(plan.warnings.join('\n')).toMatch(/also reads this stream through mapping c-1/);
  });

  it('warns when several mappings connect the source to the function and manages the first', () => {
    const plan = planStreamMapping(planInput({ readers: [mapping(), mapping({ UUID: 'u-2' })] }));
    expect(plan.existing?.UUID).toBe('u-1');
    expect(plan.warnings[0]).toMatch(/2 mappings already connect this source/);
  });

  it('binds the source ARN from a preparing action when it is unknown at plan time', () => {
    const register = { api: 'kinesis:RegisterStreamConsumer', summary: 'register', input: {} };
    const plan = planStreamMapping(
      planInput({ sourceArn: undefined, prepare: { actions: [register], sourceArnOf: (r) => (r as { arn: string }).arn } }),
    );
    expect(plan.actions.map((a) => a.api)).toEqual(['kinesis:RegisterStreamConsumer', 'lambda:CreateEventSourceMapping']);
    const create = plan.actions[1];
    expect(create?.input.EventSourceArn).toBe('<consumer ARN>');
    expect(create?.bind?.([{ arn: 'arn:x' }], create.input)).toMatchObject({ EventSourceArn: 'arn:x', FunctionName: FN });
    expect(() => create?.bind?.([{}], create.input)).toThrow(/still unknown/);
  });

  it('carriedSettings drops AWS defaults and keeps what the user set before', () => {
    expect(carriedSettings(mapping({ BatchSize: 100, MaximumRecordAgeInSeconds: 3600, BisectBatchOnFunctionError: false }), { startingPosition: 'LATEST' })).toEqual({
      maxRecordAge: 3600,
      startingPosition: 'LATEST',
    });
  });
});

describe('waits and retries', () => {
  const ctx = (aws: AwsSession) => ({ aws, reporter: new MemoryReporter(), wait: true, sleep: async () => {} });

  it('waits for a deleted mapping until GetEventSourceMapping answers ResourceNotFound', async () => {
    let n = 0;
    const aws = fakeAws({
      'lambda:GetEventSourceMapping': () => {
        n += 1;
        if (n < 3) return { UUID: 'u-1', State: 'Deleting' };
        throw awsError('ResourceNotFoundException');
      },
    });
    await expect(waitUntilMappingGone(ctx(aws))('u-1')('deleted')).resolves.toBe('deleted');
    expect(aws.calls).toEqual(['lambda:GetEventSourceMapping', 'lambda:GetEventSourceMapping', 'lambda:GetEventSourceMapping']);
  });

  it('polls are bounded and fail with exit 1 naming what was awaited', async () => {
    const sleeps: number[] = [];
    const error = await pollUntil(
      { sleep: async (ms) => void sleeps.push(ms), reporter: new MemoryReporter() },
      'mapping u-1 to be deleted',
      async () => 'Deleting',
      () => false,
      { limits: { attempts: 4, firstDelayMs: 1000, maxDelayMs: 1500 }, describe: (s) => s },
    ).catch((e: unknown) => e);
    expect((error as EvsrcError).exitCode).toBe(ExitCode.FAILURE);
    expect((error as Error).message).toMatch(/gave up waiting for mapping u-1 to be deleted after 4s; last seen: Deleting/);
    expect(sleeps).toEqual([1000, 1500, 1500]);
  });

  it('a role that cannot read the stream is retried briefly, then fails with the actions it needs', async () => {
    let attempts = 0;
    const hint = 'the execution role r needs kinesis:GetRecords ...';
    const failure = await applyPlan([{ api: 'lambda:CreateEventSourceMapping', summary: 'create', input: {}, retry: [executionRoleRetry(hint)] }], {
      call: async () => {
        attempts += 1;
        throw Object.assign(new Error('Cannot access stream arn:aws:kinesis:us-east-1:123456789012:stream/clicks. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.'), {
          name: 'InvalidParameterValueException',
        });
      },
      reporter: new MemoryReporter(),
      describeError: (e) => new EvsrcError((e as Error).message, ExitCode.FAILURE),
      errorName: awsErrorName,
      sleep: async () => {},
    }).catch((e: unknown) => e);
    expect(attempts).toBe(5);
    expect((failure as EvsrcError).hint).toBe(hint);
  });
});

import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { Event } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { ResolvedFunction } from '../../src/aws/lambda.js';
import { UsageError } from '../../src/core/errors.js';
import { SQS_POLLERS, parseKmsKey } from '../../src/mechanisms/esm/mapping-options.js';
import { carriedSettings, parseStreamOptions, planStreamMapping, type StreamPlanInput } from '../../src/mechanisms/esm/streams.js';
import { TAG_MARKER, applyTagPlan, convergedTags, parseTagFlags, planTagActions } from '../../src/mechanisms/esm/tags.js';
import { S3_EVENT_TYPES, parseS3Events } from '../../src/sources/s3/notifications.js';
import { parseSqsOptions, planSqs, type ResolvedQueue, type SqsOptions } from '../../src/sources/sqs.js';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY2 = 'arn:aws:kms:us-east-1:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab';

/** Runs `f`, expects a UsageError (exit 2) whose message names `bad`. */
function refused(f: () => unknown, bad: string): UsageError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toContain(bad);
    return error as UsageError;
  }
  throw new Error(`expected a refusal naming ${bad}`);
}

describe('--metrics', () => {
  it('takes EventCount in any case, comma-separated, without repeats', () => {
    expect(parseSqsOptions({ metrics: 'eventcount,EventCount' }).metrics).toEqual(['EventCount']);
    expect(parseStreamOptions('kinesis', { startingPosition: 'LATEST', metrics: 'EventCount' }).settings.metrics).toEqual(['EventCount']);
  });
  it('--no-metrics asks for none', () => {
    expect(parseSqsOptions({ metrics: false }).metrics).toEqual([]);
  });
  it('refuses the Kafka-only metrics and unknown names, naming the value', () => {
    expect(refused(() => parseSqsOptions({ metrics: 'EventCount,KafkaMetrics' }), '"KafkaMetrics"').message).toMatch(/only for Kafka/);
    expect(refused(() => parseSqsOptions({ metrics: 'ErrorCount' }), '"ErrorCount"').message).toMatch(/only for Kafka/);
    refused(() => parseStreamOptions('dynamodb', { startingPosition: 'LATEST', metrics: 'Throughput' }), '"Throughput"');
    refused(() => parseSqsOptions({ metrics: 'EventCount,' }), 'EventCount,');
  });
});

describe('provisioned pollers (SQS)', () => {
  it('takes min and max within AWS ranges', () => {
    expect(parseSqsOptions({ minPollers: '2', maxPollers: '10000' }).provisionedPollers).toEqual({ min: 2, max: 10000 });
    expect(parseSqsOptions({ maxPollers: '50' }).provisionedPollers).toEqual({ max: 50 });
    expect(parseSqsOptions({ provisionedPollers: false }).provisionedPollers).toBeNull();
  });
  it('refuses values outside the ranges, naming the value', () => {
    refused(() => parseSqsOptions({ minPollers: '1' }), '"1"');
    refused(() => parseSqsOptions({ minPollers: String(SQS_POLLERS.min.high + 1) }), '"201"');
    refused(() => parseSqsOptions({ maxPollers: '10001' }), '"10001"');
    refused(() => parseSqsOptions({ maxPollers: 'many' }), '"many"');
  });
  it('refuses min above max', () => {
    expect(refused(() => parseSqsOptions({ minPollers: '20', maxPollers: '10' }), '"20"').message).toMatch(/above --max-pollers \(10\)/);
  });
  it('refuses pollers with --max-concurrency, and with --no-provisioned-pollers', () => {
    expect(refused(() => parseSqsOptions({ minPollers: '5', maxConcurrency: '10' }), '--max-concurrency').message).toMatch(/not both/);
    refused(() => parseSqsOptions({ maxPollers: '5', provisionedPollers: false }), '--max-pollers and --no-provisioned-pollers');
  });
  it('warns above the older maximum of 2000', () => {
    expect(parseSqsOptions({ maxPollers: '3000' }).warnings?.join('\n')).toMatch(/at most 2000/);
  });
  it('refuses pollers for streams', () => {
    refused(() => parseStreamOptions('dynamodb', { startingPosition: 'LATEST', minPollers: '3' }), '"3"');
    refused(() => parseStreamOptions('kinesis', { startingPosition: 'LATEST', provisionedPollers: false }), '--no-provisioned-pollers');
  });
});

describe('--filter-kms-key', () => {
  it('takes a key ARN; --no-filter-kms-key asks for none', () => {
    expect(parseSqsOptions({ filterKmsKey: KEY }).filterKmsKey).toBe(KEY);
    expect(parseStreamOptions('kinesis', { startingPosition: 'LATEST', filterKmsKey: false }).settings.filterKmsKey).toBe('');
  });
  it('refuses aliases, key ids and other text, naming the value and how to get the ARN', () => {
    expect(refused(() => parseKmsKey('alias/filters'), '"alias/filters"').message).toMatch(/describe-key/);
    refused(() => parseKmsKey('arn:aws:kms:us-east-1:123456789012:alias/filters'), 'alias/filters');
    expect(refused(() => parseKmsKey('1234abcd-12ab-34cd-56ef-1234567890ab'), '"1234abcd-12ab-34cd-56ef-1234567890ab"').message).toMatch(/key id/);
    refused(() => parseKmsKey('arn:aws:sqs:us-east-1:123456789012:key/x'), 'arn:aws:sqs');
  });
});

describe('--tag', () => {
  it('parses key=value pairs (empty values allowed) and --no-tags', () => {
    expect(parseTagFlags(['team=payments', 'cost-center=', 'a:b/c=x=y'], false)).toEqual({ set: { team: 'payments', 'cost-center': '', 'a:b/c': 'x=y' } });
    expect(parseSqsOptions({ tags: false }).tags).toEqual({ clear: true });
    expect(parseSqsOptions({ tags: true }).tags).toBeUndefined();
  });
  it('refuses malformed and reserved tags, naming the value', () => {
    refused(() => parseTagFlags(['team'], false), '"team"');
    refused(() => parseTagFlags(['=x'], false), '"=x"');
    refused(() => parseTagFlags(['aws:owner=me'], false), '"aws:owner=me"');
    refused(() => parseTagFlags([`${TAG_MARKER}=a`], false), TAG_MARKER);
    refused(() => parseTagFlags(['my key=v'], false), '"my key=v"');
    refused(() => parseTagFlags(['k=a,b'], false), '"k=a,b"');
    refused(() => parseTagFlags([`${'k'.repeat(129)}=v`], false), 'at most 128');
    refused(() => parseTagFlags(['k=1', 'k=2'], false), '"k=2"');
  });
});

// --- planners --------------------------------------------------------------------------------------

const fnArn = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const fn: ResolvedFunction = { arn: fnArn, unqualifiedArn: fnArn, name: 'worker', region: 'us-east-1', account: '123456789012', timeout: 10 };
const queue: ResolvedQueue = {
  arn: 'arn:aws:sqs:us-east-1:123456789012:orders',
  url: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
  name: 'orders',
  region: 'us-east-1',
  fifo: false,
  visibilityTimeout: 60,
};
const sqsMapping = (over: EventSourceMappingConfiguration = {}): EventSourceMappingConfiguration => ({
  UUID: 'u-1',
  EventSourceArn: queue.arn,
  FunctionArn: fnArn,
  EventSourceMappingArn: 'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:u-1',
  BatchSize: 10,
  State: 'Enabled',
  ...over,
});
const sqs = (options: SqsOptions, existing?: EventSourceMappingConfiguration) => planSqs({ queue, fn, mappings: existing ? [existing] : [], options });

describe('planSqs with the new fields', () => {
  it('creates with MetricsConfig, ProvisionedPollerConfig and KMSKeyArn', () => {
    const { actions } = sqs({ metrics: ['EventCount'], provisionedPollers: { min: 3, max: 40 }, filterKmsKey: KEY });
    expect(actions[0]?.input).toMatchObject({ MetricsConfig: { Metrics: ['EventCount'] }, ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 40 }, KMSKeyArn: KEY });
  });
  it('a create leaves out what is asked off', () => {
    const { actions } = sqs({ metrics: [], provisionedPollers: null, filterKmsKey: '' });
    expect(actions[0]?.input).not.toHaveProperty('MetricsConfig');
    expect(actions[0]?.input).not.toHaveProperty('ProvisionedPollerConfig');
    expect(actions[0]?.input).not.toHaveProperty('KMSKeyArn');
  });
  it('no change when the mapping already has them (a bound left out is the default or the current one)', () => {
    const existing = sqsMapping({ MetricsConfig: { Metrics: ['EventCount'] }, ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 40 }, KMSKeyArn: KEY });
    expect(sqs({ metrics: ['EventCount'], provisionedPollers: { max: 40 }, filterKmsKey: KEY }, existing).actions).toEqual([]);
    expect(sqs({ provisionedPollers: { min: 2 } }, existing).actions).toEqual([]);
    expect(sqs({ metrics: [], provisionedPollers: null, filterKmsKey: '' }, sqsMapping()).actions).toEqual([]);
  });
  it('updates in place what differs, and shows old → new', () => {
    const existing = sqsMapping({ MetricsConfig: { Metrics: ['EventCount'] }, ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 40 }, KMSKeyArn: KEY });
    const { actions } = sqs({ metrics: [], provisionedPollers: { max: 80 }, filterKmsKey: KEY2 }, existing);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.api).toBe('lambda:UpdateEventSourceMapping');
    // The minimum left out keeps the mapping's current 5.
    expect(actions[0]?.input).toEqual({ UUID: 'u-1', MetricsConfig: { Metrics: [] }, ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 80 }, KMSKeyArn: KEY2 });
    expect(actions[0]?.changes).toEqual([
      { field: 'MetricsConfig.Metrics', from: ['EventCount'], to: [] },
      { field: 'ProvisionedPollerConfig', from: { MinimumPollers: 5, MaximumPollers: 40 }, to: { MinimumPollers: 5, MaximumPollers: 80 } },
      { field: 'KMSKeyArn', from: KEY, to: KEY2 },
    ]);
  });
  it('turns provisioned mode and the key off on an existing mapping', () => {
    const existing = sqsMapping({ ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 40 }, KMSKeyArn: KEY });
    const { actions } = sqs({ provisionedPollers: null, filterKmsKey: '' }, existing);
    expect(actions[0]?.input).toEqual({ UUID: 'u-1', ProvisionedPollerConfig: {}, KMSKeyArn: '' });
  });
  it('refuses a minimum above the maximum the mapping ends with (exit 2)', () => {
    const existing = sqsMapping({ ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 10 } });
    expect(refused(() => sqs({ provisionedPollers: { min: 20 } }, existing), '"20"').message).toMatch(/current one/);
    refused(() => sqs({ provisionedPollers: { min: 201 } }), '"201"');
  });
  it('provisioned mode on a mapping with maximum concurrency removes the concurrency, and the other way round', () => {
    const withConcurrency = sqsMapping({ ScalingConfig: { MaximumConcurrency: 50 } });
    const toPollers = sqs({ provisionedPollers: { min: 4 } }, withConcurrency);
    expect(toPollers.actions[0]?.input).toEqual({ UUID: 'u-1', ScalingConfig: {}, ProvisionedPollerConfig: { MinimumPollers: 4 } });
    expect(toPollers.warnings.join('\n')).toMatch(/maximum concurrency \(50\); it is removed/);
    const withPollers = sqsMapping({ ProvisionedPollerConfig: { MinimumPollers: 4, MaximumPollers: 200 } });
    const toConcurrency = sqs({ maxConcurrency: 20 }, withPollers);
    expect(toConcurrency.actions[0]?.input).toEqual({ UUID: 'u-1', ScalingConfig: { MaximumConcurrency: 20 }, ProvisionedPollerConfig: {} });
    expect(toConcurrency.warnings.join('\n')).toMatch(/turns provisioned mode off/);
  });
  it('shows the warnings found in the flags', () => {
    expect(sqs({ provisionedPollers: { max: 3000 }, warnings: ['--max-pollers 3000: older'] }).warnings).toContain('--max-pollers 3000: older');
  });
});

const SRC = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';
const streamMapping = (over: Partial<EventSourceMappingConfiguration> = {}): EventSourceMappingConfiguration => ({
  UUID: 'u-1',
  EventSourceArn: SRC,
  FunctionArn: fnArn,
  State: 'Enabled',
  StartingPosition: 'LATEST',
  BatchSize: 100,
  ...over,
});
const streamInput = (over: Partial<StreamPlanInput>): StreamPlanInput => ({
  type: 'kinesis',
  sourceArn: SRC,
  sourcePlaceholder: '<consumer>',
  functionArn: fnArn,
  readers: [],
  related: [],
  asked: { startingPosition: 'LATEST' },
  replace: false,
  retry: [],
  mappingGone: () => async (r) => r,
  ...over,
});

describe('stream mappings with the new fields', () => {
  it('create, no change, update', () => {
    const asked = { startingPosition: 'LATEST', metrics: ['EventCount'], filterKmsKey: KEY };
    expect(planStreamMapping(streamInput({ asked })).actions[0]?.input).toMatchObject({ MetricsConfig: { Metrics: ['EventCount'] }, KMSKeyArn: KEY });
    const same = streamMapping({ MetricsConfig: { Metrics: ['EventCount'] }, KMSKeyArn: KEY });
    expect(planStreamMapping(streamInput({ readers: [same], asked })).actions).toEqual([]);
    const update = planStreamMapping(streamInput({ readers: [same], asked: { startingPosition: 'LATEST', metrics: [], filterKmsKey: '' } }));
    expect(update.actions[0]?.input).toEqual({ UUID: 'u-1', MetricsConfig: { Metrics: [] }, KMSKeyArn: '' });
  });
  it('--replace keeps the metrics and the key unless asked otherwise', () => {
    const old = streamMapping({ MetricsConfig: { Metrics: ['EventCount'] }, KMSKeyArn: KEY });
    expect(carriedSettings(old, { startingPosition: 'TRIM_HORIZON' })).toMatchObject({ metrics: ['EventCount'], filterKmsKey: KEY });
    const plan = planStreamMapping(streamInput({ readers: [old], asked: { startingPosition: 'TRIM_HORIZON', filterKmsKey: '' }, replace: true }));
    expect(plan.actions[1]?.input).toMatchObject({ MetricsConfig: { Metrics: ['EventCount'] } });
    expect(plan.actions[1]?.input).not.toHaveProperty('KMSKeyArn');
  });
});

describe('tags', () => {
  const m = streamMapping({ EventSourceMappingArn: 'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:u-1' });
  const create = () => [{ api: 'lambda:CreateEventSourceMapping', summary: 'c', input: { FunctionName: fnArn } as Record<string, unknown> }];

  it('a create carries the asked tags and the record of their keys', () => {
    const { actions, tags } = applyTagPlan(create(), undefined, undefined, { set: { team: 'a', env: 'prod' } });
    expect(actions[0]?.input.Tags).toEqual({ team: 'a', env: 'prod', [TAG_MARKER]: 'env team' });
    expect(tags).toEqual(actions[0]?.input.Tags);
  });
  it('--replace carries the old mapping tags into the create, the asked ones over them', () => {
    const { actions } = applyTagPlan(create(), undefined, { team: 'a', owner: 'ops', [TAG_MARKER]: 'team' }, { set: { team: 'b' } });
    expect(actions[0]?.input.Tags).toEqual({ team: 'b', owner: 'ops', [TAG_MARKER]: 'team' });
    expect(applyTagPlan(create(), undefined, { owner: 'ops' }, {}).actions[0]?.input.Tags).toEqual({ owner: 'ops' });
  });
  it('no change when the mapping has the asked tags', () => {
    expect(planTagActions(m, { team: 'a', other: 'x', [TAG_MARKER]: 'team' }, { set: { team: 'a' } })).toEqual([]);
  });
  it('sets only the keys that differ, records them, and leaves other tags alone', () => {
    const actions = planTagActions(m, { team: 'a', other: 'x', [TAG_MARKER]: 'team' }, { set: { team: 'b', env: 'prod' } }, 'us-east-1');
    expect(actions.map((a) => a.api)).toEqual(['lambda:TagResource']);
    expect(actions[0]?.input).toEqual({ Resource: m.EventSourceMappingArn, Tags: { team: 'b', env: 'prod', [TAG_MARKER]: 'env team' } });
    expect(actions[0]?.changes).toContainEqual({ field: 'Tags.team', from: 'a', to: 'b' });
    expect(actions[0]?.region).toBe('us-east-1');
  });
  it('--no-tags removes the recorded keys and the record, not the others', () => {
    const actions = planTagActions(m, { team: 'a', env: 'p', other: 'x', [TAG_MARKER]: 'env team' }, { clear: true });
    expect(actions.map((a) => a.api)).toEqual(['lambda:UntagResource']);
    expect(actions[0]?.input).toEqual({ Resource: m.EventSourceMappingArn, TagKeys: ['team', 'env', TAG_MARKER] });
    expect(actions[0]?.undo?.(undefined)?.input).toEqual({ Resource: m.EventSourceMappingArn, Tags: { team: 'a', env: 'p', [TAG_MARKER]: 'env team' } });
    expect(planTagActions(m, { other: 'x' }, { clear: true })).toEqual([]);
  });
  it('--no-tags with --tag keeps only the keys given', () => {
    expect(convergedTags({ team: 'a', env: 'p', other: 'x', [TAG_MARKER]: 'env team' }, { clear: true, set: { team: 'b' } })).toEqual({ team: 'b', other: 'x', [TAG_MARKER]: 'team' });
  });
  it('builds the mapping ARN when AWS does not return it', () => {
    const actions = planTagActions(streamMapping(), {}, { set: { a: '1' } });
    expect(actions[0]?.input.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:event-source-mapping:u-1');
  });
});

describe('S3 event types', () => {
  it('are exactly the S3 API Event enum of the SDK', () => {
    expect([...S3_EVENT_TYPES].sort()).toEqual(Object.values(Event).sort());
  });
  it('accept the s3:ObjectAnnotation family', () => {
    expect(parseS3Events(['s3:ObjectAnnotation:*'])).toEqual(['s3:ObjectAnnotation:*']);
    expect(parseS3Events(['s3:ObjectAnnotation:Put,s3:ObjectRetention:Put'])).toEqual(['s3:ObjectAnnotation:Put', 's3:ObjectRetention:Put']);
  });
});

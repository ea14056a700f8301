import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { ResolvedFunction } from '../../src/aws/lambda.js';
import { PreconditionError, UsageError } from '../../src/core/errors.js';
import { planSqs, type ResolvedQueue } from '../../src/sources/sqs.js';

const fnArn = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const fn: ResolvedFunction = {
  arn: fnArn,
  unqualifiedArn: fnArn,
  name: 'worker',
  region: 'us-east-1',
  account: '123456789012',
  timeout: 10,
  role: 'arn:aws:iam::123456789012:role/r',
};
const queue = (over: Partial<ResolvedQueue> = {}): ResolvedQueue => ({
  arn: 'arn:aws:sqs:us-east-1:123456789012:orders',
  url: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
  name: 'orders',
  region: 'us-east-1',
  fifo: false,
  visibilityTimeout: 60,
  ...over,
});
const mapping = (over: EventSourceMappingConfiguration = {}): EventSourceMappingConfiguration => ({
  UUID: 'u-1',
  EventSourceArn: queue().arn,
  FunctionArn: fnArn,
  BatchSize: 10,
  MaximumBatchingWindowInSeconds: 0,
  State: 'Enabled',
  ...over,
});

describe('planSqs', () => {
  it('plans a create with only the asked parameters', () => {
    const { actions } = planSqs({ queue: queue(), fn, mappings: [], options: { batchSize: 5 } });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      api: 'lambda:CreateEventSourceMapping',
      input: { FunctionName: fnArn, EventSourceArn: queue().arn, BatchSize: 5 },
      region: 'us-east-1',
    });
    expect(Object.keys(actions[0]?.input ?? {})).toEqual(['FunctionName', 'EventSourceArn', 'BatchSize']);
  });

  it('plans nothing when the existing mapping already matches', () => {
    const { actions, existing } = planSqs({ queue: queue(), fn, mappings: [mapping()], options: { batchSize: 10 } });
    expect(actions).toEqual([]);
    expect(existing?.UUID).toBe('u-1');
  });

  it('plans an update of only the changed fields, with old → new', () => {
    const existing = mapping({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 5 } });
    const { actions } = planSqs({ queue: queue(), fn, mappings: [existing], options: { batchSize: 8, maxConcurrency: 5, filters: ['{"body":{"a":[1]}}'] } });
    expect(actions).toHaveLength(1);
    expect(actions[0]?.api).toBe('lambda:UpdateEventSourceMapping');
    expect(actions[0]?.input).toEqual({ UUID: 'u-1', BatchSize: 8, FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] } });
    expect(actions[0]?.changes).toEqual([
      { field: 'BatchSize', from: 10, to: 8 },
      { field: 'FilterCriteria', from: [], to: ['{"body":{"a":[1]}}'] },
    ]);
  });

  it('removing filters sends an empty FilterCriteria (AWS ignores a missing one)', () => {
    const existing = mapping({ FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] } });
    const { actions } = planSqs({ queue: queue(), fn, mappings: [existing], options: { filters: [] } });
    expect(actions[0]?.input).toEqual({ UUID: 'u-1', FilterCriteria: {} });
  });

  it('ignores mappings of other functions but warns that they share the queue', () => {
    const other = mapping({ UUID: 'u-2', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:other' });
    const { actions, warnings } = planSqs({ queue: queue(), fn, mappings: [other], options: {} });
    expect(actions[0]?.api).toBe('lambda:CreateEventSourceMapping');
    expect(warnings.join('\n')).toMatch(/already feeds arn:aws:lambda:us-east-1:123456789012:function:other/);
  });

  it('an alias-qualified function only matches mappings of that alias', () => {
    const aliasFn = { ...fn, arn: `${fnArn}:live`, qualifier: 'live' };
    const { actions } = planSqs({ queue: queue(), fn: aliasFn, mappings: [mapping()], options: {} });
    expect(actions[0]?.api).toBe('lambda:CreateEventSourceMapping');
    expect(actions[0]?.input.FunctionName).toBe(`${fnArn}:live`);
  });

  it('a batch over 10 needs a batching window, counting the existing window on update', () => {
    expect(() => planSqs({ queue: queue(), fn, mappings: [], options: { batchSize: 11 } })).toThrow(
      /--batch-size: invalid value "11"; a batch size over 10 \(here 11\) needs --batching-window of at least 1 second \(here 0\)/,
    );
    const withWindow = mapping({ MaximumBatchingWindowInSeconds: 3 });
    expect(planSqs({ queue: queue(), fn, mappings: [withWindow], options: { batchSize: 50 } }).actions[0]?.input).toEqual({ UUID: 'u-1', BatchSize: 50 });
    const big = mapping({ BatchSize: 50, MaximumBatchingWindowInSeconds: 3 });
    expect(() => planSqs({ queue: queue(), fn, mappings: [big], options: { batchingWindow: 0 } })).toThrow(/--batching-window: invalid value "0"/);
  });

  it('FIFO: refuses a batch over 10 and any batching window', () => {
    const fifo = queue({ name: 'jobs.fifo', fifo: true });
    expect(() => planSqs({ queue: fifo, fn, mappings: [], options: { batchSize: 11 } })).toThrow(/--batch-size: invalid value "11"; FIFO queue jobs.fifo allows a batch size from 1 to 10/);
    expect(() => planSqs({ queue: fifo, fn, mappings: [], options: { batchingWindow: 0 } })).toThrow(/--batching-window: invalid value "0"; FIFO queue/);
    expect(planSqs({ queue: fifo, fn, mappings: [], options: { batchSize: 10 } }).actions).toHaveLength(1);
  });

  it('a visibility timeout under the function timeout is a precondition failure (exit 3) with a fix', () => {
    try {
      planSqs({ queue: queue({ visibilityTimeout: 5 }), fn, mappings: [], options: {} });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(PreconditionError);
      expect((error as PreconditionError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/visibility timeout \(5s\) is shorter than the function timeout \(10s\)/);
      expect((error as PreconditionError).hint).toMatch(/VisibilityTimeout=60/);
    }
  });

  it('warns under six times the function timeout, and when filters are used', () => {
    const { warnings } = planSqs({ queue: queue({ visibilityTimeout: 30 }), fn, mappings: [], options: { filters: ['{"body":{"a":[1]}}'] } });
    expect(warnings.some((w) => /under six times the function timeout \(10s\); AWS recommends at least 60s/.test(w))).toBe(true);
    expect(warnings.some((w) => /deleted from the queue/.test(w))).toBe(true);
  });

  it('refuses a queue in another region than the function', () => {
    expect(() => planSqs({ queue: queue({ region: 'eu-west-1' }), fn, mappings: [], options: {} })).toThrow(PreconditionError);
  });

  it('the create carries a retry rule for execution-role propagation that names the IAM actions', () => {
    const { actions } = planSqs({ queue: queue(), fn, mappings: [], options: {} });
    const rule = actions[0]?.retry?.[0];
    expect(rule?.messageIncludes).toContain('execution role does not have permissions');
    expect(rule?.hint).toMatch(/sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on arn:aws:sqs:us-east-1:123456789012:orders/);
  });

  it('refusals are usage errors before any action exists', () => {
    expect(() => planSqs({ queue: queue(), fn, mappings: [], options: { batchSize: 100 } })).toThrow(UsageError);
  });
});

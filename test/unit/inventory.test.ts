import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/core/concurrency.js';
import { arnMatches, checkPermissions as checkWith, dedupeGrants, exactSource, grantsOf as grantsWith, isCovered, type PermissionCheckInput } from '../../src/mechanisms/permission/grants.js';
import { mappingFindings, mappingTrigger as mappingTriggerOf } from '../../src/mechanisms/esm/inventory.js';
import type { AwsSession } from '../../src/aws/session.js';
import { belongsTo, sourceNameOfArn } from '../../src/inventory/model.js';
import { mapLimit as boundedMap } from '../../src/core/concurrency.js';
import { checkTables, streamProblem } from '../../src/sources/dynamodb.js';
import { pushTraits, pushTypeOfPrincipal, sortTriggers, sourceTypeOfArn, triggerType } from '../../src/sources/registry.js';
import type { ListScan } from '../../src/sources/contract.js';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { rateLimiter } from '../../src/mechanisms/permission/read.js';
import { s3Triggers } from '../../src/sources/s3/inventory.js';
import { PENDING, snsTrigger } from '../../src/sources/sns/inventory.js';
import { parsePolicy } from '../../src/mechanisms/permission/policy.js';
import type { TriggerView } from '../../src/sources/contract.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';

// The registry's views of these helpers: grants classified by the push types, checks with their traits.
const grantsOf = (statements: Parameters<typeof grantsWith>[0], fnArn: string) => grantsWith(statements, fnArn, pushTypeOfPrincipal);
const checkPermissions = (input: Omit<PermissionCheckInput, 'push'>) => checkWith({ ...input, push: pushTraits() });
/** A mapping as its registered type shows it, or undefined when no type manages its source. */
function mappingTrigger(mapping: EventSourceMappingConfiguration) {
  const type = triggerType(sourceTypeOfArn(mapping.EventSourceArn ?? '') ?? '');
  return type?.mapping ? mappingTriggerOf(type.spec.type, mapping, type.mapping.settingKeys) : undefined;
}
/** A list scan over a fake session: with --function (fn) or region-wide in account 123456789012. */
function scanOf(aws: AwsSession, withFunction: boolean): ListScan {
  const scan = {
    aws,
    each: <T, R>(items: readonly T[], f: (item: T) => Promise<R>) => boundedMap(items, 4, f),
    account: async () => '123456789012',
  } as unknown as ListScan;
  if (withFunction) Object.assign(scan, { fn: { arn: FN, account: '123456789012' } });
  return scan;
}
const checkSourcesByListing = (aws: AwsSession, triggers: TriggerView[], _account: string) => checkTables(scanOf(aws, false), triggers);
const checkSourcesEach = (aws: AwsSession, triggers: TriggerView[]) => checkTables(scanOf(aws, true), triggers);
const LIVE = `${FN}:live`;
const BUCKET = 'arn:aws:s3:::uploads';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

// The shape moto and Lambda return from GetPolicy (AddPermission with SourceArn and SourceAccount).
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 's3-uploads',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: FN,
      Condition: { ArnLike: { 'AWS:SourceArn': BUCKET }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
    },
    { Sid: 'sns-live', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: LIVE, Condition: { ArnLike: { 'AWS:SourceArn': TOPIC } } },
    { Sid: 'any-bucket', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN },
    { Sid: 'logs', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::logs-*' } } },
    { Sid: 'events', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN },
    { Sid: 'deny', Effect: 'Deny', Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN },
  ],
});

describe('source ARNs', () => {
  it('tell the trigger type and a short name', () => {
    expect(sourceTypeOfArn('arn:aws:sqs:us-east-1:123456789012:orders')).toBe('sqs');
    expect(sourceTypeOfArn('arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2024-01-01T00:00:00.000')).toBe('dynamodb');
    expect(sourceTypeOfArn('arn:aws:dynamodb:us-east-1:123456789012:table/users')).toBeUndefined();
    expect(sourceTypeOfArn('arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/c:1')).toBe('kinesis');
    expect(sourceTypeOfArn('arn:aws:elasticache:us-east-1:123456789012:cluster:x')).toBeUndefined();
    expect(sourceTypeOfArn(BUCKET)).toBe('s3');
    expect(sourceTypeOfArn(TOPIC)).toBe('sns');
    expect(sourceNameOfArn('arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2024')).toBe('users');
    expect(sourceNameOfArn('arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/c:1')).toBe('clicks');
    expect(sourceNameOfArn(`${TOPIC}:1b2c`)).toBe('alerts');
    expect(sourceNameOfArn(BUCKET)).toBe('uploads');
  });

  it('belongsTo matches every qualifier of a function unless one is named', () => {
    const all = { unqualifiedArn: FN };
    expect(belongsTo(FN, all)).toBe(true);
    expect(belongsTo(LIVE, all)).toBe(true);
    expect(belongsTo(`${FN}-admin`, all)).toBe(false);
    expect(belongsTo(FN, { unqualifiedArn: FN, qualifier: 'live' })).toBe(false);
    expect(belongsTo(LIVE, { unqualifiedArn: FN, qualifier: 'live' })).toBe(true);
  });
});

describe('grants', () => {
  const grants = grantsOf(parsePolicy(POLICY), FN);

  it('reads S3 and SNS Allow statements, attributing each to the function its Resource names', () => {
    expect(grants.map((g) => [g.sid, g.type, g.functionArn, g.sourceArns])).toEqual([
      ['s3-uploads', 's3', FN, [BUCKET]],
      ['sns-live', 'sns', LIVE, [TOPIC]],
      ['any-bucket', 's3', FN, []],
      ['logs', 's3', FN, ['arn:aws:s3:::logs-*']],
      // EventBridge is a push type too: its unscoped statement is read (and flagged below).
      ['events', 'eventbridge', FN, []],
    ]);
    expect(pushTypeOfPrincipal('sns.ap-east-1.amazonaws.com')).toBe('sns');
    expect(pushTypeOfPrincipal('events.amazonaws.com')).toBe('eventbridge');
    expect(pushTypeOfPrincipal('iot.amazonaws.com')).toBeUndefined();
  });

  it('a policy read once per qualifier (moto shares one) is counted once', () => {
    expect(dedupeGrants([...grants, ...grantsOf(parsePolicy(POLICY), LIVE)])).toHaveLength(grants.length);
  });

  it('ArnLike wildcards and exact sources', () => {
    expect(arnMatches('arn:aws:s3:::logs-*', 'arn:aws:s3:::logs-2024')).toBe(true);
    expect(arnMatches('arn:aws:s3:::logs-?', 'arn:aws:s3:::logs-22')).toBe(false);
    expect(arnMatches('arn:aws:s3:::a.b', 'arn:aws:s3:::aXb')).toBe(false);
    expect(exactSource(grants[0]!)).toBe(BUCKET);
    expect(exactSource(grants[3]!)).toBeUndefined();
    expect(isCovered(grants, 'sns', LIVE, TOPIC)).toBe(true);
    // A permission on the unqualified function does not cover an alias (Lambda checks the alias policy).
    expect(isCovered(grants.filter((g) => g.sid === 'sns-live'), 'sns', FN, TOPIC)).toBe(false);
  });

  it('flags orphaned, unscoped and missing permissions, judging only sources that were read', () => {
    const s3: TriggerView = { type: 's3', id: 'e1', sourceArn: BUCKET, sourceName: 'uploads', functionArn: FN, settings: {} };
    const uncovered: TriggerView = { type: 'sns', id: 'sub', sourceArn: 'arn:aws:sns:us-east-1:123456789012:other', functionArn: FN, settings: {} };
    const findings = checkPermissions({
      grants: grants.filter((g) => g.sid !== 'any-bucket'),
      triggers: [s3, uncovered],
      sources: new Map([
        [BUCKET, 'exists'],
        [TOPIC, 'exists'],
      ]),
      policiesRead: new Set([FN, LIVE]),
    });
    expect(findings.map((f) => [f.code, f.statementId ?? f.triggerId])).toEqual([
      ['orphan-permission', 'sns-live'],
      ['unscoped-permission', 'events'],
      ['missing-permission', 'sub'],
    ]);
    const missing = checkPermissions({ grants, triggers: [], sources: new Map([[BUCKET, 'missing']]), policiesRead: new Set() });
    expect(missing.map((f) => [f.code, f.statementId])).toEqual([
      ['orphan-permission', 's3-uploads'],
      ['unscoped-permission', 'any-bucket'],
      ['unscoped-permission', 'events'],
    ]);
    expect(missing[0]?.message).toMatch(/bucket uploads .* does not exist/);
  });
});

describe('triggers', () => {
  it('a mapping keeps its id, state and main settings; kinds evsrc does not manage are skipped', () => {
    const t = mappingTrigger({
      UUID: 'u1',
      EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
      FunctionArn: FN,
      State: 'Disabled',
      StateTransitionReason: 'PROBLEM: Lambda cannot access the stream',
      LastProcessingResult: 'PROBLEM: Function call failed',
      BatchSize: 100,
      StartingPosition: 'LATEST',
    });
    expect(t).toMatchObject({ type: 'kinesis', id: 'u1', sourceName: 'clicks', state: 'Disabled', settings: { batchSize: 100, startingPosition: 'LATEST' } });
    expect(mappingFindings(t!).map((f) => f.code)).toEqual(['disabled-by-lambda', 'mapping-problem']);
    expect(mappingFindings({ ...t!, stateTransitionReason: 'User action', lastProcessingResult: 'OK' })).toEqual([]);
    expect(mappingTrigger({ UUID: 'k', EventSourceArn: 'arn:aws:elasticache:us-east-1:1:cluster:x', FunctionArn: FN })).toBeUndefined();
  });

  it('S3 entries and SNS subscriptions become triggers with their filters', () => {
    const [t] = s3Triggers('uploads', {
      LambdaFunctionConfigurations: [{ Id: 'x', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.csv' }] } } }],
      QueueConfigurations: [{ QueueArn: 'arn:aws:sqs:us-east-1:1:q', Events: ['s3:ObjectCreated:*'] }],
    });
    expect(t).toEqual({ type: 's3', id: 'x', sourceArn: BUCKET, sourceName: 'uploads', functionArn: FN, settings: { events: ['s3:ObjectCreated:*'], suffix: '.csv' } });
    const sub = snsTrigger({ SubscriptionArn: `${TOPIC}:abc`, TopicArn: TOPIC, Endpoint: FN, Protocol: 'lambda' }, { FilterPolicy: '{"a":["b"]}', FilterPolicyScope: 'MessageBody' });
    expect(sub).toMatchObject({ id: `${TOPIC}:abc`, sourceName: 'alerts', settings: { filterPolicy: { a: ['b'] }, filterPolicyScope: 'MessageBody' } });
    expect(snsTrigger({ SubscriptionArn: PENDING, TopicArn: TOPIC, Endpoint: FN }).state).toBe(PENDING);
  });

  it('are sorted by function, then sqs, dynamodb, kinesis, s3, sns', () => {
    const mk = (type: TriggerView['type'], functionArn = FN): TriggerView => ({ type, id: type, sourceArn: type, functionArn, settings: {} });
    expect(sortTriggers([mk('sns'), mk('s3'), mk('sqs', LIVE), mk('kinesis'), mk('sqs')]).map((t) => `${t.type}${t.functionArn === LIVE ? ':live' : ''}`)).toEqual([
      'sqs',
      'kinesis',
      's3',
      'sns',
      'sqs:live',
    ]);
  });
});

describe('DynamoDB stream checks', () => {
  const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/users';
  const OLD = `${TABLE}/stream/2024-01-01T00:00:00.000`;
  const NEW = `${TABLE}/stream/2024-06-01T00:00:00.000`;
  const trigger = (id: string, sourceArn: string): TriggerView => ({ type: 'dynamodb', id, sourceArn, sourceName: 'users', functionArn: FN, settings: {} });

  it('streamProblem: current and enabled is fine; disabled, stale or missing streams are not', () => {
    const enabled = { StreamSpecification: { StreamEnabled: true } };
    expect(streamProblem(NEW, { LatestStreamArn: NEW, ...enabled })).toBeUndefined();
    // After UpdateTable StreamEnabled=false, DescribeTable keeps the ARN: with StreamEnabled false, or without StreamSpecification (moto).
    expect(streamProblem(NEW, { LatestStreamArn: NEW, StreamSpecification: { StreamEnabled: false } })).toEqual({ disabled: true });
    expect(streamProblem(NEW, { LatestStreamArn: NEW })).toEqual({ disabled: true });
    expect(streamProblem(OLD, { LatestStreamArn: NEW, ...enabled })).toEqual({ stale: NEW });
    expect(streamProblem(OLD, { LatestStreamArn: NEW })).toEqual({ stale: NEW, latestDisabled: true });
    expect(streamProblem(OLD, {})).toEqual({ stale: '' });
  });

  /** A session answering DescribeTable from `tables` (by name), counting calls. */
  function fakeAws(tables: Record<string, object>) {
    const calls: string[] = [];
    const aws = {
      call: async (_service: string, operation: string, input: { TableName?: string }) => {
        calls.push(`${operation} ${input.TableName ?? ''}`);
        if (operation !== 'DescribeTable') throw new Error(`unexpected ${operation}`);
        const table = tables[input.TableName ?? ''];
        if (!table) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
        return { Table: table };
      },
      paginate: async (_service: string, operation: string) => {
        throw new Error(`unexpected ${operation}`);
      },
    } as unknown as AwsSession;
    return { aws, calls };
  }

  it('region-wide: one DescribeTable per table flags stale and disabled streams, and missing tables', async () => {
    const { aws, calls } = fakeAws({
      users: { LatestStreamArn: NEW, StreamSpecification: { StreamEnabled: true } },
      quiet: { LatestStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/quiet/stream/1', StreamSpecification: { StreamEnabled: false } },
    });
    const triggers = [
      trigger('old', OLD),
      trigger('current', NEW),
      { ...trigger('off', 'arn:aws:dynamodb:us-east-1:123456789012:table/quiet/stream/1'), sourceName: 'quiet' },
      { ...trigger('gone', 'arn:aws:dynamodb:us-east-1:123456789012:table/gone/stream/1'), sourceName: 'gone' },
      // Another account's table is not judged.
      { ...trigger('foreign', 'arn:aws:dynamodb:us-east-1:999999999999:table/users/stream/1') },
    ];
    const findings = await checkSourcesByListing(aws, triggers, '123456789012');
    expect(calls.sort()).toEqual(['DescribeTable gone', 'DescribeTable quiet', 'DescribeTable users']);
    expect(findings.map((f) => `${f.code}:${f.triggerId}`).sort()).toEqual(['source-missing:gone', 'stale-stream:off', 'stale-stream:old']);
    expect(findings.find((f) => f.triggerId === 'off')?.message).toMatch(/quiet, but the table's stream is disabled: the mapping reads nothing new/);
    expect(findings.find((f) => f.triggerId === 'old')?.message).toMatch(/old stream of table users; the table's current stream is .*2024-06-01/);
  });

  it('with --function: the same checks, one DescribeTable per table', async () => {
    const { aws, calls } = fakeAws({ users: { LatestStreamArn: NEW } });
    const findings = await checkSourcesEach(aws, [trigger('old', OLD), trigger('current', NEW)]);
    expect(calls).toEqual(['DescribeTable users']);
    expect(findings.map((f) => `${f.code}:${f.triggerId}`).sort()).toEqual(['stale-stream:current', 'stale-stream:old']);
    expect(findings.find((f) => f.triggerId === 'old')?.message).toMatch(/latest stream .* is disabled too/);
  });
});

describe('concurrency', () => {
  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
    await expect(mapLimit([1, 2], 4, async (n) => (n === 2 ? Promise.reject(new Error('boom')) : n))).rejects.toThrow('boom');
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });

  it('rateLimiter lets a burst through, then spaces calls', async () => {
    const waits: number[] = [];
    const acquire = rateLimiter(3, async (ms) => {
      waits.push(Math.round(ms));
    });
    for (let i = 0; i < 5; i += 1) await acquire();
    expect(waits.length).toBe(2);
    for (const w of waits) expect(w).toBeGreaterThan(300);
  });
});

import { describe, expect, it } from 'vitest';
import { PreconditionError, UsageError } from '../../src/core/errors.js';
import type { CallApi } from '../../src/core/executor.js';
import { parsePolicy as parsePolicyFor, statementId } from '../../src/mechanisms/permission/policy.js';
import { checkPushQualifier, planPermission, readFunctionPolicy } from '../../src/mechanisms/permission/plan.js';
import {
  mergeOwnEntry,
  parseBucketRef,
  parseS3Options,
  planS3,
  regionOfLocation,
  settleNotification,
  QUIET_PERIOD_MS,
  QUIET_PERIOD_MIN_MS,
  QUIET_PERIOD_MAX_MS,
  quietPeriod,
  contestedQuietPeriod,
  MERGE_BACKOFF_MS,
  MERGE_BACKOFF_MAX_MS,
  MAX_MERGE_ROUNDS,
  mergeBackoff,
  type S3PlanInput,
} from '../../src/sources/s3/add.js';
import { buildLambdaEntry, type NotificationConfiguration } from '../../src/sources/s3/notifications.js';
import { mergeDlqPolicy, parseSnsOptions, parseTopicRef, planSns, snsPrincipal, type SnsPlanInput } from '../../src/sources/sns/add.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:thumbs';
const OTHER_FN = 'arn:aws:lambda:us-east-1:123456789012:function:other';
const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:audit';
const BUCKET_ARN = 'arn:aws:s3:::uploads';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
const fn = { arn: FN, region: 'us-east-1', account: '123456789012' };

function s3Input(config: NotificationConfiguration, extra: Partial<S3PlanInput> = {}): S3PlanInput {
  return {
    bucket: 'uploads',
    bucketArn: BUCKET_ARN,
    bucketRegion: 'us-east-1',
    fn,
    config,
    policy: { statements: [] },
    options: parseS3Options({ prefix: 'images/', suffix: '.jpg' }),
    ...extra,
  };
}

const foreign: NotificationConfiguration = {
  QueueConfigurations: [{ Id: 'audit-q', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'] }],
  LambdaFunctionConfigurations: [
    { Id: 'other-fn', LambdaFunctionArn: OTHER_FN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'logs/' }] } } },
  ],
  EventBridgeConfiguration: {},
};

const s3Policy = (sid: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: FN,
        Condition: { ArnLike: { 'AWS:SourceArn': BUCKET_ARN }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
        ...extra,
      },
    ],
  });

describe('add s3 option and reference parsing', () => {
  it('parses buckets by name and ARN, refusing object ARNs and bad names', () => {
    expect(parseBucketRef('uploads')).toEqual({ name: 'uploads' });
    expect(parseBucketRef('arn:aws-cn:s3:::my.bucket')).toEqual({ name: 'my.bucket', partition: 'aws-cn' });
    expect(() => parseBucketRef('arn:aws:s3:::uploads/key')).toThrow(UsageError);
    expect(() => parseBucketRef('a')).toThrow(/not a bucket name or ARN/);
  });

  it('reads the bucket region from LocationConstraint', () => {
    expect(regionOfLocation(undefined)).toBe('us-east-1');
    expect(regionOfLocation('')).toBe('us-east-1');
    expect(regionOfLocation(null)).toBe('us-east-1');
    expect(regionOfLocation('EU')).toBe('eu-west-1');
    expect(regionOfLocation('ap-south-1')).toBe('ap-south-1');
  });

  it('defaults events, splits lists, refuses typos and a bad --source-account', () => {
    expect(parseS3Options({}).events).toEqual(['s3:ObjectCreated:*']);
    expect(parseS3Options({ events: ['s3:ObjectCreated:Put,s3:ObjectRemoved:*'] }).events).toEqual(['s3:ObjectCreated:Put', 's3:ObjectRemoved:*']);
    expect(() => parseS3Options({ events: ['s3:ObjectCreatd:*'] })).toThrow(/--events: invalid value "s3:ObjectCreatd:\*"; did you mean/);
    expect(() => parseS3Options({ sourceAccount: '12' })).toThrow(/--source-account: invalid value "12"/);
    expect(parseS3Options({ prefix: 'a*' }).warnings[0]).toMatch(/no wildcards/);
  });

  it('refuses $LATEST before any call', () => {
    expect(() => checkPushQualifier({ name: 'thumbs', qualifier: '$LATEST' })).toThrow(UsageError);
    expect(() => checkPushQualifier({ name: 'thumbs', qualifier: 'live' })).not.toThrow();
  });
});

describe('planS3', () => {
  it('adds a permission with SourceArn and SourceAccount, then one PUT that keeps every foreign entry and EventBridge', () => {
    const planned = planS3(s3Input(foreign));
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 's3:PutBucketNotificationConfiguration']);
    expect(planned.actions[0]?.input).toEqual({
      FunctionName: FN,
      StatementId: statementId('s3', FN, BUCKET_ARN),
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: BUCKET_ARN,
      SourceAccount: '123456789012',
    });
    const written = planned.actions[1]?.input.NotificationConfiguration as NotificationConfiguration;
    expect(written.QueueConfigurations).toEqual(foreign.QueueConfigurations);
    expect(written.LambdaFunctionConfigurations?.[0]).toEqual(foreign.LambdaFunctionConfigurations?.[0]);
    // moto drops EventBridgeConfiguration; evsrc still writes back the {} it read.
    expect(written.EventBridgeConfiguration).toEqual({});
    expect(written.LambdaFunctionConfigurations?.[1]).toMatchObject({ Id: planned.entry.Id, LambdaFunctionArn: FN });
    expect(planned.actions[1]?.input.ExpectedBucketOwner).toBe('123456789012');
  });

  it('plans nothing on a re-run: entry present and an equivalent statement, even one made elsewhere', () => {
    const first = planS3(s3Input(foreign));
    const applied = first.desired;
    // Entry present but no permission (someone removed it): only the permission is planned.
    expect(planS3(s3Input(applied)).actions.map((a) => a.api)).toEqual(['lambda:AddPermission']);
    const parsed = planS3(s3Input(applied, { policy: { statements: parsePolicyFor(s3Policy('made-by-console')) } }));
    expect(parsed.actions).toEqual([]);
    expect(parsed.statementId).toBe('made-by-console');
    expect(parsed.existing?.Id).toBe(first.entry.Id);
  });

  it('uses --source-account for the condition and the expected bucket owner', () => {
    const planned = planS3(s3Input({}, { options: { ...parseS3Options({}), sourceAccount: '210987654321' } }));
    expect(planned.actions[0]?.input.SourceAccount).toBe('210987654321');
    expect(planned.actions[1]?.input.ExpectedBucketOwner).toBe('210987654321');
  });

  it('refuses an overlap with a foreign entry, naming it, before any write', () => {
    const error = (() => {
      try {
        planS3(s3Input(foreign, { options: parseS3Options({ prefix: 'logs/app/' }) }));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error?.message).toMatch(/overlaps entry "other-fn" \(Lambda function .*function:other; s3:ObjectCreated:\*; prefix "logs\/"\)/);
  });

  it('refuses overlaps moto would accept: a wildcard vs a specific type, an unfiltered queue entry', () => {
    const queueAll: NotificationConfiguration = { QueueConfigurations: [{ Id: 'q-all', QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'] }] };
    expect(() => planS3(s3Input(queueAll))).toThrow(/overlaps entry "q-all" \(SQS queue/);
  });

  it("replaces evsrc's own overlapping entry for the same function instead of refusing", () => {
    const old = buildLambdaEntry(FN, 'uploads', { events: ['s3:ObjectCreated:*'], prefix: 'images/' });
    const planned = planS3(s3Input({ LambdaFunctionConfigurations: [old] }));
    expect(planned.replaced.map((e) => e.Id)).toEqual([old.Id]);
    const written = planned.actions.at(-1)?.input.NotificationConfiguration as NotificationConfiguration;
    expect(written.LambdaFunctionConfigurations?.map((e) => e.Id)).toEqual([planned.entry.Id]);
    expect(planned.actions.at(-1)?.summary).toMatch(/replacing evsrc's overlapping entry/);
  });

  it('refuses a bucket in another region', () => {
    expect(() => planS3(s3Input({}, { bucketRegion: 'eu-west-1' }))).toThrow(/bucket uploads is in eu-west-1 but function .* is in us-east-1/);
  });

  it('refuses when evsrc\'s statement id holds a different grant (moto would accept a duplicate id)', () => {
    const sid = statementId('s3', FN, BUCKET_ARN);
    const other = s3Policy(sid, { Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::elsewhere' } } });
    expect(() => planS3(s3Input({}, { policy: { raw: other, statements: parsePolicyFor(other) } }))).toThrow(PreconditionError);
  });

  it('the permission action undoes itself with RemovePermission of the same id', () => {
    const planned = planS3(s3Input({}));
    const undo = planned.actions[0]?.undo?.({});
    expect(undo).toMatchObject({ api: 'lambda:RemovePermission', input: { FunctionName: FN, StatementId: statementId('s3', FN, BUCKET_ARN) } });
  });
});

describe('settleNotification (read back, merge again, bounded)', () => {
  const entry = buildLambdaEntry(FN, 'uploads', { events: ['s3:ObjectCreated:*'], prefix: 'images/' });
  const rule = { events: ['s3:ObjectCreated:*'], prefix: 'images/' };

  function fakeBucket(initial: NotificationConfiguration, interfere: (puts: number, config: NotificationConfiguration) => NotificationConfiguration) {
    let config = structuredClone(initial);
    let puts = 0;
    const log: string[] = [];
    const call: CallApi = async (api, input) => {
      log.push(api);
      if (api === 's3:GetBucketNotificationConfiguration') return { ...structuredClone(config), $metadata: {} };
      if (api === 's3:PutBucketNotificationConfiguration') {
        puts += 1;
        config = interfere(puts, structuredClone(input.NotificationConfiguration as NotificationConfiguration));
        return {};
      }
      throw new Error(`unexpected ${api}`);
    };
    return { call, log, current: () => config };
  }

  it('with a sleep, reads back only after the quiet period, and re-merges when a late writer removed the entry', async () => {
    const mine = mergeOwnEntry(foreign, entry, rule, 'uploads').config;
    let config = structuredClone(mine);
    const log: string[] = [];
    const sleeps: number[] = [];
    const call: CallApi = async (api, input) => {
      log.push(api);
      if (api === 's3:GetBucketNotificationConfiguration') return structuredClone(config);
      config = structuredClone(input.NotificationConfiguration as NotificationConfiguration);
      return {};
    };
    // Another writer that read the bucket before our PUT writes its merge during the quiet period.
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      log.push(`sleep ${ms}`);
      if (sleeps.length === 1) config = structuredClone(foreign);
    };
    await settleNotification({ call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule, written: mine, sleep, quietMs: 300 });
    // Quiet period, a jittered wait before merging again on a fresh read, then a contested quiet period.
    expect(sleeps).toHaveLength(3);
    expect(sleeps[1]).toBeGreaterThanOrEqual(MERGE_BACKOFF_MS / 2);
    expect(sleeps[1]).toBeLessThanOrEqual(MERGE_BACKOFF_MS);
    expect(log).toEqual([
      'sleep 300',
      's3:GetBucketNotificationConfiguration',
      `sleep ${sleeps[1]}`,
      's3:GetBucketNotificationConfiguration',
      's3:PutBucketNotificationConfiguration',
      's3:GetBucketNotificationConfiguration',
      'sleep 1000',
      's3:GetBucketNotificationConfiguration',
    ]);
    expect(config).toEqual(mine);
  });

  it('the quiet period follows how long evsrc\'s own read-merge-write took, within bounds', () => {
    expect(quietPeriod(undefined)).toBe(QUIET_PERIOD_MS);
    expect(quietPeriod(10)).toBe(QUIET_PERIOD_MIN_MS);
    expect(quietPeriod(400)).toBe(800);
    expect(quietPeriod(60_000)).toBe(QUIET_PERIOD_MAX_MS);
  });

  it('jittered waits between re-merges grow, stay bounded, and a writer that never stops still loses cleanly', async () => {
    expect(mergeBackoff(1, () => 0)).toBe(MERGE_BACKOFF_MS / 2);
    expect(mergeBackoff(1, () => 1)).toBe(MERGE_BACKOFF_MS);
    expect(mergeBackoff(20, () => 1)).toBe(MERGE_BACKOFF_MAX_MS);
    // Another writer replaces the configuration after every PUT: evsrc gives up after MAX_MERGE_ROUNDS
    // re-merges with an AwsFailure (the executor then rolls back its permission).
    const bucket = fakeBucket(foreign, () => structuredClone(foreign));
    const sleeps: number[] = [];
    await expect(
      settleNotification({ call: bucket.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule, sleep: async (ms) => void sleeps.push(ms) }),
    ).rejects.toThrow(/another writer kept replacing/);
    expect(bucket.log.filter((a) => a === 's3:PutBucketNotificationConfiguration')).toHaveLength(MAX_MERGE_ROUNDS);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
  });

  it('with what it wrote, looks a second time only when the read-back is not that: another writer showed up', async () => {
    const mine = mergeOwnEntry(foreign, entry, rule, 'uploads').config;
    const quiet = fakeBucket(mine, (_, c) => c);
    let sleeps: number[] = [];
    await settleNotification({ call: quiet.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule, written: mine, sleep: async (ms) => void sleeps.push(ms) });
    expect(quiet.log).toEqual(['s3:GetBucketNotificationConfiguration']);
    expect(sleeps).toEqual([QUIET_PERIOD_MS]);
    sleeps = [];
    // Our entry is there but the bucket changed beside it: look again after the quiet period.
    const extra = { ...mine, QueueConfigurations: [{ Id: 'late', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'] }] };
    const busy = fakeBucket(extra, (_, c) => c);
    await settleNotification({ call: busy.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule, written: mine, sleep: async (ms) => void sleeps.push(ms) });
    expect(busy.log).toEqual(['s3:GetBucketNotificationConfiguration', 's3:GetBucketNotificationConfiguration']);
    // The second look waits a contested quiet period: three quiet periods, within 1-2 s.
    expect(sleeps).toEqual([QUIET_PERIOD_MS, contestedQuietPeriod(QUIET_PERIOD_MS)]);
    expect(contestedQuietPeriod(QUIET_PERIOD_MS)).toBe(QUIET_PERIOD_MAX_MS);
    expect(contestedQuietPeriod(QUIET_PERIOD_MIN_MS)).toBe(1000);
  });

  it('stops after one read when the entry is there', async () => {
    const bucket = fakeBucket(mergeOwnEntry(foreign, entry, rule, 'uploads').config, (_, c) => c);
    const out = await settleNotification({ call: bucket.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule });
    expect(out.rounds).toBe(0);
    expect(bucket.log).toEqual(['s3:GetBucketNotificationConfiguration']);
  });

  it('merges again when another writer replaced the configuration, keeping the other writer\'s entry', async () => {
    const theirs = { Id: 'theirs', LambdaFunctionArn: OTHER_FN, Events: ['s3:ObjectRemoved:*'] };
    // The other writer's PUT landed after ours, built from the configuration before ours.
    const bucket = fakeBucket({ LambdaFunctionConfigurations: [theirs] }, (_, c) => c);
    const out = await settleNotification({ call: bucket.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule });
    expect(out.rounds).toBe(1);
    expect(bucket.current().LambdaFunctionConfigurations?.map((e) => e.Id)).toEqual(['theirs', entry.Id]);
  });

  it('gives up after the bounded rounds when a writer keeps removing the entry', async () => {
    const bucket = fakeBucket({}, () => ({}));
    await expect(
      settleNotification({ call: bucket.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '123456789012', entry, rule, rounds: 2 }),
    ).rejects.toThrow(/still missing after 3 writes/);
    expect(bucket.log.filter((a) => a.startsWith('s3:Put'))).toHaveLength(2);
  });

  it('refuses when an overlapping foreign rule appeared meanwhile', async () => {
    const clash = { QueueConfigurations: [{ Id: 'new-q', QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'] }] };
    const bucket = fakeBucket(clash, (_, c) => c);
    await expect(settleNotification({ call: bucket.call, bucket: 'uploads', region: 'us-east-1', expectedOwner: '1', entry, rule })).rejects.toThrow(/overlaps entry "new-q"/);
  });

  it('only warns when the read-back itself fails (the write did succeed)', async () => {
    const warnings: string[] = [];
    const call: CallApi = async () => {
      throw new Error('read failed');
    };
    const out = await settleNotification({
      call,
      bucket: 'uploads',
      region: 'us-east-1',
      expectedOwner: '1',
      entry,
      rule,
      reporter: { emit: (e) => e.type === 'warning' && warnings.push(e.message) },
    });
    expect(out.rounds).toBe(0);
    expect(warnings[0]).toMatch(/reading it back failed/);
  });
});

describe('planPermission and readFunctionPolicy', () => {
  it('reads no policy (ResourceNotFoundException) as empty', async () => {
    const call: CallApi = async () => {
      throw Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' });
    };
    expect(await readFunctionPolicy(call, FN)).toEqual({ statements: [] });
  });

  it('sends a qualified function as Qualifier to GetPolicy and AddPermission', async () => {
    const seen: Record<string, unknown>[] = [];
    const call: CallApi = async (_api, input) => {
      seen.push(input);
      return {};
    };
    await readFunctionPolicy(call, `${FN}:live`);
    expect(seen[0]).toEqual({ FunctionName: FN, Qualifier: 'live' });
    const plan = planPermission({ service: 'sns', principal: 'sns.amazonaws.com', functionArn: `${FN}:live`, sourceArn: TOPIC }, { statements: [] });
    expect(plan.action?.input).toMatchObject({ FunctionName: FN, Qualifier: 'live', SourceArn: TOPIC });
    expect(plan.action?.input).not.toHaveProperty('SourceAccount');
  });

  it('warns about an unscoped grant and never reuses it', () => {
    const raw = JSON.stringify({ Statement: [{ Sid: 'wide', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN }] });
    const plan = planPermission({ service: 's3', principal: 's3.amazonaws.com', functionArn: FN, sourceArn: BUCKET_ARN, sourceAccount: '123456789012' }, { raw, statements: parsePolicyFor(raw) });
    expect(plan.action?.api).toBe('lambda:AddPermission');
    expect(plan.warnings[0]).toMatch(/without a source condition \(statement wide\)/);
  });

  it('retries a concurrent policy update, and reads back a lost AddPermission answer', async () => {
    const plan = planPermission({ service: 'sns', principal: 'sns.amazonaws.com', functionArn: FN, sourceArn: TOPIC }, { statements: [] }, async () => ({
      Policy: JSON.stringify({
        Statement: [
          { Sid: statementId('sns', FN, TOPIC), Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN, Condition: { ArnLike: { 'AWS:SourceArn': TOPIC } } },
        ],
      }),
    }));
    expect(plan.action?.retry?.[0]).toMatchObject({ errorNames: ['ResourceConflictException'] });
    expect(await plan.action?.recover?.(Object.assign(new Error('reset'), { $metadata: {} }))).toBeDefined();
    expect(await plan.action?.recover?.(Object.assign(new Error('denied'), { $metadata: { httpStatusCode: 403 } }))).toBeUndefined();
  });
});

describe('add sns parsing', () => {
  it('parses topics by name and ARN', () => {
    expect(parseTopicRef('orders')).toEqual({ kind: 'name', name: 'orders' });
    expect(parseTopicRef(TOPIC)).toMatchObject({ kind: 'arn', region: 'us-east-1', account: '123456789012', name: 'orders' });
    expect(() => parseTopicRef('arn:aws:sqs:us-east-1:123456789012:orders')).toThrow(/not an SNS topic ARN/);
    expect(() => parseTopicRef('bad name')).toThrow(UsageError);
  });

  it('validates the filter policy against the scope and needs a policy with a scope', () => {
    expect(parseSnsOptions({ filterPolicy: '{"a":["b"]}' }).filterPolicy).toEqual({ a: ['b'] });
    expect(() => parseSnsOptions({ filterPolicy: '{"a":{"b":["c"]}}' })).toThrow(/--filter-policy-scope MessageBody/);
    expect(parseSnsOptions({ filterPolicy: '{"a":{"b":["c"]}}', filterPolicyScope: 'messagebody' }).filterPolicyScope).toBe('MessageBody');
    expect(() => parseSnsOptions({ filterPolicyScope: 'MessageBody' })).toThrow(/give --filter-policy with it/);
    expect(() => parseSnsOptions({ filterPolicy: '{"a":["b"]}', filterPolicyScope: 'Body' })).toThrow(/--filter-policy-scope: invalid value "Body"/);
    expect(() => parseSnsOptions({ dlq: 'not a queue!' })).toThrow(/--dlq/);
  });

  it('uses the regional principal only for an opt-in topic region delivering elsewhere', () => {
    expect(snsPrincipal('us-east-1', 'us-west-2')).toBe('sns.amazonaws.com');
    expect(snsPrincipal('af-south-1', 'af-south-1')).toBe('sns.amazonaws.com');
    expect(snsPrincipal('af-south-1', 'eu-west-1')).toBe('sns.af-south-1.amazonaws.com');
  });
});

describe('planSns', () => {
  const base = (extra: Partial<SnsPlanInput> = {}): SnsPlanInput => ({
    topicArn: TOPIC,
    topicRegion: 'us-east-1',
    fn,
    subscriptions: [],
    policy: { statements: [] },
    options: {},
    ...extra,
  });

  it('adds the permission and subscribes with the asked attributes; Subscribe undoes with Unsubscribe', () => {
    const planned = planSns(base({ options: { filterPolicy: { type: ['order'] } } }));
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'sns:Subscribe']);
    expect(planned.actions[1]?.input).toEqual({
      TopicArn: TOPIC,
      Protocol: 'lambda',
      Endpoint: FN,
      Attributes: { FilterPolicy: '{"type":["order"]}' },
      ReturnSubscriptionArn: true,
    });
    expect(planned.actions[1]?.undo?.({ SubscriptionArn: `${TOPIC}:abc` })).toMatchObject({ api: 'sns:Unsubscribe', input: { SubscriptionArn: `${TOPIC}:abc` } });
  });

  it('changes differing attributes in place (moto would accept a second Subscribe; AWS refuses it)', () => {
    const existing = { arn: `${TOPIC}:abc`, attributes: { FilterPolicy: '{"type": ["order"]}' } };
    const same = planSns(base({ subscriptions: [existing], options: { filterPolicy: { type: ['order'] } }, policy: { statements: [] } }));
    expect(same.actions.map((a) => a.api)).toEqual(['lambda:AddPermission']);
    const changed = planSns(base({ subscriptions: [existing], options: { filterPolicy: { type: ['refund'] }, filterPolicyScope: 'MessageBody' } }));
    expect(changed.actions.map((a) => [a.api, a.input.AttributeName])).toEqual([
      ['lambda:AddPermission', undefined],
      ['sns:SetSubscriptionAttributes', 'FilterPolicyScope'],
      ['sns:SetSubscriptionAttributes', 'FilterPolicy'],
    ]);
    expect(changed.actions[2]?.changes).toEqual([{ field: 'FilterPolicy', from: { type: ['order'] }, to: { type: ['refund'] } }]);
  });

  it('merges the DLQ statement into the queue policy, keeping the others, and redrives to it', () => {
    const keep = { Sid: 'keep-me', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sqs:*', Resource: '*' };
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [keep] });
    const dlq = { queue: { arn: QUEUE, url: 'http://q/audit', region: 'us-east-1', fifo: false, name: 'audit' }, policy };
    const planned = planSns(base({ dlq }));
    const set = planned.actions.find((a) => a.api === 'sqs:SetQueueAttributes');
    const written = JSON.parse((set?.input.Attributes as { Policy: string }).Policy);
    expect(written.Statement[0]).toEqual(keep);
    expect(written.Statement[1]).toMatchObject({ Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE, Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } } });
    expect(set?.undo?.({})).toMatchObject({ input: { Attributes: { Policy: policy } } });
    expect(planned.actions.at(-1)?.input.Attributes).toEqual({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: QUEUE }) });
    // Applied once, the policy needs no change.
    expect(mergeDlqPolicy(JSON.stringify(written), TOPIC, QUEUE)).toBeUndefined();
  });

  it('refuses a DLQ in another region or of the other queue kind', () => {
    const queue = { arn: 'arn:aws:sqs:eu-west-1:123456789012:dlq', url: 'u', region: 'eu-west-1', fifo: false, name: 'dlq' };
    expect(() => planSns(base({ dlq: { queue } }))).toThrow(/must be in the topic's region/);
    expect(() => planSns(base({ dlq: { queue: { ...queue, region: 'us-east-1', fifo: true } } }))).toThrow(/standard topic needs a standard/);
  });
});

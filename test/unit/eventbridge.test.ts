import { describe, expect, it } from 'vitest';
import { awsErrorName, toEvsrcError } from '../../src/aws/errors.js';
import { AwsFailure, ExitCode, NotFoundError, PreconditionError, UsageError } from '../../src/core/errors.js';
import { applyPlan, type CallApi } from '../../src/core/executor.js';
import { MemoryReporter } from '../../src/core/reporter.js';
import type { Grant } from '../../src/mechanisms/permission/grants.js';
import { parsePolicy, statementId } from '../../src/mechanisms/permission/policy.js';
import {
  checkFailedEntries,
  parseEventBridgeOptions,
  planEventBridge,
  targetIdFor,
  type EventBridgePlanInput,
} from '../../src/sources/eventbridge/add.js';
import { eventbridgeType } from '../../src/sources/eventbridge/index.js';
import type { EbTarget } from '../../src/sources/eventbridge/inventory.js';
import { planEventBridgeRemoval } from '../../src/sources/eventbridge/removal.js';
import { checkRuleAccount, parseBusRef, parseRuleRef, parseSchedule, ruleArn } from '../../src/sources/eventbridge/rule.js';
import { sourceTypeOfArn } from '../../src/sources/registry.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:report';
const OTHER = 'arn:aws:lambda:us-east-1:123456789012:function:other';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/nightly';
const QUEUE = { arn: 'arn:aws:sqs:us-east-1:123456789012:dlq', url: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq', region: 'us-east-1', fifo: false, name: 'dlq' };
const fn = { arn: FN, region: 'us-east-1' };
const rule = { name: 'nightly', bus: 'default', arn: RULE, region: 'us-east-1' };
const ID = targetIdFor(FN);

function input(extra: Partial<EventBridgePlanInput> = {}, raw: Record<string, unknown> = {}): EventBridgePlanInput {
  return {
    rule,
    existing: { Name: 'nightly', Arn: RULE, ScheduleExpression: 'cron(0 2 * * ? *)', State: 'ENABLED', Description: 'hand-made' },
    targets: [],
    fn,
    policy: { statements: [] },
    options: parseEventBridgeOptions(raw),
    ...extra,
  };
}

function grantingPolicy(sid: string) {
  const raw = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN, Condition: { ArnLike: { 'AWS:SourceArn': RULE } } }],
  });
  return { raw, statements: parsePolicy(raw) };
}

function usage(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.USAGE);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('eventbridge flags and references', () => {
  it('refuses out-of-range and conflicting flags, naming the flag and the value', () => {
    expect(usage(() => parseEventBridgeOptions({ retryAttempts: '186' }))).toMatch(/--retry-attempts: invalid value "186"; allowed: a whole number from 0 to 185/);
    expect(usage(() => parseEventBridgeOptions({ retryAttempts: '-1' }))).toMatch(/--retry-attempts: invalid value "-1"/);
    expect(usage(() => parseEventBridgeOptions({ maxEventAge: '59' }))).toMatch(/--max-event-age: invalid value "59"; allowed: .*60 to 86400/);
    expect(usage(() => parseEventBridgeOptions({ maxEventAge: '86401' }))).toMatch(/--max-event-age: invalid value "86401"/);
    expect(usage(() => parseEventBridgeOptions({ input: '{}', inputPath: '$.a' }))).toMatch(/--input and --input-path/);
    expect(usage(() => parseEventBridgeOptions({ input: '{bad' }))).toMatch(/--input: invalid value "\{bad"; allowed: valid JSON/);
    expect(usage(() => parseEventBridgeOptions({ inputPath: 'detail' }))).toMatch(/--input-path: invalid value "detail"/);
    expect(usage(() => parseEventBridgeOptions({ pattern: '[]' }))).toMatch(/--pattern: invalid value "\[\]"/);
    expect(usage(() => parseEventBridgeOptions({ pattern: '{}' }))).toMatch(/--pattern: .*non-empty/);
    expect(usage(() => parseEventBridgeOptions({ pattern: '{"a":["b"]}', schedule: 'rate(1 day)' }))).toMatch(/--pattern and --schedule/);
    expect(usage(() => parseEventBridgeOptions({ updateRule: true }))).toMatch(/--update-rule/);
    expect(usage(() => parseEventBridgeOptions({ eventBus: 'shop', schedule: 'rate(5 minutes)' }))).toMatch(/--schedule: schedules run only on the default event bus; --event-bus is "shop"/);
    expect(usage(() => parseEventBridgeOptions({ eventBus: 'bad bus' }))).toMatch(/--event-bus: invalid value "bad bus"/);
    expect(usage(() => parseEventBridgeOptions({ dlq: 'arn:aws:sns:us-east-1:123456789012:t' }))).toMatch(/--dlq: .* is not an SQS queue ARN/);
    expect(parseEventBridgeOptions({ retryAttempts: '0', maxEventAge: '60', input: '{ "a": 1 }', eventBus: 'default', schedule: 'rate(1 hour)' })).toEqual({
      retryAttempts: 0,
      maxEventAge: 60,
      input: '{"a":1}',
      eventBus: { name: 'default' },
      schedule: 'rate(1 hour)',
    });
  });

  it('checks schedule expressions as EventBridge documents them', () => {
    expect(parseSchedule('rate(1 minute)')).toBe('rate(1 minute)');
    expect(parseSchedule('rate(5 minutes)')).toBe('rate(5 minutes)');
    expect(parseSchedule('cron(0 12 * * ? *)')).toBe('cron(0 12 * * ? *)');
    expect(parseSchedule('cron(0/15 8-17 ? * MON-FRI *)')).toBe('cron(0/15 8-17 ? * MON-FRI *)');
    expect(usage(() => parseSchedule('rate(1 minutes)'))).toMatch(/--schedule: invalid value "rate\(1 minutes\)"; with a value of 1 the unit is singular: rate\(1 minute\)/);
    expect(usage(() => parseSchedule('rate(5 hour)'))).toMatch(/plural: rate\(5 hours\)/);
    expect(usage(() => parseSchedule('rate(0 minutes)'))).toMatch(/at least 1/);
    expect(usage(() => parseSchedule('rate(5 weeks)'))).toMatch(/allowed: rate\(/);
    expect(usage(() => parseSchedule('cron(0 20 * * ?)'))).toMatch(/six fields .* this one has 5/);
    expect(usage(() => parseSchedule('cron(0 20 * * * *)'))).toMatch(/exactly one of day-of-month .* must be \?/);
    expect(usage(() => parseSchedule('every 5 minutes'))).toMatch(/--schedule: invalid value "every 5 minutes"/);
  });

  it('parses rule names and ARNs on the default and custom buses', () => {
    expect(parseRuleRef('nightly')).toEqual({ name: 'nightly', bus: 'default' });
    expect(parseRuleRef('paid', parseBusRef('arn:aws:events:eu-west-1:123456789012:event-bus/shop'))).toEqual({
      name: 'paid',
      bus: 'shop',
      region: 'eu-west-1',
      account: '123456789012',
      partition: 'aws',
    });
    expect(parseRuleRef(RULE)).toMatchObject({ name: 'nightly', bus: 'default', region: 'us-east-1' });
    expect(parseRuleRef('arn:aws:events:us-east-1:123456789012:rule/shop/paid')).toMatchObject({ name: 'paid', bus: 'shop' });
    expect(usage(() => parseRuleRef('x'.repeat(65)))).toMatch(/<rule>: invalid rule name .*1-64 letters/);
    expect(usage(() => parseRuleRef('bad name'))).toMatch(/<rule>: invalid rule name "bad name"/);
    expect(usage(() => parseRuleRef('arn:aws:sns:us-east-1:123456789012:t'))).toMatch(/<rule>: .* is not an EventBridge rule ARN/);
    expect(usage(() => parseRuleRef('arn:aws:events:us-east-1:123456789012:rule/shop/paid', { name: 'other' }))).toMatch(/--event-bus: "other" differs/);
    expect(ruleArn('us-east-1', '123456789012', 'shop', 'paid')).toBe('arn:aws:events:us-east-1:123456789012:rule/shop/paid');
    expect(ruleArn('us-east-1', '123456789012', 'default', 'nightly')).toBe(RULE);
  });

  it('owns rule ARNs only, and names them by bus/name', () => {
    expect(eventbridgeType.ownsSourceArn(RULE)).toBe(true);
    expect(eventbridgeType.ownsSourceArn('arn:aws:events:us-east-1:123456789012:event-bus/shop')).toBe(false);
    expect(sourceTypeOfArn('arn:aws:events:us-east-1:123456789012:rule/shop/paid')).toBe('eventbridge');
    expect(eventbridgeType.push?.nameOf?.('arn:aws:events:us-east-1:123456789012:rule/shop/paid')).toBe('shop/paid');
    expect(eventbridgeType.push?.silent).toBe(true);
    expect(targetIdFor(FN)).toMatch(/^evsrc-[0-9a-f]{20}$/);
    expect(targetIdFor(FN)).not.toBe(targetIdFor(`${FN}:live`));
  });
});

describe('planEventBridge', () => {
  it('existing rule: permission first, then the target; the new target undoes by RemoveTargets', () => {
    const planned = planEventBridge(input({}, { retryAttempts: '3' }));
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'events:PutTargets']);
    const [permission, put] = planned.actions;
    expect(permission?.input).toMatchObject({ Principal: 'events.amazonaws.com', SourceArn: RULE, StatementId: statementId('eventbridge', FN, RULE) });
    expect(permission?.undo?.({})).toMatchObject({ api: 'lambda:RemovePermission' });
    expect(put?.input).toEqual({ Rule: 'nightly', Targets: [{ Id: ID, Arn: FN, RetryPolicy: { MaximumRetryAttempts: 3 } }] });
    expect(put?.undo?.({})).toMatchObject({ api: 'events:RemoveTargets', input: { Rule: 'nightly', Ids: [ID] } });
  });

  it('scopes the permission to the rule ARN and the account; a grant naming the rule alone is reused', () => {
    const planned = planEventBridge(input());
    expect(planned.actions[0]?.input).toMatchObject({ Principal: 'events.amazonaws.com', SourceArn: RULE, SourceAccount: '123456789012' });
    const reused = planEventBridge(input({ policy: grantingPolicy('console-made') }));
    expect(reused.actions.map((a) => a.api)).toEqual(['events:PutTargets']);
    expect(reused.statementId).toBe('console-made');
  });

  it('warns of a grant with no source condition in terms of rules', () => {
    const raw = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'broad', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN }] });
    const planned = planEventBridge(input({ policy: { raw, statements: parsePolicy(raw) } }));
    expect(planned.warnings.join('\n')).toMatch(/without a source condition \(statement broad\); any rule, in any account, can then invoke the function/);
  });

  it('keeps the statement id the s3 and sns ids had (the service name widening changed nothing)', () => {
    expect(statementId('sns', FN, 'arn:aws:sns:us-east-1:123456789012:orders')).toMatch(/^evsrc-sns-orders-[0-9a-f]{8}$/);
    expect(statementId('eventbridge', FN, 'arn:aws:events:us-east-1:123456789012:rule/shop/paid')).toMatch(/^evsrc-eventbridge-paid-[0-9a-f]{8}$/);
  });

  it('missing rule: exit 3 with a hint, unless --pattern or --schedule creates it (tagged; undo deletes it)', () => {
    let error: unknown;
    try {
      planEventBridge(input({ existing: undefined }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(3);
    expect((error as NotFoundError).hint).toMatch(/--pattern <json> or --schedule/);
    const planned = planEventBridge(input({ existing: undefined }, { pattern: '{"source":["aws.s3"]}', dlq: 'dlq' }));
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'events:PutRule', 'events:PutTargets']);
    const create = planned.actions[1];
    expect(create?.input).toEqual({ Name: 'nightly', EventPattern: '{"source":["aws.s3"]}', State: 'ENABLED', Description: 'created by evsrc', Tags: [{ Key: 'evsrc:managed', Value: 'true' }] });
    expect(create?.undo?.({})).toMatchObject({ api: 'events:DeleteRule', input: { Name: 'nightly' } });
  });

  it('a DLQ adds a rule-scoped queue policy before the target; a FIFO or other-region queue is refused', () => {
    const planned = planEventBridge(input({ dlq: { queue: QUEUE, policy: '{"Version":"2012-10-17","Statement":[{"Sid":"keep","Effect":"Deny","Principal":"*","Action":"sqs:*"}]}' } }, { dlq: 'dlq' }));
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'sqs:SetQueueAttributes', 'events:PutTargets']);
    const policy = JSON.parse((planned.actions[1]?.input.Attributes as { Policy: string }).Policy);
    expect(policy.Statement[0].Sid).toBe('keep');
    expect(policy.Statement[1]).toMatchObject({ Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': RULE } } });
    expect(planned.actions[1]?.undo?.({})).toMatchObject({ input: { Attributes: { Policy: expect.stringContaining('"keep"') } } });
    expect((planned.actions[2]?.input.Targets as EbTarget[])[0]?.DeadLetterConfig).toEqual({ Arn: QUEUE.arn });
    expect(() => planEventBridge(input({ dlq: { queue: { ...QUEUE, fifo: true } } }, { dlq: 'dlq' }))).toThrow(/FIFO/);
    expect(() => planEventBridge(input({ dlq: { queue: { ...QUEUE, region: 'eu-west-1' } } }, { dlq: 'dlq' }))).toThrow(PreconditionError);
    expect(() => planEventBridge(input({ fn: { arn: FN, region: 'eu-west-1' } }))).toThrow(/targets Lambda functions in its own region/);
  });

  it('a different pattern or schedule is exit 3 unless --update-rule, which keeps description, state and role', () => {
    const existing = { Name: 'nightly', Arn: RULE, EventPattern: '{"source":["a"]}', State: 'DISABLED', Description: 'theirs', RoleArn: 'arn:aws:iam::123456789012:role/r' };
    expect(() => planEventBridge(input({ existing }, { pattern: '{"source":["b"]}' }))).toThrow(PreconditionError);
    expect(() => planEventBridge(input({}, { schedule: 'rate(5 minutes)' }))).toThrow(/has ScheduleExpression "cron\(0 2 \* \* \? \*\)"/);
    // A schedule rule given a pattern has no pattern, rather than the pattern null.
    expect(() => planEventBridge(input({}, { pattern: '{"source":["b"]}' }))).toThrow(/^rule nightly has no EventPattern \(it runs on the schedule cron\(0 2 \* \* \? \*\)\), not \{"source":\["b"\]\} as --pattern asks/);
    expect(() => planEventBridge(input({ existing }, { schedule: 'rate(5 minutes)' }))).toThrow(/^rule nightly has no ScheduleExpression \(it runs on the event pattern \{"source":\["a"\]\}\), not "rate\(5 minutes\)" as --schedule asks/);
    // The same pattern written in another order is the same pattern.
    expect(planEventBridge(input({ existing }, { pattern: '{ "source": ["a"] }' })).actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'events:PutTargets']);
    const planned = planEventBridge(input({ existing }, { pattern: '{"source":["b"]}', updateRule: true }));
    const put = planned.actions.find((a) => a.api === 'events:PutRule');
    expect(put?.input).toEqual({ Name: 'nightly', EventPattern: '{"source":["b"]}', Description: 'theirs', State: 'DISABLED', RoleArn: existing.RoleArn });
    expect(put?.changes).toEqual([{ field: 'EventPattern', from: { source: ['a'] }, to: { source: ['b'] } }]);
    expect(put?.undo?.({})).toMatchObject({ api: 'events:PutRule', input: { EventPattern: '{"source":["a"]}', Description: 'theirs', State: 'DISABLED' } });
    expect(planned.warnings.join('\n')).toMatch(/is disabled/);
    expect(() => planEventBridge(input({ existing: { ...existing, ManagedBy: 'guardduty.amazonaws.com' } }))).toThrow(/managed by guardduty/);
  });

  it('--update-rule with the other kind of trigger replaces it: a schedule rule given a pattern loses its schedule', () => {
    const scheduled = { Name: 'nightly', Arn: RULE, ScheduleExpression: 'cron(0 2 * * ? *)', State: 'ENABLED' };
    const planned = planEventBridge(input({ existing: scheduled }, { pattern: '{"source":["b"]}', updateRule: true }));
    const put = planned.actions.find((a) => a.api === 'events:PutRule');
    expect(put?.input).toEqual({ Name: 'nightly', EventPattern: '{"source":["b"]}', State: 'ENABLED' });
    expect(put?.changes).toEqual([
      { field: 'EventPattern', from: null, to: { source: ['b'] } },
      { field: 'ScheduleExpression', from: 'cron(0 2 * * ? *)', to: null },
    ]);
    expect(put?.undo?.({})).toMatchObject({ input: { ScheduleExpression: 'cron(0 2 * * ? *)' } });
  });

  it('refuses a sixth target, naming the rule; an existing target of the function does not count as new', () => {
    const five: EbTarget[] = [1, 2, 3, 4, 5].map((i) => ({ Id: `t${i}`, Arn: `${OTHER}${i}` }));
    expect(() => planEventBridge(input({ targets: five }))).toThrow(/rule nightly already has 5 targets/);
    const mine = [...five.slice(0, 4), { Id: ID, Arn: FN }];
    expect(planEventBridge(input({ targets: mine })).actions.map((a) => a.api)).toEqual(['lambda:AddPermission']);
  });

  it('identical target and an equivalent permission: no actions; a changed target is updated in place with changes and a restoring undo', () => {
    const current: EbTarget = { Id: ID, Arn: FN, Input: '{"a":1}', RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 } };
    const policy = grantingPolicy('made-by-hand');
    const same = planEventBridge(input({ targets: [current], policy }, { input: '{ "a": 1 }', retryAttempts: '3' }));
    expect(same.actions).toEqual([]);
    expect(same.statementId).toBe('made-by-hand');
    const changed = planEventBridge(input({ targets: [current, { Id: 'foreign', Arn: OTHER }], policy }, { inputPath: '$.detail', retryAttempts: '7' }));
    expect(changed.actions.map((a) => a.api)).toEqual(['events:PutTargets']);
    const put = changed.actions[0];
    expect(put?.input.Targets).toEqual([{ Id: ID, Arn: FN, InputPath: '$.detail', RetryPolicy: { MaximumRetryAttempts: 7, MaximumEventAgeInSeconds: 600 } }]);
    expect(put?.changes).toEqual([
      { field: 'Input', from: '{"a":1}', to: null },
      { field: 'InputPath', from: null, to: '$.detail' },
      { field: 'RetryPolicy.MaximumRetryAttempts', from: 3, to: 7 },
    ]);
    expect(put?.undo?.({})).toMatchObject({ api: 'events:PutTargets', input: { Rule: 'nightly', Targets: [current] } });
  });

  it('a hand-made target of the same function is reused (by its Id), not doubled', () => {
    const planned = planEventBridge(input({ targets: [{ Id: 'by-hand', Arn: FN }], policy: grantingPolicy('p') }, { retryAttempts: '1' }));
    expect(planned.actions).toHaveLength(1);
    expect(planned.actions[0]?.input.Targets).toEqual([{ Id: 'by-hand', Arn: FN, RetryPolicy: { MaximumRetryAttempts: 1 } }]);
    expect(planned.warnings.join('\n')).toMatch(/as by-hand \(made outside evsrc\)/);
  });
});

describe('PutTargets failed entries', () => {
  it('checkFailedEntries passes a clean answer and raises a failed entry with its code', () => {
    expect(checkFailedEntries({ FailedEntryCount: 0, FailedEntries: [] }, 'events:PutTargets', 'r')).toBeUndefined();
    expect(() => checkFailedEntries({ FailedEntryCount: 1, FailedEntries: [{ TargetId: 't', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'busy' }] }, 'events:PutTargets', 'r')).toThrow(AwsFailure);
  });

  it('a failed entry makes the executor roll back the rule it created and the permission', async () => {
    const calls: string[] = [];
    const call: CallApi = async (api) => {
      calls.push(api);
      if (api === 'events:PutTargets') return { FailedEntryCount: 1, FailedEntries: [{ TargetId: ID, ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] };
      return {};
    };
    const planned = planEventBridge(input({ existing: undefined }, { schedule: 'rate(1 day)' }));
    const options = { call, reporter: new MemoryReporter(), describeError: toEvsrcError, errorName: awsErrorName, sleep: async () => {} };
    await expect(applyPlan(planned.actions, options)).rejects.toThrow(/failed for target .*InternalFailure/);
    expect(calls).toEqual(['lambda:AddPermission', 'events:PutRule', 'events:PutTargets', 'events:DeleteRule', 'lambda:RemovePermission']);
  });
});

describe('planEventBridgeRemoval', () => {
  const grant: Grant = { sid: 'evsrc-eb', type: 'eventbridge', principal: 'events.amazonaws.com', functionArn: FN, sourceArns: [RULE], sourceAccounts: [] };
  const base = { rule: { ...rule, shown: 'nightly' }, state: { Name: 'nightly', Arn: RULE }, functionArn: FN, grants: [grant] };

  it('removes the targets, then the permission, then an evsrc-made rule with nothing left; nothing can be undone', () => {
    const plan = planEventBridgeRemoval({ ...base, targets: [{ Id: ID, Arn: FN }], tags: { 'evsrc:managed': 'true' } });
    expect(plan.actions.map((a) => a.api)).toEqual(['events:RemoveTargets', 'lambda:RemovePermission', 'events:DeleteRule']);
    expect(plan.actions[0]?.input).toEqual({ Rule: 'nightly', Ids: [ID] });
    for (const a of plan.actions) expect(a.undo?.({})).toBeUndefined();
    expect(plan.removed).toHaveLength(1);
  });

  it('keeps a rule evsrc did not create, and one that still has other targets', () => {
    const handMade = planEventBridgeRemoval({ ...base, targets: [{ Id: ID, Arn: FN }], tags: {} });
    expect(handMade.actions.map((a) => a.api)).toEqual(['events:RemoveTargets', 'lambda:RemovePermission']);
    const shared = planEventBridgeRemoval({ ...base, targets: [{ Id: ID, Arn: FN }, { Id: 'x', Arn: OTHER }], tags: { 'evsrc:managed': 'true' } });
    expect(shared.actions.map((a) => a.api)).toEqual(['events:RemoveTargets', 'lambda:RemovePermission']);
    expect(shared.notes.join('\n')).toMatch(/is kept: 1 other target left/);
  });

  it('an empty evsrc-made rule the named function never targeted is not deleted, only named', () => {
    const empty = planEventBridgeRemoval({ ...base, grants: [], targets: [], tags: { 'evsrc:managed': 'true' } });
    expect(empty.actions).toEqual([]);
    expect(empty.notes.join('\n')).toMatch(/rule nightly \(created by evsrc\) has no targets; delete it with aws events delete-rule --name nightly/);
  });

  it('a rule ARN of another account is refused before any write, naming both accounts', () => {
    const ref = parseRuleRef('arn:aws:events:us-east-1:999999999999:rule/nightly');
    expect(() => checkRuleAccount(ref, { account: '123456789012', arn: FN })).toThrow(/account 999999999999, but .* is in account 123456789012/);
    expect(() => checkRuleAccount(parseRuleRef('nightly'), { account: '123456789012', arn: FN })).not.toThrow();
  });

  it('a missing rule still loses its permission; nothing to do says so', () => {
    const gone = planEventBridgeRemoval({ ...base, state: undefined, targets: [], tags: {} });
    expect(gone.actions.map((a) => a.api)).toEqual(['lambda:RemovePermission']);
    expect(gone.notes).toContain('rule nightly does not exist');
    const none = planEventBridgeRemoval({ ...base, grants: [], targets: [{ Id: 'x', Arn: OTHER }], tags: {} });
    expect(none.actions).toEqual([]);
    expect(none.notes.join('\n')).toMatch(/is not a target of rule nightly and has no permission for it/);
  });
});

describe('removeSendStatement', () => {
  it('takes only the named statement, keeps the rest and the document, and says when there is nothing to do', async () => {
    const { removeSendStatement } = await import('../../src/mechanisms/queue-policy.js');
    const doc = { Version: '2012-10-17', Id: 'p', Statement: [{ Sid: 'mine' }, { Sid: 'theirs' }] };
    expect(JSON.parse(removeSendStatement(JSON.stringify(doc), 'mine') ?? '')).toEqual({ Version: '2012-10-17', Id: 'p', Statement: [{ Sid: 'theirs' }] });
    expect(removeSendStatement(JSON.stringify({ Statement: [{ Sid: 'mine' }] }), 'mine')).toBe('');
    expect(removeSendStatement(JSON.stringify(doc), 'absent')).toBeUndefined();
    expect(removeSendStatement(undefined, 'mine')).toBeUndefined();
    expect(removeSendStatement('not json', 'mine')).toBeUndefined();
  });
});

describe('the shape of an event pattern (--pattern, and Lambda --filter)', () => {
  it('accepts arrays of values, operators, nested patterns and $or branches', async () => {
    const { patternShapeProblem, parseFilters } = await import('../../src/sources/options.js');
    const { parsePattern } = await import('../../src/sources/eventbridge/rule.js');
    for (const ok of [
      { source: ['aws.s3'] },
      { detail: { size: [{ numeric: ['>', 5] }], key: [{ prefix: 'in/' }, null] } },
      { $or: [{ source: ['a'] }, { detail: { x: [{ exists: true }] } }] },
    ]) {
      expect(patternShapeProblem(ok)).toBeUndefined();
      expect(() => parsePattern(JSON.stringify(ok))).not.toThrow();
      expect(() => parseFilters(JSON.stringify(ok))).not.toThrow();
    }
  });

  it('names the key whose value is not an array or a nested pattern, and an empty array', async () => {
    const { patternShapeProblem } = await import('../../src/sources/options.js');
    expect(patternShapeProblem({ source: 'aws.s3' })).toMatch(/key "source" has "aws.s3", not an array of values/);
    expect(patternShapeProblem({ detail: { size: 5 } })).toMatch(/key "detail.size" has 5/);
    expect(patternShapeProblem({ detail: { a: [] } })).toMatch(/key "detail.a" has an empty array/);
    expect(patternShapeProblem({ $or: [{ source: 'x' }] })).toMatch(/key "source" has "x"/);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createBus, createRule, describeRule, putTargets, ruleTagsOf, targetsOf } from '../helpers/events-fixtures.js';
import { CreateAliasCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { addPermission, clientConfig, createFunction, createQueue, createQueueWithPolicy, policyStatementsOf, queuePolicyOf } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';

// Rules and foreign targets are made straight through the SDK; evsrc's results are checked in moto's state.

const moto = useMoto();
const proxy = useFaultProxy(moto);
let fnArn: string;
let otherArn: string;
let ruleArn: string;

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'report');
  otherArn = await createFunction(moto.endpoint, 'other');
  ruleArn = await createRule(moto.endpoint, 'nightly', { schedule: 'cron(0 2 * * ? *)', description: 'hand-made' });
});

const cli = (...args: string[]) => runCli(args, moto.endpoint);
const add = (...args: string[]) => cli('add', 'eventbridge', ...args);
const apis = (doc: { actions: { api: string }[] }) => doc.actions.map((a) => a.api);

describe('evsrc add eventbridge against moto', () => {
  it('adds the function to an existing rule: target with retry and DLQ, rule-scoped permission, queue policy', async () => {
    const dlq = await createQueue(moto.endpoint, 'report-dlq');
    const r = await add('nightly', '--function', 'report', '--retry-attempts', '3', '--max-event-age', '3600', '--dlq', 'report-dlq', '--input', '{"job": "nightly"}', '--json');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(apis(doc)).toEqual(['lambda:AddPermission', 'sqs:SetQueueAttributes', 'events:PutTargets']);
    const targets = await targetsOf(moto.endpoint, 'nightly');
    expect(targets).toEqual([
      expect.objectContaining({
        Id: doc.trigger.id,
        Arn: fnArn,
        Input: '{"job":"nightly"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: dlq.arn },
      }),
    ]);
    expect(doc.trigger.id).toMatch(/^evsrc-[0-9a-f]{20}$/);
    const statements = await policyStatementsOf(moto.endpoint, 'report');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Principal: { Service: 'events.amazonaws.com' } });
    expect(statements[0]?.Condition).toEqual({ ArnLike: { 'AWS:SourceArn': ruleArn }, StringEquals: { 'AWS:SourceAccount': '123456789012' } });
    const policy = await queuePolicyOf(moto.endpoint, dlq.url);
    expect(policy?.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlq.arn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }),
    ]);
    // The rule itself is untouched.
    expect(await describeRule(moto.endpoint, 'nightly')).toMatchObject({ ScheduleExpression: 'cron(0 2 * * ? *)', Description: 'hand-made' });
  });

  it('creates a missing rule from --pattern, tagged as evsrc-made; a re-run changes nothing; a new retry updates in place', async () => {
    const r = await add('uploads', '--function', 'report', '--pattern', '{"source":["aws.s3"],"detail-type":["Object Created"]}', '--json');
    expect(r.code).toBe(0);
    expect(apis(r.json())).toEqual(['lambda:AddPermission', 'events:PutRule', 'events:PutTargets']);
    const rule = await describeRule(moto.endpoint, 'uploads');
    expect(JSON.parse(rule?.EventPattern ?? '')).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'] });
    expect(await ruleTagsOf(moto.endpoint, rule?.Arn ?? '')).toMatchObject({ 'evsrc:managed': 'true' });
    // Same pattern written differently: nothing to do.
    const again = await add('uploads', '--function', fnArn, '--pattern', '{ "detail-type": ["Object Created"], "source": ["aws.s3"] }', '--json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ changed: false, actions: [] });
    const text = await add('uploads', '--function', 'report');
    expect(text.stdout).toMatch(/No changes/i);
    const update = await add('uploads', '--function', 'report', '--retry-attempts', '5', '--json');
    expect(update.code).toBe(0);
    expect(update.json().actions).toEqual([
      expect.objectContaining({ api: 'events:PutTargets', changes: [{ field: 'RetryPolicy.MaximumRetryAttempts', from: null, to: 5 }] }),
    ]);
    const targets = await targetsOf(moto.endpoint, 'uploads');
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ Id: r.json().trigger.id, Arn: fnArn, RetryPolicy: { MaximumRetryAttempts: 5 } });
    expect(await policyStatementsOf(moto.endpoint, 'report')).toHaveLength(1);
  });

  it('keeps a foreign target; refuses a different pattern unless --update-rule, which keeps the description', async () => {
    await createRule(moto.endpoint, 'orders', { pattern: { source: ['shop'] }, description: 'orders rule' });
    await putTargets(moto.endpoint, 'orders', [{ Id: 'theirs', Arn: otherArn, InputPath: '$.detail' }]);
    const refused = await add('orders', '--function', 'report', '--pattern', '{"source":["shop.v2"]}');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/rule orders has EventPattern .*--update-rule/s);
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
    const r = await add('orders', '--function', 'report', '--pattern', '{"source":["shop.v2"]}', '--update-rule', '--json');
    expect(r.code).toBe(0);
    expect(apis(r.json())).toEqual(['lambda:AddPermission', 'events:PutRule', 'events:PutTargets']);
    const rule = await describeRule(moto.endpoint, 'orders');
    expect(JSON.parse(rule?.EventPattern ?? '')).toEqual({ source: ['shop.v2'] });
    expect(rule?.Description).toBe('orders rule');
    const targets = await targetsOf(moto.endpoint, 'orders');
    expect(targets).toHaveLength(2);
    expect(targets.find((t) => t.Id === 'theirs')).toEqual({ Id: 'theirs', Arn: otherArn, InputPath: '$.detail' });
  });

  it('works on a custom bus, by name with --event-bus and by rule ARN', async () => {
    await createBus(moto.endpoint, 'shop');
    const arn = await createRule(moto.endpoint, 'paid', { bus: 'shop', pattern: { 'detail-type': ['paid'] } });
    expect(arn).toMatch(/:rule\/shop\/paid$/);
    const r = await add('paid', '--event-bus', 'shop', '--function', 'report', '--input-path', '$.detail', '--json');
    expect(r.code).toBe(0);
    expect(r.json().trigger).toMatchObject({ sourceArn: arn, settings: { eventBus: 'shop', inputPath: '$.detail' } });
    expect(await targetsOf(moto.endpoint, 'paid', 'shop')).toEqual([expect.objectContaining({ Arn: fnArn, InputPath: '$.detail' })]);
    expect((await policyStatementsOf(moto.endpoint, 'report'))[0]).toMatchObject({ Condition: { ArnLike: { 'AWS:SourceArn': arn } } });
    const byArn = await add(arn, '--function', 'report', '--json');
    expect(byArn.json()).toMatchObject({ changed: false });
  });

  it('a missing rule without --pattern/--schedule exits 3; bad input exits 2; nothing is written', async () => {
    const missing = await add('nope', '--function', 'report');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/rule nope does not exist/);
    expect(missing.stderr).toMatch(/--pattern/);
    const cases: [string[], RegExp][] = [
      [['bad name!', '--function', 'report'], /<rule>: invalid rule name "bad name!"/],
      [['nightly', '--function', 'report', '--retry-attempts', '186'], /--retry-attempts: invalid value "186"; allowed: a whole number from 0 to 185/],
      [['nightly', '--function', 'report', '--max-event-age', '59'], /--max-event-age: invalid value "59"/],
      [['x', '--function', 'report', '--schedule', 'rate(1 minutes)'], /--schedule: invalid value "rate\(1 minutes\)".*singular/],
      [['x', '--function', 'report', '--schedule', 'cron(0 20 * * ?)'], /--schedule: .*six fields/],
      [['x', '--event-bus', 'shop', '--function', 'report', '--schedule', 'rate(5 minutes)'], /--schedule: schedules run only on the default event bus/],
      [['nightly', '--function', 'report', '--input', '{}', '--input-path', '$.a'], /--input and --input-path/],
      [['nightly', '--function', 'report', '--pattern', '[1]'], /--pattern: invalid value "\[1\]"/],
    ];
    for (const [args, message] of cases) {
      const r = await add(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([]);
    expect(await describeRule(moto.endpoint, 'x')).toBeUndefined();
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
  });

  it('a rule with five targets gets no sixth (moto would take it; AWS refuses): exit 3 naming the rule, nothing written', async () => {
    await putTargets(moto.endpoint, 'nightly', [1, 2, 3, 4, 5].map((n) => ({ Id: `t${n}`, Arn: otherArn })));
    const r = await add('nightly', '--function', 'report');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nightly/);
    expect(r.stderr).toMatch(/5 targets/);
    expect((await targetsOf(moto.endpoint, 'nightly')).map((t) => t.Id).sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
    // The function's own target among the five is updated in place, not refused.
    await putTargets(moto.endpoint, 'nightly', [{ Id: 't5', Arn: fnArn }]);
    const again = await add('nightly', '--function', 'report', '--retry-attempts', '2', '--json');
    expect(again.code).toBe(0);
    expect((await targetsOf(moto.endpoint, 'nightly')).find((t) => t.Id === 't5')).toMatchObject({ Arn: fnArn, RetryPolicy: { MaximumRetryAttempts: 2 } });
  });

  it('list --type eventbridge shows only EventBridge triggers; --type sqs none of them', async () => {
    expect((await add('nightly', '--function', 'report')).code).toBe(0);
    const only = await cli('list', '--function', 'report', '--type', 'eventbridge', '--json');
    expect(only.json().triggers.map((t: { type: string; sourceName: string }) => `${t.type}:${t.sourceName}`)).toEqual(['eventbridge:nightly']);
    const none = await cli('list', '--function', 'report', '--type', 'sqs', '--json');
    expect(none.json().triggers).toEqual([]);
    // Findings are filtered by the type they are about: an unscoped S3 grant is not an EventBridge problem.
    await addPermission(moto.endpoint, 'report', 's3any', 's3.amazonaws.com');
    expect((await cli('list', '--function', 'report', '--type', 'eventbridge', '--json')).json().warnings).toEqual([]);
    const s3 = (await cli('list', '--function', 'report', '--type', 's3', '--json')).json().warnings;
    expect(s3).toEqual([expect.objectContaining({ code: 'unscoped-permission', type: 's3', statementId: 's3any' })]);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const r = await add('fresh', '--function', 'report', '--schedule', 'rate(5 minutes)', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. lambda:AddPermission/);
    expect(r.stdout).toMatch(/2\. events:PutRule/);
    expect(r.stdout).toMatch(/3\. events:PutTargets/);
    expect(await describeRule(moto.endpoint, 'fresh')).toBeUndefined();
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
  });
});

describe('evsrc list with EventBridge', () => {
  it('list --function shows the trigger; a hand-made target without permission is flagged', async () => {
    await add('nightly', '--function', 'report', '--retry-attempts', '2');
    await createRule(moto.endpoint, 'manual', { pattern: { source: ['x'] } });
    await putTargets(moto.endpoint, 'manual', [{ Id: 'by-hand', Arn: fnArn }]);
    const doc = (await cli('list', '--function', 'report', '--json')).json();
    const eb = doc.triggers.filter((t: { type: string }) => t.type === 'eventbridge');
    expect(eb).toHaveLength(2);
    expect(eb.find((t: { sourceName: string }) => t.sourceName === 'nightly')).toMatchObject({ sourceArn: ruleArn, functionArn: fnArn, settings: { schedule: 'cron(0 2 * * ? *)', retryAttempts: 2 } });
    const missing = doc.warnings.filter((w: { code: string }) => w.code === 'missing-permission');
    expect(missing).toEqual([expect.objectContaining({ triggerId: 'by-hand', message: expect.stringMatching(/rule manual sends to .* deliveries fail silently/) })]);
    // Region-wide list sees both, the other function's too.
    await putTargets(moto.endpoint, 'manual', [{ Id: 'other', Arn: otherArn }]);
    const all = (await cli('list', '--json')).json();
    expect(all.triggers.filter((t: { type: string }) => t.type === 'eventbridge').map((t: { id: string }) => t.id).sort()).toEqual(['by-hand', eb.find((t: { sourceName: string }) => t.sourceName === 'nightly').id, 'other'].sort());
  });

  it('list --function finds a target on an alias that has no permission (the silent failure)', async () => {
    const lambda = new LambdaClient(clientConfig(moto.endpoint));
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'report' }));
    const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'report', Name: 'live', FunctionVersion: version.Version ?? '1' }));
    await putTargets(moto.endpoint, 'nightly', [{ Id: 'to-alias', Arn: alias.AliasArn ?? '' }]);
    const doc = (await cli('list', '--function', 'report', '--json')).json();
    expect(doc.triggers).toEqual([expect.objectContaining({ type: 'eventbridge', id: 'to-alias', functionArn: alias.AliasArn })]);
    expect(doc.warnings).toEqual([expect.objectContaining({ code: 'missing-permission', triggerId: 'to-alias' })]);
  });

  it('a rule ARN of another account is refused (exit 2) before any write', async () => {
    const r = await add('arn:aws:events:us-east-1:999999999999:rule/nightly', '--function', 'report', '--pattern', '{"source":["x"]}');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/account 999999999999/);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
    const removal = await cli('remove', 'eventbridge', 'arn:aws:events:us-east-1:999999999999:rule/nightly', '--function', 'report', '--yes');
    expect(removal.code).toBe(2);
  });

  it('a permission for a rule that is gone is an orphan', async () => {
    await addPermission(moto.endpoint, 'report', 'gone-rule', 'events.amazonaws.com', 'arn:aws:events:us-east-1:123456789012:rule/gone');
    const doc = (await cli('list', '--function', 'report', '--json')).json();
    expect(doc.warnings).toEqual([expect.objectContaining({ code: 'orphan-permission', statementId: 'gone-rule', message: expect.stringMatching(/rule gone .*does not exist/) })]);
  });
});

describe('evsrc remove eventbridge', () => {
  it('remove takes evsrc\'s dead-letter statement off the queue policy, keeping the queue\'s other statements', async () => {
    const other = { Sid: 'theirs', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:report-dlq' };
    const dlq = await createQueueWithPolicy(moto.endpoint, 'report-dlq', [other]);
    expect((await add('nightly', '--function', 'report', '--dlq', 'report-dlq')).code).toBe(0);
    expect((await queuePolicyOf(moto.endpoint, dlq.url))?.Statement).toHaveLength(2);
    const r = await cli('remove', 'eventbridge', 'nightly', '--function', 'report', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toEqual(['events:RemoveTargets', 'sqs:SetQueueAttributes', 'lambda:RemovePermission']);
    expect((await queuePolicyOf(moto.endpoint, dlq.url))?.Statement).toEqual([other]);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([]);
  });

  it('removes the target, the permission and the rule evsrc created', async () => {
    await add('uploads', '--function', 'report', '--pattern', '{"source":["aws.s3"]}');
    const r = await cli('remove', 'eventbridge', 'uploads', '--function', 'report', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(apis(r.json())).toEqual(['events:RemoveTargets', 'lambda:RemovePermission', 'events:DeleteRule']);
    expect(await describeRule(moto.endpoint, 'uploads')).toBeUndefined();
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
  });

  it('leaves a rule it did not create, and other targets, in place; on a custom bus too', async () => {
    await putTargets(moto.endpoint, 'nightly', [{ Id: 'keep', Arn: otherArn }]);
    await add('nightly', '--function', 'report');
    const r = await cli('remove', 'eventbridge', 'nightly', '--function', 'report', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(apis(r.json())).toEqual(['events:RemoveTargets', 'lambda:RemovePermission']);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([{ Id: 'keep', Arn: otherArn }]);
    expect(await describeRule(moto.endpoint, 'nightly')).toBeDefined();
    await createBus(moto.endpoint, 'shop');
    await createRule(moto.endpoint, 'paid', { bus: 'shop', pattern: { a: ['b'] } });
    await add('paid', '--event-bus', 'shop', '--function', 'report');
    const custom = await cli('remove', 'eventbridge', 'paid', '--event-bus', 'shop', '--function', 'report', '--yes', '--json');
    expect(custom.code).toBe(0);
    expect(await targetsOf(moto.endpoint, 'paid', 'shop')).toEqual([]);
    expect(await describeRule(moto.endpoint, 'paid', 'shop')).toBeDefined();
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
    const none = await cli('remove', 'eventbridge', 'nightly', '--function', 'report');
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/Nothing to remove: .*report is not a target of rule nightly/);
  });
});

describe('add eventbridge under injected faults', () => {
  it('PutTargets fails after AddPermission: the permission is rolled back (exit 1)', async () => {
    proxy.inject({ match: { operation: 'PutTargets' }, fault: 'server-error', times: Infinity });
    const r = await runCli(['add', 'eventbridge', 'nightly', '--function', 'report', '--json'], proxy.url);
    expect(r.code).toBe(1);
    expect(proxy.callsFor('AddPermission')).toHaveLength(1);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(1);
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([]);
  });

  it('a PutTargets that EventBridge applied but whose answers were all lost: read back, fully wired (exit 0)', async () => {
    proxy.inject({ match: { operation: 'PutTargets' }, fault: 'drop', afterForward: true, times: Infinity });
    const r = await runCli(['add', 'eventbridge', 'nightly', '--function', 'report', '--retry-attempts', '4'], proxy.url);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/events:PutTargets failed .*reading back shows the change was made/);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([expect.objectContaining({ Arn: fnArn, RetryPolicy: { MaximumRetryAttempts: 4 } })]);
    expect(await policyStatementsOf(moto.endpoint, 'report')).toHaveLength(1);
  });

  it('a PutTargets answer with a failed entry rolls back the rule evsrc created and the permission (exit 1)', async () => {
    const body = { FailedEntryCount: 1, FailedEntries: [{ TargetId: 'x', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'busy' }] };
    proxy.inject({ match: { operation: 'PutTargets' }, fault: 'status', status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1' }, times: Infinity });
    const r = await runCli(['add', 'eventbridge', 'fresh', '--function', 'report', '--pattern', '{"source":["a"]}'], proxy.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PutTargets on rule fresh failed for target x: ConcurrentModificationException/);
    expect(await describeRule(moto.endpoint, 'fresh')).toBeUndefined();
    expect(await policyStatementsOf(moto.endpoint, 'report')).toEqual([]);
  });
});

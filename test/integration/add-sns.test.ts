import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createFunction, createQueueWithPolicy, createTopic, policyStatementsOf, queuePolicyOf, subscriptionsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
let fnArn: string;
let topicArn: string;

beforeEach(async () => {
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'notify');
  topicArn = await createTopic(moto.endpoint, 'orders');
});

const add = (...args: string[]) => runCli(['add', 'sns', ...args], moto.endpoint);

describe('evsrc add sns against moto', () => {
  it('subscribes by name with a filter policy and a topic-scoped permission', async () => {
    const r = await add('orders', '--function', 'notify', '--filter-policy', '{"type":["order"]}', '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions.map((a: { api: string }) => a.api)).toEqual(['lambda:AddPermission', 'sns:Subscribe']);
    const subs = await subscriptionsOf(moto.endpoint, topicArn);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ arn: doc.trigger.id, protocol: 'lambda', endpoint: fnArn });
    expect(JSON.parse(subs[0]?.attributes.FilterPolicy ?? '')).toEqual({ type: ['order'] });
    const statements = await policyStatementsOf(moto.endpoint, 'notify');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnLike: { 'AWS:SourceArn': topicArn } } });
  });

  it('a re-run by ARN changes nothing; a new filter is set in place on the same subscription', async () => {
    await add('orders', '--function', 'notify', '--filter-policy', '{"type":["order"]}');
    const first = await subscriptionsOf(moto.endpoint, topicArn);
    const again = await add(topicArn, '--function', fnArn, '--filter-policy', '{ "type": [ "order" ] }', '--json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ changed: false, actions: [] });
    const update = await add(topicArn, '--function', 'notify', '--filter-policy', '{"order":{"kind":["refund"]}}', '--filter-policy-scope', 'MessageBody', '--json');
    expect(update.code).toBe(0);
    expect(update.json().actions.map((a: { api: string; input: { AttributeName: string } }) => `${a.api} ${a.input.AttributeName}`)).toEqual([
      'sns:SetSubscriptionAttributes FilterPolicyScope',
      'sns:SetSubscriptionAttributes FilterPolicy',
    ]);
    const after = await subscriptionsOf(moto.endpoint, topicArn);
    expect(after).toHaveLength(1);
    expect(after[0]?.arn).toBe(first[0]?.arn);
    expect(after[0]?.attributes).toMatchObject({ FilterPolicyScope: 'MessageBody' });
    expect(JSON.parse(after[0]?.attributes.FilterPolicy ?? '')).toEqual({ order: { kind: ['refund'] } });
    expect(await policyStatementsOf(moto.endpoint, 'notify')).toHaveLength(1);
  });

  it('--no-filter-policy takes the filter off in place; a re-run changes nothing', async () => {
    await add('orders', '--function', 'notify', '--filter-policy', '{"type":["order"]}');
    const before = await subscriptionsOf(moto.endpoint, topicArn);
    const r = await add('orders', '--function', 'notify', '--no-filter-policy', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions).toEqual([
      expect.objectContaining({
        api: 'sns:SetSubscriptionAttributes',
        input: { SubscriptionArn: before[0]?.arn, AttributeName: 'FilterPolicy', AttributeValue: '{}' },
        changes: [{ field: 'FilterPolicy', from: { type: ['order'] }, to: null }],
      }),
    ]);
    expect(r.json().trigger.settings).not.toHaveProperty('filterPolicy');
    const after = await subscriptionsOf(moto.endpoint, topicArn);
    expect(after.map((x) => x.arn)).toEqual([before[0]?.arn]);
    expect(JSON.parse(after[0]?.attributes.FilterPolicy || '{}')).toEqual({});
    const again = await add('orders', '--function', 'notify', '--no-filter-policy', '--json');
    expect(again.json()).toMatchObject({ changed: false, actions: [] });
    const bad = await add('orders', '--function', 'notify', '--no-filter-policy', '--filter-policy-scope', 'MessageBody');
    expect(bad.code).toBe(2);
  });

  it('--dlq sets the redrive policy and merges a send statement into the queue policy, keeping the others', async () => {
    const keep = { Sid: 'keep-me', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sqs:*', Resource: '*' };
    const dlq = await createQueueWithPolicy(moto.endpoint, 'orders-dlq', [keep]);
    const r = await add('orders', '--function', 'notify', '--dlq', 'orders-dlq', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toEqual(['lambda:AddPermission', 'sqs:SetQueueAttributes', 'sns:Subscribe']);
    const policy = await queuePolicyOf(moto.endpoint, dlq.url);
    expect(policy?.Statement[0]).toEqual(keep);
    expect(policy?.Statement[1]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlq.arn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn } } });
    const subs = await subscriptionsOf(moto.endpoint, topicArn);
    expect(JSON.parse(subs[0]?.attributes.RedrivePolicy ?? '')).toEqual({ deadLetterTargetArn: dlq.arn });
    // Re-run by queue URL: nothing to do.
    const again = await add('orders', '--function', 'notify', '--dlq', dlq.url, '--json');
    expect(again.json()).toMatchObject({ changed: false });
    expect((await queuePolicyOf(moto.endpoint, dlq.url))?.Statement).toHaveLength(2);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const r = await add('orders', '--function', 'notify', '--filter-policy', '{"a":["b"]}', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. lambda:AddPermission/);
    expect(r.stdout).toMatch(/2\. sns:Subscribe/);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'notify')).toEqual([]);
  });

  it('bad input exits 2, a missing topic or queue exits 3; nothing written', async () => {
    const bad = await add('orders', '--function', 'notify', '--filter-policy', '{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--filter-policy: .*at most 5 keys/);
    const nested = await add('orders', '--function', 'notify', '--filter-policy', '{"a":{"b":["c"]}}');
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/--filter-policy-scope MessageBody/);
    const missing = await add('no-topic', '--function', 'notify');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/topic arn:aws:sns:us-east-1:123456789012:no-topic does not exist/);
    const noQueue = await add('orders', '--function', 'notify', '--dlq', 'no-queue');
    expect(noQueue.code).toBe(3);
    expect(await subscriptionsOf(moto.endpoint, topicArn)).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'notify')).toEqual([]);
  });
});

import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { parseTypes } from '../../src/commands/list.js';
import { grantsOf as grantsWith } from '../../src/mechanisms/permission/grants.js';
import { planMappingRemoval as planMappingRemovalOf } from '../../src/mechanisms/esm/lifecycle.js';
import { SQS_SETTING_KEYS } from '../../src/sources/sqs.js';
import { pushTypeOfPrincipal } from '../../src/sources/registry.js';
import { parseEventSelector, planS3Removal, selectsEntry, type S3Selector } from '../../src/sources/s3/removal.js';
import { planSnsRemoval } from '../../src/sources/sns/removal.js';
import type { Inventory } from '../../src/inventory/model.js';
import { PartialApplyError } from '../../src/core/errors.js';
import { describePartialRemoval } from '../../src/removal/partial.js';
import { CANNOT_UNDO } from '../../src/removal/plan.js';
import { parseRemoveRequest } from '../../src/removal/resolve.js';
import { renderListText, settingsLine } from '../../src/render/list.js';
import { parsePolicy } from '../../src/mechanisms/permission/policy.js';
import type { NotificationConfiguration } from '../../src/sources/s3/notifications.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const OTHER = 'arn:aws:lambda:us-east-1:123456789012:function:worker-admin';
const BUCKET = 'arn:aws:s3:::uploads';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const plain = new Chalk({ level: 0 });
const grantsOf = (statements: Parameters<typeof grantsWith>[0], fnArn: string) => grantsWith(statements, fnArn, pushTypeOfPrincipal);
const planMappingRemoval = (type: string, source: { arn: string; name: string }, functionArn: string, mappings: Parameters<typeof planMappingRemovalOf>[3]) =>
  planMappingRemovalOf(type, source, functionArn, mappings, SQS_SETTING_KEYS);

const statement = (sid: string, principal: string, sources: string[] | string, resource = FN) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { Service: principal },
  Action: 'lambda:InvokeFunction',
  Resource: resource,
  Condition: { ArnLike: { 'AWS:SourceArn': sources } },
});
const grants = grantsOf(
  parsePolicy(
    JSON.stringify({
      Statement: [
        statement('mine', 's3.amazonaws.com', BUCKET),
        statement('shared', 's3.amazonaws.com', [BUCKET, 'arn:aws:s3:::other']),
        statement('topic', 'sns.amazonaws.com', TOPIC),
        statement('admin', 's3.amazonaws.com', BUCKET, OTHER),
      ],
    }),
  ),
  FN,
).filter((g) => g.functionArn === FN);

const CONFIG: NotificationConfiguration = {
  TopicConfigurations: [{ Id: 't', TopicArn: TOPIC, Events: ['s3:ObjectRemoved:*'] }],
  QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'q/' }] } } }],
  LambdaFunctionConfigurations: [
    { Id: 'a', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'in/' }] } } },
    { Id: 'admin', LambdaFunctionArn: OTHER, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'admin/' }] } } },
    { Id: 'b', LambdaFunctionArn: FN, Events: ['s3:ObjectRemoved:Delete', 's3:ObjectRestore:*'], Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.csv' }] } } },
  ],
  EventBridgeConfiguration: {},
};

describe('planS3Removal', () => {
  it('drops the function\'s entries in one PUT that keeps every other part, then removes only exact permissions', () => {
    const plan = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: CONFIG, selector: {}, grants, partition: 'aws' });
    expect(plan.actions.map((a) => a.api)).toEqual(['s3:PutBucketNotificationConfiguration', 'lambda:RemovePermission']);
    const written = plan.actions[0]?.input.NotificationConfiguration as NotificationConfiguration;
    expect(written).toEqual({ ...CONFIG, LambdaFunctionConfigurations: [CONFIG.LambdaFunctionConfigurations![1]] });
    expect(written.EventBridgeConfiguration).toEqual({});
    expect(plan.actions[1]?.input).toEqual({ FunctionName: FN, StatementId: 'mine' });
    expect(plan.warnings).toEqual([{ code: 'shared-permission-kept', message: expect.stringMatching(/statement shared also lets other sources invoke/) }]);
    expect(plan.removed.map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('narrowed by flags, it keeps the permission while another entry still sends to the function', () => {
    const plan = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: CONFIG, selector: { prefix: 'in/' }, grants, partition: 'aws' });
    expect(plan.actions.map((a) => a.api)).toEqual(['s3:PutBucketNotificationConfiguration']);
    expect(plan.notes.join()).toMatch(/still sends .* \(b\); its permission for the bucket is kept/);
  });

  it('selects entries by exact events set, prefix, suffix and id', () => {
    const b = CONFIG.LambdaFunctionConfigurations![2]!;
    expect(selectsEntry(b, FN, { events: ['s3:ObjectRestore:*', 's3:ObjectRemoved:Delete'] })).toBe(true);
    expect(selectsEntry(b, FN, { events: ['s3:ObjectRemoved:Delete'] })).toBe(false);
    expect(selectsEntry(b, FN, { suffix: '.csv', id: 'b' })).toBe(true);
    expect(selectsEntry(b, FN, { prefix: '' })).toBe(true);
    expect(selectsEntry(b, FN, { prefix: 'x/' })).toBe(false);
    expect(selectsEntry(b, OTHER, {})).toBe(false);
  });

  it('nothing to remove: the note says the permission is kept when it is, and "no permission" only without a grant', () => {
    const kept = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: CONFIG, selector: { id: 'nope' }, grants, partition: 'aws' });
    expect(kept.actions).toEqual([]);
    expect(kept.notes).toEqual([
      `no notification on uploads sends to ${FN} with the given --events/--prefix/--suffix/--id`,
      expect.stringMatching(/^2 other entries on uploads still send to .*worker \(a, b\); its permission for the bucket is kept$/),
    ]);
    const bare = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: {}, selector: {}, grants: [], partition: 'aws' });
    expect(bare.notes).toEqual([`no notification on uploads sends to ${FN}, and it has no permission for the bucket`]);
    const ungranted = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: CONFIG, selector: { id: 'nope' }, grants: [], partition: 'aws' });
    expect(ungranted.notes).toEqual([
      `no notification on uploads sends to ${FN} with the given --events/--prefix/--suffix/--id, and it has no permission for the bucket`,
      expect.stringMatching(/^2 other entries on uploads still send to .*worker \(a, b\)$/),
    ]);
  });

  it('a missing bucket leaves only its permission to remove; nothing at all is an empty plan', () => {
    const gone = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, selector: {}, grants, partition: 'aws' });
    expect(gone.actions.map((a) => a.input.StatementId)).toEqual(['mine']);
    expect(gone.notes).toEqual(['bucket uploads does not exist']);
    const none = planS3Removal({ bucket: 'uploads', bucketArn: BUCKET, functionArn: FN, config: {}, selector: {}, grants: [], partition: 'aws' });
    expect(none.actions).toEqual([]);
  });
});

describe('planSnsRemoval and planMappingRemoval', () => {
  it('unsubscribes this function only, then removes its permission', () => {
    const plan = planSnsRemoval({
      topicArn: TOPIC,
      topicName: 'alerts',
      functionArn: FN,
      subscriptions: [
        { SubscriptionArn: `${TOPIC}:1`, Protocol: 'lambda', Endpoint: FN, TopicArn: TOPIC },
        { SubscriptionArn: `${TOPIC}:2`, Protocol: 'lambda', Endpoint: OTHER, TopicArn: TOPIC },
        { SubscriptionArn: `${TOPIC}:3`, Protocol: 'sqs', Endpoint: FN, TopicArn: TOPIC },
      ],
      grants,
    });
    expect(plan.actions.map((a) => [a.api, a.input.SubscriptionArn ?? a.input.StatementId])).toEqual([
      ['sns:Unsubscribe', `${TOPIC}:1`],
      ['lambda:RemovePermission', 'topic'],
    ]);
    expect(plan.actions[0]?.region).toBe('us-east-1');
  });

  it('keeps the permission while a subscription of the function to the topic is pending confirmation', () => {
    const pending = { SubscriptionArn: 'PendingConfirmation', Protocol: 'lambda', Endpoint: FN, TopicArn: TOPIC };
    const plan = planSnsRemoval({
      topicArn: TOPIC,
      topicName: 'alerts',
      functionArn: FN,
      subscriptions: [{ SubscriptionArn: `${TOPIC}:1`, Protocol: 'lambda', Endpoint: FN, TopicArn: TOPIC }, pending],
      grants,
    });
    expect(plan.actions.map((a) => a.api)).toEqual(['sns:Unsubscribe']);
    expect(plan.notes).toEqual([expect.stringMatching(/its permission for the topic is kept while a subscription of .*worker to alerts is pending confirmation/)]);
    expect(plan.warnings).toEqual([{ code: 'subscription-pending-confirmation', message: expect.stringMatching(/pending confirmation; SNS cannot unsubscribe it/) }]);
    // With only the pending one, nothing is removed, and the note does not claim there is no permission.
    const only = planSnsRemoval({ topicArn: TOPIC, topicName: 'alerts', functionArn: FN, subscriptions: [pending], grants });
    expect(only.actions).toEqual([]);
    expect(only.notes.join('; ')).toMatch(/permission for the topic is kept/);
    expect(only.notes.join('; ')).not.toMatch(/not subscribed|no permission/);
    // A subscription of another function that is pending does not hold this function's permission.
    const theirs = planSnsRemoval({ topicArn: TOPIC, topicName: 'alerts', functionArn: FN, subscriptions: [{ ...pending, Endpoint: OTHER }], grants });
    expect(theirs.actions.map((a) => a.api)).toEqual(['lambda:RemovePermission']);
  });

  it('nothing to remove says only what is true', () => {
    const none = planSnsRemoval({ topicArn: TOPIC, topicName: 'alerts', functionArn: FN, subscriptions: [], grants: [] });
    expect(none.notes).toEqual([`${FN} is not subscribed to alerts and has no permission for it`]);
  });

  it('deletes each mapping with the ResourceInUse retry', () => {
    const plan = planMappingRemoval('sqs', { arn: 'arn:aws:sqs:us-east-1:1:q', name: 'q' }, FN, [{ UUID: 'u', EventSourceArn: 'arn:aws:sqs:us-east-1:1:q', FunctionArn: FN }]);
    expect(plan.actions).toMatchObject([{ api: 'lambda:DeleteEventSourceMapping', input: { UUID: 'u' }, retry: [{ errorNames: ['ResourceInUseException'] }] }]);
    expect(plan.removed).toMatchObject([{ type: 'sqs', id: 'u' }]);
  });
});

describe('parseRemoveRequest and parseTypes', () => {
  it('accepts a UUID alone, or a type, a source and --function', async () => {
    expect(await parseRemoveRequest('6C9F2A1E-0D1B-4D0A-9A52-3F1B2C4D5E6F', undefined, {})).toEqual({ kind: 'uuid', uuid: '6C9F2A1E-0D1B-4D0A-9A52-3F1B2C4D5E6F' });
    expect(await parseRemoveRequest('S3', 'uploads', { function: 'worker:live', events: ['s3:ObjectCreated:*'], prefix: 'in/' })).toMatchObject({
      kind: 'source',
      type: 's3',
      fn: { name: 'worker', qualifier: 'live' },
      source: { selector: { events: ['s3:ObjectCreated:*'], prefix: 'in/' } },
    });
  });

  it('--events of remove s3 is the exact set: a type next to its own wildcard is kept, each name is checked', async () => {
    const request = await parseRemoveRequest('s3', 'uploads', { function: 'worker', events: ['s3:ObjectCreated:*,s3:ObjectCreated:Put', 's3:ObjectCreated:Put'] });
    expect(request).toMatchObject({ source: { selector: { events: ['s3:ObjectCreated:*', 's3:ObjectCreated:Put'] } } });
    const both = { Id: 'both', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:*'] };
    expect(selectsEntry(both, FN, (request as { source: { selector: S3Selector } }).source.selector)).toBe(true);
    expect(selectsEntry(both, FN, { events: ['s3:ObjectCreated:*'] })).toBe(false);
    expect(parseEventSelector(['s3:ObjectRemoved:*'])).toEqual(['s3:ObjectRemoved:*']);
    expect(() => parseEventSelector(['s3:ObjectCreated:*,s3:ObjectCreated:Puut'])).toThrow(/--events: invalid value "s3:ObjectCreated:Puut"; did you mean "s3:ObjectCreated:Put"/);
    expect(() => parseEventSelector([' , '])).toThrow(/--events/);
  });

  it('parses the source of a mapping type: names, ARNs, and which ARNs match only themselves', async () => {
    const table = 'arn:aws:dynamodb:us-east-1:123456789012:table/users';
    const stream = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';
    const cases: [string, string, unknown][] = [
      ['sqs', 'orders', { type: 'sqs', queue: { kind: 'name', name: 'orders' } }],
      ['dynamodb', 'users', { type: 'dynamodb', name: 'users', exact: false }],
      ['dynamodb', table, { type: 'dynamodb', name: 'users', arn: table, exact: false }],
      ['dynamodb', `${table}/stream/2024`, { type: 'dynamodb', name: 'users', arn: `${table}/stream/2024`, exact: true }],
      ['kinesis', 'clicks', { type: 'kinesis', name: 'clicks', exact: false }],
      ['kinesis', stream, { type: 'kinesis', name: 'clicks', arn: stream, exact: false }],
      ['kinesis', `${stream}/consumer/c:1`, { type: 'kinesis', name: 'clicks', arn: `${stream}/consumer/c:1`, exact: true }],
    ];
    for (const [type, source, mappingSource] of cases) {
      expect(await parseRemoveRequest(type, source, { function: 'worker' }), `${type} ${source}`).toMatchObject({ source: mappingSource });
    }
    expect(await parseRemoveRequest('s3', 'uploads', { function: 'worker' })).toMatchObject({ source: { bucket: { name: 'uploads' } } });
  });

  it('refuses what does not fit', async () => {
    await expect(parseRemoveRequest('6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f', 'x', {})).rejects.toThrow(/takes no source argument/);
    await expect(parseRemoveRequest('6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f', undefined, { function: 'w' })).rejects.toThrow(/--function is not needed/);
    await expect(parseRemoveRequest('sns', 'alerts', { function: 'w', id: 'x' })).rejects.toThrow(/--id: only for remove s3/);
    await expect(parseRemoveRequest('sqs', 'q', { function: 'bad name' })).rejects.toThrow(/--function/);
    // The source of a mapping type is checked here too, before any AWS call.
    await expect(parseRemoveRequest('kinesis', 'a b', { function: 'nofn' })).rejects.toThrow(/<stream>: "a b" is not a Kinesis stream name or ARN/);
    await expect(parseRemoveRequest('kinesis', 'arn:aws:sqs:us-east-1:123456789012:q', { function: 'w' })).rejects.toThrow(/<stream>: .* is not a Kinesis stream or consumer ARN/);
    await expect(parseRemoveRequest('dynamodb', 'ab', { function: 'w' })).rejects.toThrow(/<table>: "ab" is not a DynamoDB table name/);
    await expect(parseRemoveRequest('dynamodb', 'arn:aws:dynamodb:us-east-1:123456789012:index/x', { function: 'w' })).rejects.toThrow(/<table>: .* is not a DynamoDB table or stream ARN/);
    await expect(parseRemoveRequest('sqs', 'bad queue!', { function: 'w' })).rejects.toThrow(/<queue>: "bad queue!" is not a queue name/);
    expect(parseTypes(['sqs,S3', 'sns'])).toEqual(new Set(['sqs', 's3', 'sns']));
    expect(() => parseTypes(['iot'])).toThrow(/--type: invalid value "iot"/);
  });
});

describe('list rendering', () => {
  it('shows main settings without defaults', () => {
    expect(settingsLine({ type: 'kinesis', id: 'u', sourceArn: '', functionArn: FN, settings: { batchSize: 100, batchingWindow: 0, retryAttempts: -1, bisectOnError: true, filters: [], enabled: true } })).toBe(
      'batchSize=100 bisectOnError',
    );
  });

  it('groups by function, marks flagged triggers and counts', () => {
    const inventory: Inventory = {
      scope: 'region',
      region: 'us-east-1',
      functions: [FN, OTHER, `${FN}-idle`],
      permissionsChecked: false,
      triggers: [
        { type: 'sqs', id: 'u1', sourceArn: 'arn:aws:sqs:us-east-1:1:q', sourceName: 'q', functionArn: FN, state: 'Disabled', stateTransitionReason: 'PROBLEM: queue gone', settings: { batchSize: 10 } },
        { type: 's3', id: 'e', sourceArn: BUCKET, sourceName: 'uploads', functionArn: `${OTHER}:live`, settings: { events: ['s3:ObjectCreated:*'] } },
      ],
      warnings: [{ code: 'disabled-by-lambda', message: 'mapping u1 was disabled by Lambda', functionArn: FN, triggerId: 'u1' }],
    };
    const text = renderListText(inventory, plain);
    expect(text).toContain('worker  arn:aws:lambda:us-east-1:123456789012:function:worker\n');
    expect(text).toMatch(/^! sqs {3}q {7}u1 {2}Disabled \(PROBLEM: queue gone\) {2}batchSize=10$/m);
    expect(text).toContain('worker-admin:live  ');
    expect(text).toContain('! disabled-by-lambda: mapping u1 was disabled by Lambda');
    expect(text).toContain('2 triggers on 2 of 3 functions, 1 problem.');
    expect(text).toContain('Permissions were not checked');
  });
});

describe('describePartialRemoval', () => {
  const actions = planSnsRemoval({
    topicArn: TOPIC,
    topicName: 'alerts',
    functionArn: FN,
    subscriptions: [{ SubscriptionArn: `${TOPIC}:1`, Protocol: 'lambda', Endpoint: FN, TopicArn: TOPIC }],
    grants,
  }).actions;
  const serverError = Object.assign(new Error('We encountered an internal error'), { name: 'ServiceException', $metadata: { httpStatusCode: 500 } });

  it('every removal step is marked as one that cannot be undone, so the executor reports a partial removal', () => {
    expect(actions.map((a) => a.undo?.({}))).toEqual([undefined, undefined]);
    expect(actions.every((a) => a.undo === CANNOT_UNDO)).toBe(true);
  });

  it('names the steps that ran and those that did not; a 5xx may still have been carried out', () => {
    const partial = new PartialApplyError('x', [actions[0]!.summary], { cause: serverError });
    const error = describePartialRemoval(partial, actions, new Set([actions[0]!.input])) as PartialApplyError;
    expect(error).toBeInstanceOf(PartialApplyError);
    expect(error.exitCode).toBe(4);
    expect(error.remaining).toEqual([actions[1]!.summary]);
    expect(error.message).toMatch(/^ServiceException: We encountered an internal error; the removal stopped partway: removed: unsubscribe .* not removed: remove permission topic .*\(lambda:RemovePermission failed; it may have been carried out even so\)$/);
    expect(error.hint).toMatch(/run the same evsrc remove again/);
  });

  it('any other error is passed on unchanged: nothing was removed', () => {
    expect(describePartialRemoval(serverError, actions, new Set())).toBe(serverError);
  });
});

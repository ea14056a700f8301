import { describe, expect, it } from 'vitest';
import { runAdd } from '../../src/commands/add.js';
import { runList } from '../../src/commands/list.js';
import { settleDelay } from '../../src/core/poll.js';
import { queueArnOfUrl } from '../../src/sources/sqs.js';
import { CONTESTED_QUIET_MIN_MS, QUIET_PERIOD_MIN_MS } from '../../src/sources/s3/add.js';
import { awsError, roundsContext, roundsSession, type Answer } from '../helpers/rounds.js';

// Sequential rounds and calls of each command against a fake session whose calls overlap in time like
// real ones: the targets of issue 11 (each AWS call 100 ms away, the rounds are what a person waits for).

const ACCOUNT = '123456789012';
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:worker`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`;
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/orders`;

const fnConfig = () => ({ FunctionArn: FN, FunctionName: 'worker', Timeout: 3, Role: `arn:aws:iam::${ACCOUNT}:role/worker` });

/** An SQS world: one queue, one function, no mappings; a new mapping is ready after `readyAfter` reads. */
function sqsWorld(options: { queueArn?: string; readyAfter?: number } = {}): Answer {
  let reads = 0;
  const mapping = (state: string) => ({ UUID: 'm-1', State: state, EventSourceArn: options.queueArn ?? QUEUE, FunctionArn: FN, BatchSize: 10 });
  return (_service, operation) => {
    switch (operation) {
      case 'GetFunctionConfiguration':
        return fnConfig();
      case 'GetQueueUrl':
        return { QueueUrl: QUEUE_URL };
      case 'GetQueueAttributes':
        return { Attributes: { QueueArn: options.queueArn ?? QUEUE, VisibilityTimeout: '60' } };
      case 'ListEventSourceMappings':
        return { EventSourceMappings: [] };
      case 'CreateEventSourceMapping':
        return mapping('Creating');
      case 'GetEventSourceMapping':
        reads += 1;
        return mapping(reads >= (options.readyAfter ?? 1) ? 'Enabled' : 'Creating');
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
}

const beforePoll = (fake: ReturnType<typeof roundsSession>) => Math.max(...fake.calls.filter((c) => c.operation !== 'GetEventSourceMapping').map((c) => c.round));

describe('add sqs: three rounds to a created mapping', () => {
  it('by name: the function and the URL, then the attributes beside the mappings listed by the ARN the URL names, then the create', async () => {
    const fake = roundsSession(sqsWorld());
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 'sqs', 'orders', { function: 'worker' })).toBe(0);
    expect(fake.byRound().slice(0, 3)).toEqual([
      ['GetFunctionConfiguration', 'GetQueueUrl'],
      ['GetQueueAttributes', 'ListEventSourceMappings'],
      ['CreateEventSourceMapping'],
    ]);
    expect(beforePoll(fake)).toBe(3);
    expect(fake.calls.find((c) => c.operation === 'ListEventSourceMappings')?.input.EventSourceArn).toBe(QUEUE);
    expect(fake.calls).toHaveLength(6);
  });

  it('by URL or ARN: the first round already reads the queue and its mappings', async () => {
    for (const source of [QUEUE_URL, QUEUE]) {
      const fake = roundsSession(sqsWorld());
      const { ctx } = roundsContext(fake.aws);
      expect(await runAdd(ctx, 'sqs', source, { function: 'worker' })).toBe(0);
      expect(beforePoll(fake), source).toBe(source === QUEUE ? 3 : 2);
    }
  });

  it('a queue whose ARN is not the one its URL names is listed again by its real ARN (correct, one round more)', async () => {
    const other = `arn:aws:sqs:us-east-1:${ACCOUNT}:renamed`;
    const fake = roundsSession(sqsWorld({ queueArn: other }));
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 'sqs', 'orders', { function: 'worker' })).toBe(0);
    expect(fake.calls.filter((c) => c.operation === 'ListEventSourceMappings').map((c) => c.input.EventSourceArn)).toEqual([QUEUE, other]);
    expect(fake.calls.find((c) => c.operation === 'CreateEventSourceMapping')?.input.EventSourceArn).toBe(other);
  });

  it('a queue that does not exist is exit 3, named, with no mapping listed', async () => {
    const world = sqsWorld();
    const fake = roundsSession((s, op, input) => {
      if (op === 'GetQueueUrl') throw awsError('QueueDoesNotExist');
      return world(s, op, input);
    });
    const { ctx } = roundsContext(fake.aws);
    await expect(runAdd(ctx, 'sqs', 'orders', { function: 'worker' })).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('queue orders does not exist') });
    expect(fake.count('ListEventSourceMappings')).toBe(0);
  });

  it('derives queue ARNs from AWS and emulator URLs', () => {
    expect(queueArnOfUrl(QUEUE_URL, 'eu-west-1')).toBe(QUEUE);
    expect(queueArnOfUrl(`http://127.0.0.1:5000/${ACCOUNT}/orders`, 'eu-west-1')).toBe(`arn:aws:sqs:eu-west-1:${ACCOUNT}:orders`);
    expect(queueArnOfUrl(`https://sqs.cn-north-1.amazonaws.com.cn/${ACCOUNT}/q.fifo`, 'us-east-1')).toBe(`arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:q.fifo`);
    expect(queueArnOfUrl('not a url', 'us-east-1')).toBeUndefined();
  });
});

describe('a new mapping\'s state: polled soon, then backing off', () => {
  it('the waits start at 100 ms and grow to 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => settleDelay(n))).toEqual([100, 250, 500, 1000, 1500, 2250, 3375, 5000]);
  });

  it('a mapping ready after 300 ms is seen after 350 ms of waiting, not a second', async () => {
    const fake = roundsSession(sqsWorld({ readyAfter: 2 }));
    const { ctx, sleeps, stdout } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 'sqs', 'orders', { function: 'worker' })).toBe(0);
    expect(sleeps).toEqual([100, 250]);
    expect(fake.count('GetEventSourceMapping')).toBe(2);
    expect(JSON.parse(stdout()).trigger.state).toBe('Enabled');
  });
});

/** An S3 world: a bucket in us-east-1 with the notification configuration `initial`; `afterPut` plays another writer. */
function s3World(options: { initial?: object; afterPut?: (config: object) => object; policy?: string } = {}) {
  let config: object = options.initial ?? {};
  const answer: Answer = (_service, operation, input) => {
    switch (operation) {
      case 'GetFunctionConfiguration':
        return fnConfig();
      case 'GetBucketLocation':
        return { LocationConstraint: null };
      case 'GetBucketNotificationConfiguration':
        return structuredClone(config);
      case 'GetPolicy':
        if (!options.policy) throw awsError('ResourceNotFoundException', 404);
        return { Policy: options.policy };
      case 'AddPermission':
        return { Statement: '{}' };
      case 'PutBucketNotificationConfiguration':
        config = structuredClone(input.NotificationConfiguration as object);
        if (options.afterPut) config = options.afterPut(config);
        return {};
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
  return { answer, current: () => config };
}

describe('add s3: four rounds, and one quiet wait as long as its own read-merge-write took', () => {
  it('reads everything in the first round, then the permission beside a fresh read, the PUT and one read-back', async () => {
    const world = s3World();
    const fake = roundsSession(world.answer);
    const { ctx, sleeps } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 's3', 'uploads', { function: 'worker', events: ['s3:ObjectCreated:*'] })).toBe(0);
    expect(fake.byRound()).toEqual([
      ['GetBucketLocation', 'GetBucketNotificationConfiguration', 'GetFunctionConfiguration', 'GetPolicy'],
      // The configuration is read again beside the permission: the PUT merges onto the latest read.
      ['AddPermission', 'GetBucketNotificationConfiguration'],
      ['PutBucketNotificationConfiguration'],
      ['GetBucketNotificationConfiguration'],
    ]);
    // The read-back waits for a writer that read the bucket before the PUT (here: the shortest wait).
    expect(sleeps).toEqual([QUIET_PERIOD_MIN_MS]);
    // The policy is read by the name given; the PUT names the owner (the function's account).
    expect(fake.calls.find((c) => c.operation === 'GetPolicy')?.input).toEqual({ FunctionName: 'worker' });
    expect(fake.calls.find((c) => c.operation === 'PutBucketNotificationConfiguration')?.input.ExpectedBucketOwner).toBe(ACCOUNT);
  });

  it('the first read names the owner when it is known before the function is (--source-account or a function ARN)', async () => {
    const fake = roundsSession(s3World().answer);
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 's3', 'uploads', { function: FN, events: ['s3:ObjectCreated:*'] })).toBe(0);
    expect(fake.calls.find((c) => c.operation === 'GetBucketNotificationConfiguration')?.input).toEqual({ Bucket: 'uploads', ExpectedBucketOwner: ACCOUNT });
    expect(fake.rounds()).toBe(4);
  });

  it('when the read-back shows another writer\'s change, waits longer (a contested quiet period) and reads again', async () => {
    const theirs = { Id: 'theirs', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'] };
    const world = s3World({ afterPut: (c) => ({ ...c, QueueConfigurations: [theirs] }) });
    const fake = roundsSession(world.answer);
    const { ctx, sleeps } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 's3', 'uploads', { function: 'worker', events: ['s3:ObjectCreated:*'] })).toBe(0);
    expect(sleeps).toEqual([QUIET_PERIOD_MIN_MS, CONTESTED_QUIET_MIN_MS]);
    expect(fake.count('GetBucketNotificationConfiguration')).toBe(4);
    expect(fake.count('PutBucketNotificationConfiguration')).toBe(1);
  });

  it('merges onto the fresh read: an entry another writer added after the first read is kept, with no re-merge round', async () => {
    const theirs = { Id: 'theirs', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'] };
    let reads = 0;
    const world = s3World();
    // From the second read on (the fresh one beside AddPermission), another writer's entry is there.
    const answer: Answer = (service, operation, input) => {
      if (operation === 'GetBucketNotificationConfiguration' && ++reads === 2) return { QueueConfigurations: [theirs] };
      return world.answer(service, operation, input);
    };
    const fake = roundsSession(answer);
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 's3', 'uploads', { function: 'worker', events: ['s3:ObjectCreated:*'] })).toBe(0);
    const put = fake.calls.find((c) => c.operation === 'PutBucketNotificationConfiguration')?.input.NotificationConfiguration as { QueueConfigurations?: object[]; LambdaFunctionConfigurations?: object[] };
    expect(put.QueueConfigurations).toEqual([theirs]);
    expect(put.LambdaFunctionConfigurations).toHaveLength(1);
    expect(fake.count('PutBucketNotificationConfiguration')).toBe(1);
  });

  it('a bucket in another region is refused from the location, whatever the other reads said', async () => {
    const world = s3World();
    const fake = roundsSession((s, op, input) => (op === 'GetBucketLocation' ? { LocationConstraint: 'eu-west-1' } : world.answer(s, op, input)));
    const { ctx } = roundsContext(fake.aws);
    await expect(runAdd(ctx, 's3', 'uploads', { function: 'worker', events: ['s3:ObjectCreated:*'] })).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('is in eu-west-1') });
    expect(fake.count('AddPermission')).toBe(0);
  });
});

const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;

/** An SNS world: one topic, its subscriptions as given. */
function snsWorld(subscriptions: object[] = []): Answer {
  return (_service, operation) => {
    switch (operation) {
      case 'GetFunctionConfiguration':
        return fnConfig();
      case 'GetPolicy':
        throw awsError('ResourceNotFoundException', 404);
      case 'GetTopicAttributes':
        return { Attributes: { TopicArn: TOPIC } };
      case 'ListSubscriptionsByTopic':
        return { Subscriptions: subscriptions };
      case 'GetSubscriptionAttributes':
        return { Attributes: {} };
      case 'AddPermission':
        return { Statement: '{}' };
      case 'Subscribe':
        return { SubscriptionArn: `${TOPIC}:sub-1` };
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
}

describe('add sns: four rounds', () => {
  it('by topic name: the function beside its policy, then the topic beside its subscriptions, then the permission and the subscription', async () => {
    const fake = roundsSession(snsWorld());
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 'sns', 'alerts', { function: 'worker' })).toBe(0);
    expect(fake.byRound()).toEqual([['GetFunctionConfiguration', 'GetPolicy'], ['GetTopicAttributes', 'ListSubscriptionsByTopic'], ['AddPermission'], ['Subscribe']]);
  });

  it('by topic ARN: the topic is read in the first round too', async () => {
    const fake = roundsSession(snsWorld());
    const { ctx } = roundsContext(fake.aws);
    expect(await runAdd(ctx, 'sns', TOPIC, { function: 'worker' })).toBe(0);
    expect(fake.byRound()[0]).toEqual(['GetFunctionConfiguration', 'GetPolicy', 'GetTopicAttributes']);
    expect(fake.rounds()).toBe(4);
  });

  it('a topic that does not exist is exit 3 and named, though its subscriptions were asked for beside it', async () => {
    const fake = roundsSession((s, op, input) => {
      if (op === 'GetTopicAttributes' || op === 'ListSubscriptionsByTopic') throw awsError('NotFound', 404);
      return snsWorld()(s, op, input);
    });
    const { ctx } = roundsContext(fake.aws);
    await expect(runAdd(ctx, 'sns', 'alerts', { function: 'worker' })).rejects.toMatchObject({ exitCode: 3, message: `topic ${TOPIC} does not exist` });
  });
});

/** A function with an SQS mapping, an S3 notification and an SNS subscription, each with what it needs. */
function listWorld(): Answer {
  const grant = (sid: string, service: string, source: string) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: `${service}.amazonaws.com` },
    Action: 'lambda:InvokeFunction',
    Resource: FN,
    Condition: { ArnLike: { 'AWS:SourceArn': source } },
  });
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [grant('s3', 's3', 'arn:aws:s3:::uploads'), grant('sns', 'sns', TOPIC)] });
  return (_service, operation, input) => {
    switch (operation) {
      case 'GetFunctionConfiguration':
        return fnConfig();
      case 'ListAliases':
        return { Aliases: [] };
      case 'ListEventSourceMappings':
        return { EventSourceMappings: input.FunctionName === FN ? [{ UUID: 'm-1', State: 'Enabled', EventSourceArn: QUEUE, FunctionArn: FN, BatchSize: 10 }] : [] };
      case 'GetPolicy':
        return { Policy: policy };
      case 'GetBucketNotificationConfiguration':
        return { LambdaFunctionConfigurations: [{ Id: 'n-1', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] }] };
      case 'GetQueueUrl':
        return { QueueUrl: QUEUE_URL };
      case 'ListSubscriptionsByTopic':
        return { Subscriptions: [{ SubscriptionArn: `${TOPIC}:s-1`, Protocol: 'lambda', Endpoint: FN, TopicArn: TOPIC }] };
      case 'GetSubscriptionAttributes':
        return { Attributes: {} };
      case 'ListEventBuses':
        return { EventBuses: [{ Name: 'default', Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` }] };
      case 'ListRuleNamesByTarget':
        return { RuleNames: [] };
      default:
        return {};
    }
  };
}

describe('list --function: three rounds', () => {
  it('starts from the name given: aliases, mappings and policy beside GetFunctionConfiguration', async () => {
    const fake = roundsSession(listWorld());
    const { ctx, stdout } = roundsContext(fake.aws);
    expect(await runList(ctx, { function: 'worker' })).toBe(0);
    const rounds = fake.byRound();
    expect(rounds[0]).toEqual(['GetFunctionConfiguration', 'GetPolicy', 'ListAliases', 'ListEventSourceMappings']);
    expect(fake.rounds()).toBeLessThanOrEqual(3);
    // Listed by the name given first, by the ARN once it is known.
    expect(fake.calls.filter((c) => c.operation === 'ListEventSourceMappings').map((c) => c.input.FunctionName)).toEqual(['worker', FN]);
    const doc = JSON.parse(stdout());
    expect(doc.triggers.map((t: { type: string }) => t.type).sort()).toEqual(['s3', 'sns', 'sqs']);
  });

  it('loads the SDK clients ahead while the first calls fly, and then only those of the types that showed up', async () => {
    const fake = roundsSession(listWorld());
    const asked: { services: readonly string[]; wanted: (service: string) => boolean }[] = [];
    fake.aws.preload = (services, wanted = () => true) => asked.push({ services, wanted: wanted as (service: string) => boolean });
    const { ctx } = roundsContext(fake.aws);
    expect(await runList(ctx, { function: 'worker' })).toBe(0);
    expect(asked).toHaveLength(1);
    const { services, wanted } = asked[0] as (typeof asked)[number];
    // EventBridge targets need no grant, so its client comes first; then every wanted type's, in registry order.
    expect(services).toEqual(['events', 'sqs', 's3', 'sns', 'dynamodb', 'kinesis', 'logs']);
    // S3 and SNS grants: their clients. The SQS mapping is listed by the function's ARN only (as moto does),
    // so the first round does not show it: its client loads at its first call. No DynamoDB, Kinesis or Logs.
    expect(services.filter(wanted)).toEqual(['events', 's3', 'sns']);

    // Listed by the name given (as AWS does), the mapping shows in the first round: the SQS client too.
    const byName = roundsSession((service, op, input) =>
      listWorld()(service, op, op === 'ListEventSourceMappings' && input.FunctionName === 'worker' ? { ...input, FunctionName: FN } : input),
    );
    const again: typeof asked = [];
    byName.aws.preload = (list, keep = () => true) => again.push({ services: list, wanted: keep as (service: string) => boolean });
    expect(await runList(roundsContext(byName.aws).ctx, { function: 'worker' })).toBe(0);
    expect(again[0]?.services.filter(again[0].wanted)).toEqual(['events', 'sqs', 's3', 'sns']);
  });

  it('with --type sqs, the policy is not read', async () => {
    const fake = roundsSession(listWorld());
    const { ctx } = roundsContext(fake.aws);
    expect(await runList(ctx, { function: 'worker', type: 'sqs' })).toBe(0);
    expect(fake.count('GetPolicy')).toBe(0);
  });

  it('a function that does not exist is exit 3, whatever the reads started beside it said', async () => {
    const fake = roundsSession((s, op, input) => {
      if (['GetFunctionConfiguration', 'GetPolicy', 'ListAliases'].includes(op)) throw awsError('ResourceNotFoundException', 404);
      return listWorld()(s, op, input);
    });
    const { ctx } = roundsContext(fake.aws);
    await expect(runList(ctx, { function: 'worker' })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('region-wide list: calls grow with what is shown', () => {
  const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
  /** `idle` functions without triggers, `pushed` with one SNS subscription each, one with an SQS mapping only. */
  function regionWorld(idle: number, pushed = 1): Answer {
    const names = [...Array.from({ length: pushed }, (_, i) => `pushed-${i}`), 'mapped', ...Array.from({ length: idle }, (_, i) => `idle-${i}`)];
    const lambdaSubs = Array.from({ length: pushed }, (_, i) => ({ SubscriptionArn: `${TOPIC}:s-${i}`, Protocol: 'lambda', Endpoint: fnArn(`pushed-${i}`), TopicArn: TOPIC }));
    const subscriptions = [
      ...lambdaSubs,
      // Shown without attributes (pending), or not shown at all (other protocols, a function elsewhere).
      { SubscriptionArn: 'PendingConfirmation', Protocol: 'lambda', Endpoint: fnArn('pushed-0'), TopicArn: TOPIC },
      { SubscriptionArn: `${TOPIC}:http`, Protocol: 'https', Endpoint: 'https://example.com/hook', TopicArn: TOPIC },
      { SubscriptionArn: `${TOPIC}:sqs`, Protocol: 'sqs', Endpoint: QUEUE, TopicArn: TOPIC },
      { SubscriptionArn: `${TOPIC}:far`, Protocol: 'lambda', Endpoint: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:far`, TopicArn: TOPIC },
    ];
    return (_service, operation) => {
      switch (operation) {
        case 'ListFunctions':
          return { Functions: names.map((n) => ({ FunctionArn: fnArn(n) })) };
        case 'ListSubscriptions':
          return { Subscriptions: subscriptions };
        case 'ListEventSourceMappings':
          return { EventSourceMappings: [{ UUID: 'm-1', State: 'Enabled', EventSourceArn: QUEUE, FunctionArn: fnArn('mapped'), BatchSize: 10 }] };
        case 'ListTopics':
          return { Topics: [{ TopicArn: TOPIC }] };
        case 'ListQueues':
          return { QueueUrls: [QUEUE_URL] };
        case 'GetSubscriptionAttributes':
          return { Attributes: {} };
        case 'GetPolicy':
          throw awsError('ResourceNotFoundException', 404);
        default:
          return {};
      }
    };
  }

  it('GetSubscriptionAttributes only for the confirmed lambda subscriptions of the region\'s functions', async () => {
    const fake = roundsSession(regionWorld(3, 4));
    const { ctx, stdout } = roundsContext(fake.aws);
    expect(await runList(ctx, {})).toBe(0);
    expect(fake.count('GetSubscriptionAttributes')).toBe(4);
    expect(fake.count('GetPolicy')).toBe(0);
    expect(JSON.parse(stdout()).triggers.filter((t: { type: string }) => t.type === 'sns')).toHaveLength(5);
  });

  it('--check-permissions reads the policies of functions push triggers send to and of functions with no trigger, not of mapping-only ones', async () => {
    const fake = roundsSession(regionWorld(2));
    const { ctx, stderr } = roundsContext(fake.aws);
    expect(await runList(ctx, { checkPermissions: true })).toBe(0);
    expect(fake.calls.filter((c) => c.operation === 'GetPolicy').map((c) => c.input.FunctionName).sort()).toEqual([fnArn('idle-0'), fnArn('idle-1'), fnArn('pushed-0')]);
    expect(stderr()).not.toMatch(/checking the permissions/);
  });

  it('--check-permissions says how long the paced reads take when that is more than a few seconds', async () => {
    const fake = roundsSession(regionWorld(60));
    const { ctx, stderr } = roundsContext(fake.aws);
    expect(await runList(ctx, { checkPermissions: true })).toBe(0);
    expect(fake.count('GetPolicy')).toBe(61);
    expect(stderr()).toMatch(/checking the permissions of 61 functions: about 5s \(GetPolicy is limited to 15 a second\)/);
  });

  it('--check-permissions with only mapping types reads no policy', async () => {
    const fake = roundsSession(regionWorld(2));
    const { ctx } = roundsContext(fake.aws);
    expect(await runList(ctx, { checkPermissions: true, type: 'sqs' })).toBe(0);
    expect(fake.count('GetPolicy')).toBe(0);
  });
});

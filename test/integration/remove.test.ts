import { beforeEach, describe, expect, it } from 'vitest';
import { CreateAliasCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { main } from '../../src/cli.js';
import { runCli, TEST_ENV } from '../helpers/cli.js';
import {
  addPermission,
  allMappings,
  clientConfig,
  createBucket,
  createFunction,
  createMapping,
  createQueue,
  createStream,
  createTableWithStream,
  createTopic,
  notificationOf,
  policySids,
  putNotifications,
  subscribeFunction,
  subscriptionsOf,
} from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

// Triggers are made straight through the AWS APIs, then removed with evsrc; each test checks what is
// left in the emulator, not only the exit code.

const moto = useMoto();
const ACCOUNT = '123456789012';
let worker: string;
let other: string;
let alerts: string;
const ids: Record<string, string> = {};

const QUEUE_ENTRY = { Id: 'to-queue', QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'q/' }] } } };
const OTHER_ENTRY = { Id: 'other-fn', LambdaFunctionArn: '', Events: ['s3:ObjectRemoved:*'] };

beforeEach(async () => {
  await moto.reset();
  const e = moto.endpoint;
  worker = await createFunction(e, 'worker');
  other = await createFunction(e, 'other');
  const orders = await createQueue(e, 'orders', { VisibilityTimeout: '60' });
  ids.sqs = await createMapping(e, 'worker', orders.arn);
  ids.otherSqs = await createMapping(e, 'other', orders.arn);
  const table = await createTableWithStream(e, 'users');
  ids.dynamodb = await createMapping(e, 'worker', table.streamArn, { StartingPosition: 'LATEST' });
  const stream = await createStream(e, 'clicks');
  ids.kinesis = await createMapping(e, worker, stream, { StartingPosition: 'LATEST' });

  await createBucket(e, 'uploads');
  OTHER_ENTRY.LambdaFunctionArn = other;
  await putNotifications(e, 'uploads', {
    LambdaFunctionConfigurations: [
      { Id: 'images', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } } },
      { Id: 'docs', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.pdf' }] } } },
      OTHER_ENTRY,
    ],
    QueueConfigurations: [QUEUE_ENTRY],
  });
  await addPermission(e, 'worker', 'worker-uploads', 's3.amazonaws.com', 'arn:aws:s3:::uploads', { sourceAccount: ACCOUNT });
  await addPermission(e, 'other', 'other-uploads', 's3.amazonaws.com', 'arn:aws:s3:::uploads', { sourceAccount: ACCOUNT });

  alerts = await createTopic(e, 'alerts');
  ids.sns = await subscribeFunction(e, alerts, worker);
  ids.otherSns = await subscribeFunction(e, alerts, other);
  await addPermission(e, 'worker', 'worker-alerts', 'sns.amazonaws.com', alerts);
  await addPermission(e, 'other', 'other-alerts', 'sns.amazonaws.com', alerts);
});

const remove = (...args: string[]) => runCli(['remove', ...args], moto.endpoint);
const uuids = async () => (await allMappings(moto.endpoint)).map((m) => m.UUID).sort();

describe('evsrc remove (mappings)', () => {
  it('remove sqs deletes exactly this function\'s mapping of the queue', async () => {
    const r = await remove('sqs', 'orders', '--function', 'worker', '--yes', '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions.map((a: { api: string }) => a.api)).toEqual(['lambda:DeleteEventSourceMapping']);
    expect(doc.removed).toMatchObject([{ type: 'sqs', id: ids.sqs }]);
    expect(await uuids()).toEqual([ids.otherSqs, ids.dynamodb, ids.kinesis].sort());
  });

  it('without a qualifier, the mappings of an alias are left and named, also when something was removed', async () => {
    const lambda = new LambdaClient(clientConfig(moto.endpoint));
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'worker' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'worker', Name: 'live', FunctionVersion: version.Version }));
    const live = `${worker}:live`;
    // Lambda lists this mapping only by the alias ARN (moto records its FunctionArn as the version, worker:1).
    const liveId = await createMapping(moto.endpoint, live, `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`);
    const leftNote = `left: mappings of ${live} from orders: ${liveId} (remove them with --function worker:live)`;

    const r = await remove('sqs', 'orders', '--function', 'worker', '--yes', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.removed).toMatchObject([{ id: ids.sqs }]);
    expect(doc.notes).toEqual([leftNote]);
    expect(await uuids()).toEqual([ids.otherSqs, ids.dynamodb, ids.kinesis, liveId].sort());

    const again = await remove('sqs', 'orders', '--function', 'worker', '--yes');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Nothing to remove: no sqs mapping connects orders to ${worker}; ${leftNote}.`);
    expect(await uuids()).toContain(liveId);
  });

  it('remove <uuid> deletes that mapping', async () => {
    const r = await remove(ids.kinesis as string, '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Removed kinesis clicks/);
    expect(await uuids()).toEqual([ids.sqs, ids.otherSqs, ids.dynamodb].sort());
  });

  it('remove <uuid> of a mapping that does not exist: a JSON document with no made-up type, source or function', async () => {
    const uuid = '00000000-0000-4000-8000-000000000000';
    const r = await remove(uuid, '--json');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      command: 'remove',
      type: null,
      id: uuid,
      dryRun: false,
      changed: false,
      source: null,
      function: null,
      actions: [],
      removed: [],
      notes: [`no event source mapping ${uuid} in us-east-1`],
      warnings: [],
    });
    // A mapping that exists is named by its id too.
    const found = await remove(ids.sqs as string, '--dry-run', '--json');
    expect(found.json()).toMatchObject({ type: 'sqs', id: ids.sqs, source: { name: 'orders' }, function: { arn: worker } });
  });

  it('remove dynamodb by table name finds the mapping of the table\'s stream', async () => {
    const r = await remove('dynamodb', 'users', '--function', worker, '--yes');
    expect(r.code).toBe(0);
    expect(await uuids()).toEqual([ids.sqs, ids.otherSqs, ids.kinesis].sort());
  });

  it('remove kinesis by stream name', async () => {
    const r = await remove('kinesis', 'clicks', '--function', 'worker', '--yes');
    expect(r.code).toBe(0);
    expect(await uuids()).toEqual([ids.sqs, ids.otherSqs, ids.dynamodb].sort());
  });
});

describe('evsrc remove s3', () => {
  it('removes the function\'s entries, writes back everything else exactly, then removes its permission', async () => {
    const r = await remove('s3', 'uploads', '--function', 'worker', '--yes', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions.map((a: { api: string }) => a.api)).toEqual(['s3:PutBucketNotificationConfiguration', 'lambda:RemovePermission']);
    expect(doc.removed.map((t: { id: string }) => t.id).sort()).toEqual(['docs', 'images']);
    const config = await notificationOf(moto.endpoint, 'uploads');
    expect(config.LambdaFunctionConfigurations).toEqual([OTHER_ENTRY]);
    expect(config.QueueConfigurations).toEqual([QUEUE_ENTRY]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
    expect(await policySids(moto.endpoint, 'other')).toEqual(['other-uploads', 'other-alerts']);
  });

  it('--prefix narrows to one entry and keeps the permission while another entry still needs it', async () => {
    const r = await remove('s3', 'arn:aws:s3:::uploads', '--function', 'worker', '--prefix', 'images/', '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/still sends to .*worker \(docs\); its permission for the bucket is kept/);
    const config = await notificationOf(moto.endpoint, 'uploads');
    expect((config.LambdaFunctionConfigurations as { Id: string }[]).map((e) => e.Id)).toEqual(['docs', 'other-fn']);
    expect(await policySids(moto.endpoint, 'worker')).toContain('worker-uploads');
    // The last entry then takes the permission with it.
    const last = await remove('s3', 'uploads', '--function', 'worker', '--id', 'docs', '--yes');
    expect(last.code).toBe(0);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
  });

  it('a permission for a bucket that no longer exists is removed', async () => {
    await addPermission(moto.endpoint, 'worker', 'stale', 's3.amazonaws.com', 'arn:aws:s3:::long-gone');
    const r = await remove('s3', 'long-gone', '--function', 'worker', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toEqual(['lambda:RemovePermission']);
    expect(await policySids(moto.endpoint, 'worker')).not.toContain('stale');
  });

  it('--events selects the exact set, also a type listed next to its own wildcard', async () => {
    const both = { Id: 'both', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:*', 's3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'both/' }] } } };
    await putNotifications(moto.endpoint, 'uploads', { ...(await notificationOf(moto.endpoint, 'uploads')), LambdaFunctionConfigurations: [both, OTHER_ENTRY] });
    const r = await remove('s3', 'uploads', '--function', 'worker', '--events', 's3:ObjectCreated:*,s3:ObjectCreated:Put', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(r.json().removed.map((t: { id: string }) => t.id)).toEqual(['both']);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations).toEqual([OTHER_ENTRY]);
  });

  it('accepts the bucket names add s3 accepts: a legacy us-east-1 name with upper case and _', async () => {
    await addPermission(moto.endpoint, 'worker', 'legacy', 's3.amazonaws.com', 'arn:aws:s3:::Legacy_Uploads');
    for (const source of ['Legacy_Uploads', 'arn:aws:s3:::Legacy_Uploads']) {
      const r = await remove('s3', source, '--function', 'worker', '--dry-run', '--json');
      expect(r.code, source).toBe(0);
      expect(r.json().actions.map((a: { input: { StatementId?: string } }) => a.input.StatementId)).toEqual(['legacy']);
    }
    const r = await remove('s3', 'Legacy_Uploads', '--function', 'worker', '--yes');
    expect(r.code).toBe(0);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-uploads', 'worker-alerts']);
    for (const bad of ['ab', 'arn:aws:s3:::uploads/key.txt', 'uploads-', 'arn:aws:sns:us-east-1:123456789012:uploads']) {
      const refused = await remove('s3', bad, '--function', 'worker', '--yes');
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toMatch(/<bucket>: .* is not a bucket/);
    }
  });
});

describe('evsrc remove sns', () => {
  it('unsubscribes the function, keeps other subscriptions, then removes its permission', async () => {
    const r = await remove('sns', 'alerts', '--function', 'worker', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toEqual(['sns:Unsubscribe', 'lambda:RemovePermission']);
    expect((await subscriptionsOf(moto.endpoint, alerts)).map((s) => s.arn)).toEqual([ids.otherSns]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-uploads']);
    expect(await policySids(moto.endpoint, 'other')).toEqual(['other-uploads', 'other-alerts']);
  });
});

describe('evsrc remove safety', () => {
  it('refuses without --yes when not on a terminal (exit 2) and removes nothing', async () => {
    const before = await uuids();
    for (const args of [['sqs', 'orders', '--function', 'worker'], [ids.sqs as string], ['s3', 'uploads', '--function', 'worker'], ['sns', 'alerts', '--function', 'worker']]) {
      const r = await remove(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/pass --yes/);
    }
    expect(await uuids()).toEqual(before);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations).toHaveLength(3);
    expect(await subscriptionsOf(moto.endpoint, alerts)).toHaveLength(2);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-uploads', 'worker-alerts']);
  });

  it('on a terminal it shows the plan and asks; "no" removes nothing (exit 1), "yes" removes', async () => {
    const run = async (answer: boolean) => {
      let stdout = '';
      let stderr = '';
      const questions: string[] = [];
      const code = await main(
        ['--endpoint-url', moto.endpoint, 'remove', 'sqs', 'orders', '--function', 'worker'],
        {
          stdout: { write: (t: string) => ((stdout += t), true), isTTY: false },
          stderr: { write: (t: string) => ((stderr += t), true), isTTY: false },
          env: TEST_ENV,
          interactive: true,
          confirm: async (q) => (questions.push(q), answer),
        },
        { sleep: async () => {} },
      );
      return { code, stdout, stderr, questions };
    };
    const no = await run(false);
    expect(no.code).toBe(1);
    expect(no.questions).toEqual(['Remove it?']);
    expect(no.stderr).toMatch(/About to remove sqs orders[\s\S]*lambda:DeleteEventSourceMapping/);
    expect(no.stderr).toMatch(/cancelled: nothing was removed/);
    expect(await uuids()).toContain(ids.sqs);
    const yes = await run(true);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/Removed sqs orders/);
    expect(await uuids()).not.toContain(ids.sqs);
  });

  it('--dry-run shows the plan with the API calls and removes nothing', async () => {
    const r = await remove('s3', 'uploads', '--function', 'worker', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/s3:PutBucketNotificationConfiguration/);
    expect(r.stdout).toMatch(/lambda:RemovePermission/);
    expect(r.stdout).toMatch(/Dry run: nothing was removed/);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations).toHaveLength(3);
    const m = await remove(ids.sqs as string, '--dry-run', '--json');
    expect(m.json()).toMatchObject({ dryRun: true, changed: true, actions: [{ api: 'lambda:DeleteEventSourceMapping', input: { UUID: ids.sqs } }] });
    expect(await uuids()).toContain(ids.sqs);
  });

  it('removing an absent trigger is a no-op that exits 0 and says so (no --yes needed)', async () => {
    await createQueue(moto.endpoint, 'unused', { VisibilityTimeout: '60' });
    await createTopic(moto.endpoint, 'lonely');
    const cases: [string[], RegExp][] = [
      [['sqs', 'unused', '--function', 'worker'], /Nothing to remove: no sqs mapping connects unused/],
      [['00000000-0000-4000-8000-000000000000'], /Nothing to remove: no event source mapping/],
      [['s3', 'uploads', '--function', 'worker', '--id', 'nope'], /Nothing to remove/],
      [['sns', 'lonely', '--function', 'worker'], /Nothing to remove: .*worker is not subscribed to lonely/],
    ];
    for (const [args, message] of cases) {
      const r = await remove(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(message);
    }
    expect(await uuids()).toHaveLength(4);
    // The permission is there and kept: the message does not also say there is none.
    const kept = await remove('s3', 'uploads', '--function', 'worker', '--id', 'nope', '--yes');
    expect(kept.stdout).toMatch(/its permission for the bucket is kept/);
    expect(kept.stdout).not.toMatch(/no permission/);
    expect(await policySids(moto.endpoint, 'worker')).toContain('worker-uploads');
  });

  it('bad input exits 2 before any AWS call', async () => {
    const cases: [string[], RegExp][] = [
      [['iot', 'x', '--function', 'worker'], /neither a source type/],
      [['sqs', 'orders'], /--function <fn> is required/],
      [['sqs', '--function', 'worker'], /name the source/],
      [['sqs', 'orders', '--function', 'worker', '--prefix', 'a/'], /--prefix: only for remove s3/],
      [['s3', 'uploads', '--function', 'worker', '--events', 's3:ObjectCreated:Puut'], /did you mean "s3:ObjectCreated:Put"/],
      // The source is checked before the function is looked up: a missing function is not what is reported.
      [['kinesis', 'a b', '--function', 'nofn', '--dry-run'], /<stream>: "a b" is not a Kinesis stream name or ARN/],
      [['dynamodb', 'a b', '--function', 'nofn', '--dry-run'], /<table>: "a b" is not a DynamoDB table name/],
      [['sqs', 'a b', '--function', 'nofn', '--dry-run'], /<queue>: "a b" is not a queue name/],
    ];
    for (const [args, message] of cases) {
      const r = await remove(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

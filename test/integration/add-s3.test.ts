import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { addForeignPermission, createBucket, createFunction, createQueue, notificationOf, policyStatementsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
let fnArn: string;
let otherArn: string;
let queueArn: string;

beforeEach(async () => {
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'thumbs');
  otherArn = await createFunction(moto.endpoint, 'other');
  queueArn = (await createQueue(moto.endpoint, 'audit')).arn;
});

const add = (...args: string[]) => runCli(['add', 's3', ...args], moto.endpoint);

/** A bucket that already notifies a queue and another function. */
async function busyBucket(name = 'uploads') {
  const notification = {
    QueueConfigurations: [{ Id: 'audit-q', QueueArn: queueArn, Events: ['s3:ObjectRemoved:*'] }],
    LambdaFunctionConfigurations: [
      { Id: 'other-fn', LambdaFunctionArn: otherArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] } } },
    ],
  };
  await createBucket(moto.endpoint, name, { notification });
  return notification;
}

describe('evsrc add s3 against moto', () => {
  it('keeps existing queue and other-function entries, adds its own entry and a scoped permission', async () => {
    const before = await busyBucket();
    const r = await add('uploads', '--function', 'thumbs', '--prefix', 'images/', '--suffix', '.jpg', '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions.map((a: { api: string }) => a.api)).toEqual(['lambda:AddPermission', 's3:PutBucketNotificationConfiguration']);
    const config = await notificationOf(moto.endpoint, 'uploads');
    expect(config.QueueConfigurations).toEqual(before.QueueConfigurations);
    expect(config.LambdaFunctionConfigurations).toHaveLength(2);
    expect(config.LambdaFunctionConfigurations[0]).toEqual(before.LambdaFunctionConfigurations[0]);
    expect(config.LambdaFunctionConfigurations[1]).toMatchObject({ Id: doc.trigger.id, LambdaFunctionArn: fnArn, Events: ['s3:ObjectCreated:*'] });
    const statements = await policyStatementsOf(moto.endpoint, 'thumbs');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: doc.trigger.settings.permissionStatementId,
      Principal: { Service: 's3.amazonaws.com' },
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::uploads' }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
    });
  });

  it('a re-run (by ARN) adds nothing: same configuration, same policy', async () => {
    await busyBucket();
    expect((await add('uploads', '--function', 'thumbs', '--suffix', '.png', '--prefix', 'img/')).code).toBe(0);
    const config = await notificationOf(moto.endpoint, 'uploads');
    const policy = await policyStatementsOf(moto.endpoint, 'thumbs');
    const again = await add('arn:aws:s3:::uploads', '--function', fnArn, '--prefix', 'img/', '--suffix', '.png', '--json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ changed: false, actions: [] });
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(config);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual(policy);
  });

  it('reuses an equivalent permission made elsewhere instead of adding a duplicate', async () => {
    await createBucket(moto.endpoint, 'shared');
    await addForeignPermission(moto.endpoint, 'thumbs', { StatementId: 'console-made', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::shared', SourceAccount: '123456789012' });
    const r = await add('shared', '--function', 'thumbs', '--json');
    expect(r.code).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toEqual(['s3:PutBucketNotificationConfiguration']);
    expect((await policyStatementsOf(moto.endpoint, 'thumbs')).map((s) => s.Sid)).toEqual(['console-made']);
  });

  it('refuses an overlapping rule, naming the entry, and writes nothing', async () => {
    const before = await busyBucket();
    const r = await add('uploads', '--function', 'thumbs', '--prefix', 'logs/2024/');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/overlaps entry "other-fn" \(Lambda function arn:aws:lambda:us-east-1:123456789012:function:other/);
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
  });

  it('adopts an identical entry made elsewhere instead of refusing it as an overlap', async () => {
    const before = await busyBucket();
    const r = await add('uploads', '--function', 'other', '--prefix', 'logs/', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions.map((a: { api: string }) => a.api)).not.toContain('s3:PutBucketNotificationConfiguration');
    expect(doc.trigger).toMatchObject({ id: 'other-fn', functionArn: otherArn });
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
  });

  it('--dry-run lists AddPermission and the PUT as they would run, and writes nothing', async () => {
    const before = await busyBucket();
    const r = await add('uploads', '--function', 'thumbs', '--events', 's3:ObjectCreated:Put', '--events', 's3:ObjectTagging:*', '--prefix', 'in/', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. lambda:AddPermission/);
    expect(r.stdout).toMatch(/2\. s3:PutBucketNotificationConfiguration/);
    expect(r.stdout).toMatch(/SourceAccount: 123456789012/);
    expect(r.stdout).toMatch(/nothing was changed/);
    expect(await notificationOf(moto.endpoint, 'uploads')).toEqual(before);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
  });

  it('bad input exits 2, a missing bucket or a bucket in another region exits 3; nothing written', async () => {
    await createBucket(moto.endpoint, 'far-away', { region: 'eu-west-1' });
    const typo = await add('uploads', '--function', 'thumbs', '--events', 's3:ObjectCreated:Putt');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--events: invalid value "s3:ObjectCreated:Putt"; did you mean "s3:ObjectCreated:Put"/);
    const missing = await add('no-such-bucket', '--function', 'thumbs');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/bucket no-such-bucket does not exist/);
    const far = await add('far-away', '--function', 'thumbs');
    expect(far.code).toBe(3);
    expect(far.stderr).toMatch(/bucket far-away is in eu-west-1 but function .* is in us-east-1/);
    const latest = await add('far-away', '--function', 'thumbs:$LATEST');
    expect(latest.code).toBe(2);
    expect(await policyStatementsOf(moto.endpoint, 'thumbs')).toEqual([]);
    expect(await notificationOf(moto.endpoint, 'far-away', 'eu-west-1')).toEqual({});
  });

  it('two runs on one bucket at once both exit 0; a re-run restores an entry a late writer replaced', async () => {
    await createBucket(moto.endpoint, 'contended');
    // Two real processes with real time. A run reads back once and waits for a second look only when the
    // read-back shows another writer; a writer that read before our PUT and writes after our read-back is
    // not seen (S3 has no conditional write), so one entry may be lost: a re-run of the same command
    // (idempotent) puts it back, and keeps the other.
    const args = (fn: string, prefix: string) => ['add', 's3', 'contended', '--function', fn, '--prefix', prefix, '--endpoint-url', moto.endpoint];
    const [a, b] = await Promise.all([spawnCli(args('thumbs', 'a/')), spawnCli(args('other', 'b/'))]);
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const [fn, prefix] of [['thumbs', 'a/'], ['other', 'b/']] as const) expect((await spawnCli(args(fn, prefix))).code).toBe(0);
    const config = await notificationOf(moto.endpoint, 'contended');
    expect(config.LambdaFunctionConfigurations.map((e: { LambdaFunctionArn: string }) => e.LambdaFunctionArn).sort()).toEqual([otherArn, fnArn].sort());
  });
});

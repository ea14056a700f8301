// `evsrc remove` under injected faults: a removal cannot be undone, so when a step fails after an
// earlier one ran, evsrc exits 4 and says what was removed and what was not.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { addPermission, createBucket, createFunction, createMapping, createQueue, createTopic, mappingsOf, notificationOf, policySids, putNotifications, subscribeFunction, subscriptionsOf } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';
import { createRule, targetsOf } from '../helpers/events-fixtures.js';
import { createLogGroup, filtersOf } from '../helpers/logs-fixtures.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);
let worker: string;
let alerts: string;
let subscription: string;

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
  worker = await createFunction(moto.endpoint, 'worker');
  alerts = await createTopic(moto.endpoint, 'alerts');
  subscription = await subscribeFunction(moto.endpoint, alerts, worker);
  await addPermission(moto.endpoint, 'worker', 'worker-alerts', 'sns.amazonaws.com', alerts);
});

// Lambda's REST API: RemovePermission is DELETE /2015-03-31/functions/<fn>/policy/<sid>.
const REMOVE_PERMISSION = { method: 'DELETE', pathRegex: /\/policy\// };
const ACCESS_DENIED = {
  fault: 'status' as const,
  status: 403,
  headers: { 'x-amzn-errortype': 'AccessDeniedException' },
  body: { Type: 'User', Message: 'User is not authorized to perform: lambda:RemovePermission (injected)' },
  times: Infinity,
};

describe('remove sns under injected faults', () => {
  it('Unsubscribe done, RemovePermission denied: exit 4 naming what was removed and what remains', async () => {
    const rule = proxy.inject({ match: REMOVE_PERMISSION, ...ACCESS_DENIED });
    const r = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes', '--json'], proxy.url);
    expect(rule.fired).toBeGreaterThan(0);
    expect(r.code).toBe(4);
    const error = r.json().error;
    expect(error.exitCode).toBe(4);
    expect(error.awsErrorName).toBe('AccessDeniedException');
    expect(error.remaining).toEqual([expect.stringMatching(/^remove permission worker-alerts \(sns.amazonaws.com from alerts\)/)]);
    expect(error.message).toMatch(/removed: unsubscribe .*worker from topic alerts/);
    expect(error.message).toMatch(/not removed: remove permission worker-alerts/);
    expect(r.stderr).toMatch(/User is not authorized to perform: lambda:RemovePermission/);
    // The account is exactly as the message says: the subscription gone, the permission still there.
    expect((await subscriptionsOf(moto.endpoint, alerts)).map((s) => s.arn)).not.toContain(subscription);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
    // Running the same command again finishes the removal.
    proxy.clear();
    const again = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes', '--json'], proxy.url);
    expect(again.code).toBe(0);
    expect(again.json().actions.map((a: { api: string }) => a.api)).toEqual(['lambda:RemovePermission']);
    expect(await policySids(moto.endpoint, 'worker')).toEqual([]);
  });

  it('the first step failing removes nothing: a plain failure (exit 1), not a partial one', async () => {
    proxy.inject({ match: { operation: 'Unsubscribe' }, fault: 'status', status: 403, body: '<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>denied (injected)</Message></Error><RequestId>r</RequestId></ErrorResponse>', times: Infinity });
    const r = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AuthorizationError|denied/);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(0);
    expect((await subscriptionsOf(moto.endpoint, alerts)).map((s) => s.arn)).toEqual([subscription]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
  });
});

describe('remove s3 under injected faults', () => {
  it('the PUT done, RemovePermission denied: exit 4; the entry is gone and the permission remains', async () => {
    await createBucket(moto.endpoint, 'uploads');
    await putNotifications(moto.endpoint, 'uploads', { LambdaFunctionConfigurations: [{ Id: 'images', LambdaFunctionArn: worker, Events: ['s3:ObjectCreated:*'] }] });
    await addPermission(moto.endpoint, 'worker', 'worker-uploads', 's3.amazonaws.com', 'arn:aws:s3:::uploads');
    proxy.inject({ match: REMOVE_PERMISSION, ...ACCESS_DENIED });
    const r = await runCli(['remove', 's3', 'uploads', '--function', 'worker', '--yes', '--json'], proxy.url);
    expect(r.code).toBe(4);
    const error = r.json().error;
    expect(error.remaining).toEqual([expect.stringMatching(/^remove permission worker-uploads/)]);
    expect(error.message).toMatch(/removed: remove 1 entry \(images\) from the notifications of bucket uploads/);
    expect((await notificationOf(moto.endpoint, 'uploads')).LambdaFunctionConfigurations ?? []).toEqual([]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts', 'worker-uploads']);
  });
});

// Every answer of a removal lost, for longer than evsrc's own attempts: the removal went through on the first
// attempt all the same. evsrc reads back, finds it done, and carries on (exit 0), instead of exit 1 or 4.
describe('a removal whose every answer is lost is read back', () => {
  const LOST = { fault: 'drop' as const, afterForward: true, times: Infinity };

  it('remove sns, Unsubscribe: the subscription is gone, so the permission is removed too (exit 0)', async () => {
    proxy.inject({ match: { operation: 'Unsubscribe' }, ...LOST });
    const r = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reading back shows/);
    expect((await subscriptionsOf(moto.endpoint, alerts)).map((s) => s.arn)).not.toContain(subscription);
    expect(await policySids(moto.endpoint, 'worker')).toEqual([]);
  });

  it('remove sns, RemovePermission: the statement is gone, so nothing is left (exit 0, not 4)', async () => {
    proxy.inject({ match: REMOVE_PERMISSION, ...LOST });
    const r = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code, r.stderr).toBe(0);
    expect(await policySids(moto.endpoint, 'worker')).toEqual([]);
  });

  it('remove sqs, DeleteEventSourceMapping: the mapping is gone (exit 0, not 1)', async () => {
    const queue = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    await createMapping(moto.endpoint, 'worker', queue.arn);
    proxy.inject({ match: { operation: 'DeleteEventSourceMapping' }, ...LOST });
    const r = await runCli(['remove', 'sqs', 'orders', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code, r.stderr).toBe(0);
    expect(await mappingsOf(moto.endpoint, queue.arn)).toEqual([]);
  });

  it('remove logs, DeleteSubscriptionFilter: the filter is gone, so the permission is removed too (exit 0)', async () => {
    await createLogGroup(moto.endpoint, '/app/api');
    expect((await runCli(['add', 'logs', '/app/api', '--function', 'worker'], moto.endpoint)).code).toBe(0);
    proxy.inject({ match: { operation: 'DeleteSubscriptionFilter' }, ...LOST });
    const r = await runCli(['remove', 'logs', '/app/api', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code, r.stderr).toBe(0);
    expect(await filtersOf(moto.endpoint, '/app/api')).toEqual([]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
  });

  it('remove eventbridge, RemoveTargets: the target is gone, so the permission is removed too (exit 0)', async () => {
    await createRule(moto.endpoint, 'nightly', { schedule: 'rate(1 day)' });
    expect((await runCli(['add', 'eventbridge', 'nightly', '--function', 'worker'], moto.endpoint)).code).toBe(0);
    proxy.inject({ match: { operation: 'RemoveTargets' }, ...LOST });
    const r = await runCli(['remove', 'eventbridge', 'nightly', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code, r.stderr).toBe(0);
    expect(await targetsOf(moto.endpoint, 'nightly')).toEqual([]);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
  });

  it('a removal that really did not happen still fails: the read-back finds it there (exit 1)', async () => {
    proxy.inject({ match: { operation: 'Unsubscribe' }, fault: 'drop', times: Infinity });
    const r = await runCli(['remove', 'sns', 'alerts', '--function', 'worker', '--yes'], proxy.url);
    expect(r.code).toBe(1);
    expect((await subscriptionsOf(moto.endpoint, alerts)).map((s) => s.arn)).toContain(subscription);
    expect(await policySids(moto.endpoint, 'worker')).toEqual(['worker-alerts']);
  });
});

// `evsrc remove` under injected faults: a removal cannot be undone, so when a step fails after an
// earlier one ran, evsrc exits 4 and says what was removed and what was not.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { addPermission, createBucket, createFunction, createTopic, notificationOf, policySids, putNotifications, subscribeFunction, subscriptionsOf } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';

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

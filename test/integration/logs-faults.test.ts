// Faults between the CLI and moto for `add logs`: after any single injected failure, the account is either
// fully wired or exactly as before.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createFunction, policyStatementsOf } from '../helpers/fixtures.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createLogGroup, filtersOf } from '../helpers/logs-fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);
const GROUP = '/app/api';
let fnArn: string;

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'ship');
  await createLogGroup(moto.endpoint, GROUP);
});

const addLogs = () => runCli(['add', 'logs', GROUP, '--function', 'ship', '--filter-pattern', 'ERROR', '--json'], proxy.url);
const PUT = { operation: 'PutSubscriptionFilter' };
// What AWS answers while the function's new permission has not reached CloudWatch Logs yet.
const NO_PERMISSION = {
  __type: 'InvalidParameterException',
  message: 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.',
};

async function expectAsBefore() {
  expect(await filtersOf(moto.endpoint, GROUP)).toEqual([]);
  expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
}

async function expectWired() {
  expect(await filtersOf(moto.endpoint, GROUP)).toEqual([expect.objectContaining({ filterPattern: 'ERROR', destinationArn: fnArn })]);
  expect(await policyStatementsOf(moto.endpoint, 'ship')).toHaveLength(1);
}

describe('add logs under injected faults', () => {
  it('PutSubscriptionFilter failing on every attempt after AddPermission: the permission is rolled back (exit 1)', async () => {
    proxy.inject({ match: PUT, fault: 'server-error', times: Infinity });
    const r = await addLogs();
    expect(r.code).toBe(1);
    expect(proxy.callsFor('AddPermission')).toHaveLength(1);
    expect(proxy.callsFor('RemovePermission')).toHaveLength(1);
    await expectAsBefore();
  });

  it('"Could not execute the lambda function" is retried while the permission propagates, then wired', async () => {
    const rule = proxy.inject({ match: PUT, fault: 'status', status: 400, body: NO_PERMISSION, times: 2 });
    const r = await addLogs();
    expect(r.code).toBe(0);
    expect(rule.fired).toBe(2);
    expect(r.stderr).toMatch(/cannot invoke the function yet/);
    await expectWired();
  });

  it('"Could not execute the lambda function" on every attempt: a hint, and the permission rolled back', async () => {
    proxy.inject({ match: PUT, fault: 'status', status: 400, body: NO_PERMISSION, times: Infinity });
    const r = await addLogs();
    expect(r.code).toBe(1);
    expect(proxy.callsFor('PutSubscriptionFilter')).toHaveLength(4);
    expect(r.stderr).toMatch(/InvalidParameterException/);
    expect(r.stderr).toMatch(/hint: CloudWatch Logs tests the function when the filter is written/);
    await expectAsBefore();
  });

  it('a PutSubscriptionFilter that CloudWatch Logs applied but whose answers were all lost: read back, fully wired', async () => {
    proxy.inject({ match: PUT, fault: 'drop', afterForward: true, times: Infinity });
    const r = await addLogs();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/reading back shows the change was made/);
    await expectWired();
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createFunction, createQueue, mappingsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);

beforeEach(async () => {
  await moto.reset();
  proxy.clear();
  await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

const lambdaError = (status: number, type: string, message: string) => ({
  fault: 'status' as const,
  status,
  headers: { 'x-amzn-errortype': type, 'content-type': 'application/json' },
  body: { Type: 'User', message },
});

describe('add sqs under injected faults (real HTTP through a proxy)', () => {
  it('retries while the execution role is still propagating, then creates exactly one mapping', async () => {
    const q = await createQueue(moto.endpoint, 'propagating', { VisibilityTimeout: '60' });
    proxy.inject({
      match: { operation: 'CreateEventSourceMapping' },
      ...lambdaError(400, 'InvalidParameterValueException', 'The function execution role does not have permissions to call ReceiveMessage on SQS'),
      times: 2,
    });
    const r = await runCli(['add', 'sqs', 'propagating', '--function', 'worker'], proxy.url);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/IAM changes take seconds to propagate\); retrying in 2\.0s \(attempt 2 of 5\)/);
    expect(proxy.callsFor('CreateEventSourceMapping')).toHaveLength(3);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });

  it('gives up after bounded retries naming the IAM actions the role needs; nothing created', async () => {
    const q = await createQueue(moto.endpoint, 'no-perms', { VisibilityTimeout: '60' });
    proxy.inject({
      match: { operation: 'CreateEventSourceMapping' },
      ...lambdaError(400, 'InvalidParameterValueException', 'The function execution role does not have permissions to call ReceiveMessage on SQS'),
      times: Infinity,
    });
    const r = await runCli(['add', 'sqs', 'no-perms', '--function', 'worker'], proxy.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: InvalidParameterValueException: The function execution role does not have permissions/);
    expect(r.stderr).toMatch(/hint: the execution role arn:aws:iam::123456789012:role\/evsrc-test-role needs sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on arn:aws:sqs:us-east-1:123456789012:no-perms/);
    expect(proxy.callsFor('CreateEventSourceMapping')).toHaveLength(5);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
  });

  it('a throttled create is retried by the SDK and ends with one mapping', async () => {
    const q = await createQueue(moto.endpoint, 'throttled', { VisibilityTimeout: '60' });
    proxy.inject({ match: { operation: 'CreateEventSourceMapping' }, fault: 'throttle' });
    const r = await runCli(['add', 'sqs', 'throttled', '--function', 'worker'], proxy.url);
    expect(r.code).toBe(0);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });

  it('access denied is one line with the error name and the IAM action to grant (exit 1)', async () => {
    await createQueue(moto.endpoint, 'denied', { VisibilityTimeout: '60' });
    proxy.inject({
      match: { operation: 'ListEventSourceMappings' },
      ...lambdaError(403, 'AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:ListEventSourceMappings'),
    });
    const r = await runCli(['add', 'sqs', 'denied', '--function', 'worker'], proxy.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: AccessDeniedException: User: .* \(lambda:ListEventSourceMappings\)\nhint: the caller needs IAM permission for lambda:ListEventSourceMappings/);
    expect(proxy.callsFor('CreateEventSourceMapping')).toHaveLength(0);
  });
});

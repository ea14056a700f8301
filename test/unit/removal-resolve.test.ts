import { describe, expect, it } from 'vitest';
import type { AwsSession } from '../../src/aws/session.js';
import { NotFoundError } from '../../src/core/errors.js';
import { parseRemoveRequest, planRemoval, type RemoveContext } from '../../src/removal/resolve.js';
import { runRemove } from '../../src/commands/remove.js';
import type { CommandContext } from '../../src/commands/context.js';
import { UsageError } from '../../src/core/errors.js';

// planRemoval's reads against a fake session: which calls run while GetFunctionConfiguration is
// still in flight, and which error wins when several reads fail.

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: 400 } });
}

/** A session whose GetFunctionConfiguration answers only when `release` is called. */
function fakeSession(answers: Record<string, () => unknown> = {}) {
  const started: string[] = [];
  let release!: (outcome?: 'not-found') => void;
  const gate = new Promise<'not-found' | undefined>((resolve) => (release = resolve));
  const call = async (service: string, operation: string) => {
    started.push(operation);
    if (operation === 'GetFunctionConfiguration') {
      if ((await gate) === 'not-found') throw awsError('ResourceNotFoundException');
      return { FunctionArn: FN, FunctionName: 'worker', Timeout: 3 };
    }
    const answer = answers[operation];
    if (answer) return answer();
    if (operation === 'GetPolicy') throw awsError('ResourceNotFoundException');
    if (operation === 'GetBucketNotificationConfiguration') return {};
    if (operation === 'ListSubscriptionsByTopic') return { Subscriptions: [] };
    throw new Error(`unexpected ${service}:${operation}`);
  };
  const aws = {
    call,
    paginate: async (service: string, operation: string, _input: unknown, page: { items: string }) => ((await call(service, operation)) as Record<string, unknown[]>)[page.items] ?? [],
    region: async () => 'us-east-1',
  } as unknown as AwsSession;
  const ctx: RemoveContext = { aws, reporter: { emit: () => {}, close: () => {} } as unknown as RemoveContext['reporter'], wait: false, sleep: async () => {} };
  return { ctx, started, release };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('planRemoval reads concurrently', () => {
  it('remove s3: the bucket is read while the function is being resolved', async () => {
    const fake = fakeSession();
    const planned = planRemoval(fake.ctx, await parseRemoveRequest('s3', 'uploads', { function: 'worker' }));
    await settle();
    // GetFunctionConfiguration has not answered yet, and the bucket read has started.
    expect([...fake.started].sort()).toEqual(['GetBucketNotificationConfiguration', 'GetFunctionConfiguration']);
    fake.release();
    const plan = await planned;
    expect(plan.functionArn).toBe(FN);
    expect(plan.notes).toEqual([`no notification on uploads sends to ${FN}, and it has no permission for the bucket`]);
  });

  it('remove sns with a topic ARN: the subscriptions are read while the function is being resolved', async () => {
    const fake = fakeSession();
    const planned = planRemoval(fake.ctx, await parseRemoveRequest('sns', TOPIC, { function: 'worker' }));
    await settle();
    expect([...fake.started].sort()).toEqual(['GetFunctionConfiguration', 'ListSubscriptionsByTopic']);
    fake.release();
    const plan = await planned;
    expect(plan.notes).toEqual([`${FN} is not subscribed to alerts and has no permission for it`]);
  });

  it('remove sns with a topic name needs the function\'s account first: read after it', async () => {
    const fake = fakeSession();
    const planned = planRemoval(fake.ctx, await parseRemoveRequest('sns', 'alerts', { function: 'worker' }));
    await settle();
    expect(fake.started).toEqual(['GetFunctionConfiguration']);
    fake.release();
    await planned;
    expect(fake.started.sort()).toEqual(['GetFunctionConfiguration', 'GetPolicy', 'ListSubscriptionsByTopic']);
  });

  it('a missing function is reported (exit 3) even when the concurrent read failed first', async () => {
    const fake = fakeSession({
      GetBucketNotificationConfiguration: () => {
        throw awsError('InternalError');
      },
    });
    const planned = planRemoval(fake.ctx, await parseRemoveRequest('s3', 'uploads', { function: 'worker' }));
    const outcome = planned.then(
      () => undefined,
      (error: unknown) => error,
    );
    await settle();
    fake.release('not-found');
    const error = await outcome;
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(3);
  });
});

describe('remove validates its source before any AWS call', () => {
  it('a bad stream, table or queue name is a usage error (exit 2) and nothing is called', async () => {
    const calls: string[] = [];
    const record = async (service: string, operation: string) => {
      calls.push(`${service}:${operation}`);
      throw awsError('ResourceNotFoundException');
    };
    const aws = { call: record, paginate: record, region: async () => 'us-east-1' } as unknown as AwsSession;
    const ctx = {
      session: () => aws,
      reporter: { emit: () => {}, close: () => {} },
      globals: { output: 'text', dryRun: true, yes: false, wait: false, color: false, verbose: false },
      sleep: async () => {},
    } as unknown as CommandContext;
    for (const [type, source] of [['kinesis', 'a b'], ['dynamodb', 'a b'], ['sqs', 'a b'], ['kinesis', 'arn:aws:sqs:us-east-1:123456789012:q']] as const) {
      const error = await runRemove(ctx, type, source, { function: 'nofn' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${type} ${source}`).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toContain(JSON.stringify(source));
    }
    expect(calls).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { awsErrorName, toEvsrcError } from '../../src/aws/errors.js';
import { AwsFailure, ExitCode, PartialApplyError } from '../../src/core/errors.js';
import { applyPlan, type CallApi } from '../../src/core/executor.js';
import { InterruptController, InterruptedError } from '../../src/core/interrupt.js';
import type { Action } from '../../src/core/plan.js';
import { MemoryReporter } from '../../src/core/reporter.js';
import { executionRoleRetry } from '../../src/mechanisms/esm/settings.js';

function awsError(name: string, message: string) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400, requestId: 'req-1' } });
}

function harness(behaviour: (api: string, n: number) => unknown) {
  const calls: { api: string; input: Record<string, unknown> }[] = [];
  const counts = new Map<string, number>();
  const call: CallApi = async (api, input) => {
    calls.push({ api, input });
    const n = (counts.get(api) ?? 0) + 1;
    counts.set(api, n);
    const out = behaviour(api, n);
    if (out instanceof Error) throw out;
    return out;
  };
  const sleeps: number[] = [];
  const reporter = new MemoryReporter();
  const options = { call, reporter, describeError: toEvsrcError, errorName: awsErrorName, sleep: async (ms: number) => void sleeps.push(ms) };
  return { calls, sleeps, reporter, options };
}

const roleMessage = 'The function execution role does not have permissions to call ReceiveMessage on SQS';

describe('applyPlan', () => {
  it('runs actions in order and passes earlier results to bind', async () => {
    const h = harness((api) => ({ made: api }));
    const actions: Action[] = [
      { api: 'svc:First', summary: 'first', input: { a: 1 } },
      { api: 'svc:Second', summary: 'second', input: { b: '<from first>' }, bind: (results) => ({ b: (results[0] as { made: string }).made }) },
    ];
    const { results } = await applyPlan(actions, h.options);
    expect(h.calls).toEqual([
      { api: 'svc:First', input: { a: 1 } },
      { api: 'svc:Second', input: { b: 'svc:First' } },
    ]);
    expect(results).toEqual([{ made: 'svc:First' }, { made: 'svc:Second' }]);
  });

  it('retries an execution-role error with backoff, then succeeds', async () => {
    const h = harness((_api, n) => (n < 3 ? awsError('InvalidParameterValueException', roleMessage) : { UUID: 'u' }));
    const action: Action = { api: 'lambda:CreateEventSourceMapping', summary: 'create', input: {}, retry: [executionRoleRetry('needs sqs:ReceiveMessage')] };
    const { results } = await applyPlan([action], h.options);
    expect(results).toEqual([{ UUID: 'u' }]);
    expect(h.calls).toHaveLength(3);
    expect(h.sleeps).toEqual([2000, 4000]);
    expect(h.reporter.messages('progress').some((m) => /IAM changes take seconds to propagate/.test(m))).toBe(true);
  });

  it('gives up after the bounded attempts with the hint naming the IAM actions', async () => {
    const h = harness(() => awsError('InvalidParameterValueException', roleMessage));
    const action: Action = { api: 'lambda:CreateEventSourceMapping', summary: 'create', input: {}, retry: [executionRoleRetry('the role needs sqs:ReceiveMessage on q')] };
    const failure = await applyPlan([action], h.options).catch((e: unknown) => e);
    expect(h.calls).toHaveLength(5);
    expect(failure).toMatchObject({ exitCode: ExitCode.FAILURE, hint: 'the role needs sqs:ReceiveMessage on q', awsErrorName: 'InvalidParameterValueException' });
    expect((failure as Error).message).toMatch(/execution role does not have permissions/);
  });

  it('does not retry errors no rule matches', async () => {
    const h = harness(() => awsError('InvalidParameterValueException', 'BatchSize out of range'));
    const action: Action = { api: 'lambda:CreateEventSourceMapping', summary: 'create', input: {}, retry: [executionRoleRetry('x')] };
    await expect(applyPlan([action], h.options)).rejects.toThrow('BatchSize out of range');
    expect(h.calls).toHaveLength(1);
  });

  it('undoes completed actions newest first when a later one fails', async () => {
    const h = harness((api) => (api === 'svc:Third' ? awsError('ServiceException', 'boom') : { id: api }));
    const undoable = (name: string): Action => ({
      api: `svc:${name}`,
      summary: name,
      input: {},
      undo: (result) => ({ api: 'svc:Undo', summary: `undo ${name}`, input: { of: (result as { id: string }).id } }),
    });
    await expect(applyPlan([undoable('First'), undoable('Second'), { api: 'svc:Third', summary: 'third', input: {} }], h.options)).rejects.toThrow('boom');
    expect(h.calls.map((c) => [c.api, c.input.of])).toEqual([
      ['svc:First', undefined],
      ['svc:Second', undefined],
      ['svc:Third', undefined],
      ['svc:Undo', 'svc:Second'],
      ['svc:Undo', 'svc:First'],
    ]);
  });

  it('reports a partial apply (exit 4) listing what remains when an undo fails', async () => {
    const h = harness((api) => (api === 'svc:Second' || api === 'svc:Undo' ? awsError('ServiceException', `${api} failed`) : {}));
    const first: Action = { api: 'svc:First', summary: 'add permission X', input: {}, undo: () => ({ api: 'svc:Undo', summary: 'remove X', input: {} }) };
    const failure = await applyPlan([first, { api: 'svc:Second', summary: 'write', input: {} }], h.options).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PartialApplyError);
    expect((failure as PartialApplyError).exitCode).toBe(4);
    expect((failure as PartialApplyError).remaining[0]).toMatch(/add permission X \(undo svc:Undo failed/);
  });
});

describe('applyPlan: a skipped action', () => {
  it('is not sent when skip gives a reason (asked after the earlier actions ran); the reason is a warning, and a rollback passes it by', async () => {
    let firstRan = false;
    const h = harness((api) => (api === 'svc:Third' ? awsError('Boom', 'third failed') : { made: api }));
    const undoFirst: Action = { api: 'svc:UndoFirst', summary: 'undo first', input: {} };
    const actions: Action[] = [
      { api: 'svc:First', summary: 'first', input: {}, undo: () => ((firstRan = true), undoFirst) },
      { api: 'svc:Second', summary: 'second', input: {}, skip: () => (h.calls.length === 1 ? 'no longer wanted: svc:First ran' : undefined), undo: () => ({ api: 'svc:UndoSecond', summary: 'undo second', input: {} }) },
      { api: 'svc:Third', summary: 'third', input: {} },
    ];
    await expect(applyPlan(actions, h.options)).rejects.toThrow(/third failed/);
    expect(h.calls.map((c) => c.api)).toEqual(['svc:First', 'svc:Third', 'svc:UndoFirst']);
    expect(firstRan).toBe(true);
    expect(h.reporter.messages('warning')).toContain('no longer wanted: svc:First ran');
  });
});

describe('toEvsrcError', () => {
  it('maps AWS failures to one-line messages with hints', () => {
    const denied = toEvsrcError(Object.assign(awsError('AccessDeniedException', 'User is not authorized'), { evsrcApi: 'lambda:CreateEventSourceMapping' }));
    expect(denied).toBeInstanceOf(AwsFailure);
    expect(denied.message).toBe('AccessDeniedException: User is not authorized (lambda:CreateEventSourceMapping)');
    expect(denied.hint).toMatch(/IAM permission for lambda:CreateEventSourceMapping/);
    expect(denied.requestId).toBe('req-1');
    const creds = toEvsrcError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    expect(creds.message).toBe('no AWS credentials found');
    expect(creds.hint).toMatch(/--profile/);
    const region = toEvsrcError(new Error('Region is missing'));
    expect(region.exitCode).toBe(2);
    const dns = toEvsrcError(Object.assign(new Error('getaddrinfo ENOTFOUND lambda.mars-1.amazonaws.com'), { code: 'ENOTFOUND' }));
    expect(dns.hint).toMatch(/--region/);
  });
});

describe('check: failures an answer reports without an error', () => {
  it('are retried by the action\'s rules, then raised with the AWS name they carry', async () => {
    const failed = { FailedEntryCount: 1, FailedEntries: [{ TargetId: 't', ErrorCode: 'ConcurrentModificationException' }] };
    const h = harness((_api, n) => (n < 3 ? failed : { FailedEntryCount: 0 }));
    const check = (result: unknown) => {
      if ((result as { FailedEntryCount?: number }).FailedEntryCount) throw new AwsFailure('entry failed', { awsErrorName: 'ConcurrentModificationException' });
    };
    const retry = [{ errorNames: ['ConcurrentModificationException'], attempts: 4, delayMs: 10, reason: 'busy' }];
    await applyPlan([{ api: 'events:PutTargets', summary: 'put', input: {}, check, retry }], h.options);
    expect(h.calls).toHaveLength(3);
    expect(h.sleeps).toEqual([10, 20]);

    const always = harness(() => failed);
    await expect(applyPlan([{ api: 'events:PutTargets', summary: 'put', input: {}, check, retry }], always.options)).rejects.toMatchObject({ awsErrorName: 'ConcurrentModificationException' });
    expect(always.calls).toHaveLength(4);
  });
});

describe('applyPlan under an interrupt', () => {
  const plan = (): Action[] => [
    { api: 'lambda:AddPermission', summary: 'add permission', input: { Sid: 's' }, undo: () => ({ api: 'lambda:RemovePermission', summary: 'remove permission', input: { Sid: 's' } }) },
    { api: 's3:PutBucketNotificationConfiguration', summary: 'put notification', input: {}, undo: () => ({ api: 's3:PutBucketNotificationConfiguration', summary: 'restore notification', input: { old: true } }) },
  ];

  it('lets the call in flight complete, undoes what ran, says what was done and undone (exit 130)', async () => {
    const interrupt = new InterruptController();
    const h = harness((api) => {
      if (api === 'lambda:AddPermission') interrupt.interrupt('SIGINT');
      return {};
    });
    const failure = await applyPlan(plan(), { ...h.options, interrupt }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InterruptedError);
    const error = failure as InterruptedError;
    expect(error.exitCode).toBe(130);
    expect(h.calls.map((c) => c.api)).toEqual(['lambda:AddPermission', 'lambda:RemovePermission']);
    expect(error.message).toMatch(/interrupted \(SIGINT\) after 1 of 2 steps; done: add permission; undone: add permission; not run: put notification; nothing of this run is left/);
    expect(interrupt.changed).toEqual([]);
  });

  it('an interrupt during the last call lets it complete and keeps the whole change (no undo)', async () => {
    const interrupt = new InterruptController();
    const h = harness((api) => {
      if (api === 's3:PutBucketNotificationConfiguration') interrupt.interrupt('SIGTERM');
      return {};
    });
    const error = (await applyPlan(plan(), { ...h.options, interrupt }).catch((e: unknown) => e)) as InterruptedError;
    expect(error.signal).toBe('SIGTERM');
    expect(h.calls.map((c) => c.api)).toEqual(['lambda:AddPermission', 's3:PutBucketNotificationConfiguration']);
    expect(error.undone).toEqual([]);
    expect(error.message).toMatch(/the change is complete and was kept/);
  });

  it('does not retry a failed step once interrupted, and an undo that fails gives exit 4 with what remains', async () => {
    const interrupt = new InterruptController();
    const h = harness((api) => {
      if (api === 'lambda:AddPermission') {
        interrupt.interrupt('SIGINT');
        return {};
      }
      return awsError('ServiceException', 'boom');
    });
    const failure = await applyPlan(plan(), { ...h.options, interrupt }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PartialApplyError);
    expect((failure as PartialApplyError).remaining).toEqual([expect.stringMatching(/^add permission \(undo lambda:RemovePermission failed/)]);
  });

  it('a removal (no undo) stops between steps and lists what ran', async () => {
    const interrupt = new InterruptController();
    const h = harness(() => {
      interrupt.interrupt('SIGINT');
      return {};
    });
    const removal: Action[] = [
      { api: 'sns:Unsubscribe', summary: 'unsubscribe', input: {} },
      { api: 'lambda:RemovePermission', summary: 'remove permission', input: {} },
    ];
    const error = (await applyPlan(removal, { ...h.options, interrupt }).catch((e: unknown) => e)) as InterruptedError;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(h.calls.map((c) => c.api)).toEqual(['sns:Unsubscribe']);
    expect(error.done).toEqual(['unsubscribe']);
    expect(error.message).toMatch(/not run: remove permission$/);
  });
});

describe('waits under an interrupt', () => {
  it('waitForMapping stops with InterruptedError at its next poll; pollUntil too', async () => {
    const { waitForMapping } = await import('../../src/mechanisms/esm/settings.js');
    const { pollUntil } = await import('../../src/core/poll.js');
    const interrupt = new InterruptController();
    interrupt.interrupt('SIGINT');
    const reporter = new MemoryReporter();
    const ctx = { aws: {} as never, reporter, wait: true, sleep: async () => {}, interrupt };
    await expect(waitForMapping(ctx, { UUID: 'u-1', State: 'Creating' })).rejects.toThrow(/interrupted \(SIGINT\) while waiting for mapping u-1 \(Creating\)/);
    await expect(pollUntil(ctx, 'the table', async () => 'CREATING', (v) => v === 'ACTIVE', { initial: 'CREATING' })).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('retries under an interrupt', () => {
  it('an interrupt during the wait before a retry makes no new attempt', async () => {
    const interrupt = new InterruptController();
    const h = harness(() => awsError('InvalidParameterValueException', roleMessage));
    const action: Action = { api: 'lambda:CreateEventSourceMapping', summary: 'create', input: {}, retry: [executionRoleRetry('needs sqs:ReceiveMessage')] };
    const sleep = async () => void interrupt.interrupt('SIGINT');
    const failure = await applyPlan([action], { ...h.options, sleep, interrupt }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(h.calls).toHaveLength(1);
  });
});

describe('applyPlan: a read-only look ahead (prefetch) and the input built from it (prepare)', () => {
  const opts = (call: CallApi) => ({ call, reporter: new MemoryReporter(), describeError: toEvsrcError, errorName: awsErrorName, sleep: async () => {} });

  it('starts the next action\'s prefetch beside the current call, and sends what prepare builds from it', async () => {
    const events: string[] = [];
    let prefetchRan: () => void = () => {};
    const ran = new Promise<void>((resolve) => (prefetchRan = resolve));
    const call: CallApi = async (api, input) => {
      events.push(`call ${api} ${JSON.stringify(input)}`);
      // The first call answers only once the look ahead has run: they overlap.
      if (api === 'x:First') await ran;
      return {};
    };
    const second: Action = {
      api: 'x:Second',
      summary: 'second',
      input: { v: 'planned' },
      prefetch: async () => {
        events.push('prefetch');
        prefetchRan();
        return 'fresh';
      },
      prepare: (input, fresh) => ({ ...input, v: fresh }),
    };
    const out = await applyPlan([{ api: 'x:First', summary: 'first', input: {} }, second], opts(call));
    expect(events.slice(-1)).toEqual(['call x:Second {"v":"fresh"}']);
    expect(events.slice(0, 2).sort()).toEqual(['call x:First {}', 'prefetch']);
    expect(out.inputs[1]).toEqual({ v: 'fresh' });
  });

  it('a failed prefetch gives prepare undefined; a throwing prepare fails the action and undoes the earlier ones', async () => {
    const calls: string[] = [];
    const call: CallApi = async (api) => {
      calls.push(api);
      return {};
    };
    let seen: unknown = 'unset';
    const first: Action = { api: 'x:Add', summary: 'add', input: {}, undo: () => ({ api: 'x:Remove', summary: 'remove', input: {} }) };
    const second: Action = {
      api: 'x:Put',
      summary: 'put',
      input: {},
      prefetch: async () => {
        throw new Error('read failed');
      },
      prepare: (_input, fresh) => {
        seen = fresh;
        throw new AwsFailure('the fresh read shows a conflict');
      },
    };
    await expect(applyPlan([first, second], opts(call))).rejects.toThrow(/conflict/);
    expect(seen).toBeUndefined();
    expect(calls).toEqual(['x:Add', 'x:Remove']);
  });
});

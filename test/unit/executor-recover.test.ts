import { describe, expect, it } from 'vitest';
import { argumentPairs, isUnknownOutcome, toEvsrcError, awsErrorName } from '../../src/aws/errors.js';
import { PartialApplyError } from '../../src/core/errors.js';
import { applyPlan, type CallApi } from '../../src/core/executor.js';
import type { Action } from '../../src/core/plan.js';
import { MemoryReporter } from '../../src/core/reporter.js';

const lost = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
const refused = () => Object.assign(new Error('bad'), { name: 'InvalidParameter', $metadata: { httpStatusCode: 400 } });

function options(call: CallApi, reporter = new MemoryReporter()) {
  return { call, reporter, describeError: toEvsrcError, errorName: awsErrorName, sleep: async () => {} };
}

/** AWS's answer to an AddPermission whose statement id is taken, after `attempts` tries of the SDK. */
const statementExists = (attempts: number) =>
  Object.assign(new Error('The statement id (evsrc-x) provided already exists.'), { name: 'ResourceConflictException', $metadata: { httpStatusCode: 409, attempts } });

/** An AddPermission step whose read-back finds its statement, and whose undo removes it. */
const permissionStep = (retry?: Action['retry']): Action => ({
  api: 'lambda:AddPermission',
  summary: 'allow',
  input: {},
  ...(retry ? { retry } : {}),
  recover: async () => ({ Statement: 'evsrc-x' }),
  undo: () => ({ api: 'lambda:RemovePermission', summary: 'remove', input: {} }),
});

describe('isUnknownOutcome', () => {
  it('is true without an HTTP answer or on 5xx, false on 4xx', () => {
    expect(isUnknownOutcome(lost())).toBe(true);
    expect(isUnknownOutcome({ $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isUnknownOutcome(refused())).toBe(false);
  });
});

describe('applyPlan with recover', () => {
  it('counts an action as done when its read-back finds the write, and keeps its undo', async () => {
    const calls: string[] = [];
    const undoCalls: string[] = [];
    const call: CallApi = async (api) => {
      calls.push(api);
      if (api === 'sns:Subscribe') throw lost();
      if (api === 'sqs:SetQueueAttributes') throw refused();
      if (api === 'sns:Unsubscribe') undoCalls.push(api);
      return {};
    };
    const subscribe: Action = {
      api: 'sns:Subscribe',
      summary: 'subscribe',
      input: {},
      recover: async (error) => (isUnknownOutcome(error) ? { SubscriptionArn: 'arn:sub' } : undefined),
      undo: (result) => ({ api: 'sns:Unsubscribe', summary: `unsubscribe ${(result as { SubscriptionArn: string }).SubscriptionArn}`, input: {} }),
    };
    const reporter = new MemoryReporter();
    const ok = await applyPlan([subscribe], options(call, reporter));
    expect(ok.results).toEqual([{ SubscriptionArn: 'arn:sub' }]);
    expect(reporter.messages('warning')[0]).toMatch(/sns:Subscribe failed .* reading back shows the change was made/);
    // A later failure undoes the recovered action.
    await expect(applyPlan([subscribe, { api: 'sqs:SetQueueAttributes', summary: 'set', input: {} }], options(call))).rejects.toThrow('bad');
    expect(undoCalls).toEqual(['sns:Unsubscribe']);
  });

  it('"already exists" on the first attempt: another writer made it, so a later failure does not undo it; after a retried attempt it may be this run\'s, and is undone', async () => {
    for (const [attempts, undone] of [
      [1, []],
      [2, ['lambda:RemovePermission']],
    ] as const) {
      const undoCalls: string[] = [];
      const call: CallApi = async (api) => {
        if (api === 'lambda:AddPermission') throw statementExists(attempts);
        if (api === 'sns:Subscribe') throw refused();
        undoCalls.push(api);
        return {};
      };
      const add = permissionStep();
      const reporter = new MemoryReporter();
      await expect(applyPlan([add, { api: 'sns:Subscribe', summary: 'subscribe', input: {} }], options(call, reporter))).rejects.toThrow('bad');
      expect(undoCalls, `attempts ${attempts}`).toEqual(undone);
      expect(reporter.messages('warning')[0]).toMatch(attempts === 1 ? /another writer made it/ : /reading back shows the change was made/);
    }
  });

  it('a 409 to the first SDK attempt of a call the executor sent again (a retry rule) may be this run\'s own earlier send: undone', async () => {
    const undoCalls: string[] = [];
    let sends = 0;
    const call: CallApi = async (api) => {
      if (api === 'lambda:AddPermission') {
        sends += 1;
        // The first send ends throttled (an earlier try of it may have been applied); the executor sends again.
        if (sends === 1) throw Object.assign(new Error('slow down'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429, attempts: 3 } });
        throw statementExists(1);
      }
      if (api === 'sns:Subscribe') throw refused();
      undoCalls.push(api);
      return {};
    };
    const add = permissionStep([{ errorNames: ['TooManyRequestsException'], attempts: 3, delayMs: 1, reason: 'throttled' }]);
    await expect(applyPlan([add, { api: 'sns:Subscribe', summary: 'subscribe', input: {} }], options(call))).rejects.toThrow('bad');
    expect(sends).toBe(2);
    expect(undoCalls).toEqual(['lambda:RemovePermission']);
  });

  it('a send refused outright (409 "update in progress", retried by a rule) does not stop adoption of the "already exists" that follows; an interrupt then names the adopted step apart and undoes nothing of it', async () => {
    const { InterruptController, InterruptedError } = await import('../../src/core/interrupt.js');
    const interrupt = new InterruptController();
    const undoCalls: string[] = [];
    let sends = 0;
    const call: CallApi = async (api) => {
      if (api === 'lambda:AddPermission') {
        sends += 1;
        if (sends === 1) throw Object.assign(new Error('An update is in progress for resource: worker'), { name: 'ResourceConflictException', $metadata: { httpStatusCode: 409, attempts: 1 } });
        interrupt.interrupt('SIGINT');
        throw statementExists(1);
      }
      undoCalls.push(api);
      return {};
    };
    const add = permissionStep([{ errorNames: ['ResourceConflictException'], messageIncludes: ['update is in progress'], attempts: 3, delayMs: 1, reason: 'busy' }]);
    const failure = await applyPlan([add, { api: 'sns:Subscribe', summary: 'subscribe', input: {} }], { ...options(call), interrupt }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InterruptedError);
    expect(sends).toBe(2);
    expect(undoCalls).toEqual([]);
    expect((failure as Error).message).toMatch(/done: nothing; found made by another writer and left as it was: allow; not run: subscribe; nothing of this run is left/);
    expect(interrupt.changed).toEqual([]);
  });

  it('fails as before when the read-back finds nothing, or fails itself', async () => {
    const call: CallApi = async () => {
      throw lost();
    };
    await expect(applyPlan([{ api: 'a:B', summary: 'b', input: {}, recover: async () => undefined }], options(call))).rejects.toThrow('socket hang up');
    await expect(
      applyPlan(
        [
          {
            api: 'a:B',
            summary: 'b',
            input: {},
            recover: async () => {
              throw new Error('read failed');
            },
          },
        ],
        options(call),
      ),
    ).rejects.toThrow('socket hang up');
  });

  it('raises PartialApplyError when an undo fails', async () => {
    const call: CallApi = async (api) => {
      if (api === 'x:Second' || api === 'x:Undo') throw refused();
      return {};
    };
    const first: Action = { api: 'x:First', summary: 'first', input: {}, undo: () => ({ api: 'x:Undo', summary: 'undo first', input: {} }) };
    const error = await applyPlan([first, { api: 'x:Second', summary: 'second', input: {} }], options(call)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialApplyError);
    expect((error as PartialApplyError).remaining[0]).toMatch(/^first \(undo x:Undo failed/);
  });
});

describe('S3 InvalidArgument details', () => {
  it('names each destination S3 could not validate', () => {
    const error = Object.assign(new Error('Unable to validate the following destination configurations'), {
      name: 'InvalidArgument',
      ArgumentName1: 'arn:aws:lambda:us-east-1:123456789012:function:gone, null',
      ArgumentValue1: 'Not authorized to invoke function [arn:aws:lambda:us-east-1:123456789012:function:gone]',
      $metadata: { httpStatusCode: 400 },
    });
    expect(argumentPairs(error)).toHaveLength(1);
    expect(toEvsrcError(error).message).toMatch(/Unable to validate.*: arn:aws:lambda:us-east-1:123456789012:function:gone, null \(Not authorized to invoke function/);
  });
});

describe('the shared read-back of CreateEventSourceMapping', () => {
  const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';
  const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
  const conflict = () =>
    Object.assign(new Error('The event source arn (x) and function (worker) provided mapping already exists.'), {
      name: 'ResourceConflictException',
      $metadata: { httpStatusCode: 409 },
    });
  const create = (): Action => ({ api: 'lambda:CreateEventSourceMapping', summary: 'create', input: { FunctionName: 'worker', EventSourceArn: QUEUE, BatchSize: 5 } });

  it('after "already exists", looks again a little later when the racing create is not listed yet', async () => {
    const { withMappingReadBack, READ_BACK_DELAYS_MS } = await import('../../src/mechanisms/esm/recover.js');
    let lists = 0;
    const call: CallApi = async (api) => {
      if (api === 'lambda:CreateEventSourceMapping') throw conflict();
      lists += 1;
      // The winner's mapping shows from the second read on.
      return { EventSourceMappings: lists < 2 ? [] : [{ UUID: 'u-1', EventSourceArn: QUEUE, FunctionArn: FN_ARN, BatchSize: 5, State: 'Enabled' }] };
    };
    const sleeps: number[] = [];
    const actions = [create()];
    withMappingReadBack(actions, call, async (ms) => void sleeps.push(ms));
    const out = await applyPlan(actions, options(call));
    expect(out.results[0]).toMatchObject({ UUID: 'u-1' });
    expect(sleeps).toEqual([READ_BACK_DELAYS_MS[0]]);
  });

  it('gives up after its bounded looks, and a lost answer is read back once, without waiting', async () => {
    const { withMappingReadBack, READ_BACK_DELAYS_MS } = await import('../../src/mechanisms/esm/recover.js');
    let lists = 0;
    let fail: () => Error = conflict;
    const call: CallApi = async (api) => {
      if (api === 'lambda:CreateEventSourceMapping') throw fail();
      lists += 1;
      return { EventSourceMappings: [] };
    };
    const sleeps: number[] = [];
    let actions = [create()];
    withMappingReadBack(actions, call, async (ms) => void sleeps.push(ms));
    await expect(applyPlan(actions, options(call))).rejects.toThrow(/already exists/);
    expect(sleeps).toEqual(READ_BACK_DELAYS_MS);
    expect(lists).toBe(READ_BACK_DELAYS_MS.length + 1);
    lists = 0;
    sleeps.length = 0;
    fail = lost;
    actions = [create()];
    withMappingReadBack(actions, call, async (ms) => void sleeps.push(ms));
    await expect(applyPlan(actions, options(call))).rejects.toThrow();
    expect(lists).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('after "already exists", a mapping another run made with other settings is updated to the asked ones at once', async () => {
    const { withMappingReadBack, IN_USE_DELAYS_MS } = await import('../../src/mechanisms/esm/recover.js');
    const updates: Record<string, unknown>[] = [];
    let inUse = 2;
    const call: CallApi = async (api, input) => {
      if (api === 'lambda:CreateEventSourceMapping') throw conflict();
      if (api === 'lambda:UpdateEventSourceMapping') {
        updates.push(input);
        // The other run's mapping is still Creating for the first two tries, as AWS answers then.
        if (inUse-- > 0) throw Object.assign(new Error('busy'), { name: 'ResourceInUseException', $metadata: { httpStatusCode: 400 } });
        return { UUID: 'u-9', EventSourceArn: QUEUE, FunctionArn: FN_ARN, BatchSize: 5, State: 'Updating' };
      }
      return { EventSourceMappings: [{ UUID: 'u-9', EventSourceArn: QUEUE, FunctionArn: FN_ARN, BatchSize: 3, State: 'Creating' }] };
    };
    const sleeps: number[] = [];
    const reporter = new MemoryReporter();
    const actions = [create()];
    withMappingReadBack(actions, call, async (ms) => void sleeps.push(ms));
    const out = await applyPlan(actions, options(call, reporter));
    expect(out.results[0]).toMatchObject({ UUID: 'u-9', BatchSize: 5 });
    expect(updates).toEqual([{ UUID: 'u-9', BatchSize: 5 }, { UUID: 'u-9', BatchSize: 5 }, { UUID: 'u-9', BatchSize: 5 }]);
    // No read-back delay: the other mapping was listed at once; only the busy mapping was waited for.
    expect(sleeps).toEqual(IN_USE_DELAYS_MS.slice(0, 2));
  });

  it('a mapping another run made with a different create-only setting is refused (exit 3), naming the field; nothing is updated', async () => {
    const { withMappingReadBack } = await import('../../src/mechanisms/esm/recover.js');
    const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';
    const apis: string[] = [];
    const call: CallApi = async (api) => {
      apis.push(api);
      if (api === 'lambda:CreateEventSourceMapping') throw conflict();
      return { EventSourceMappings: [{ UUID: 'u-7', EventSourceArn: STREAM, FunctionArn: FN_ARN, StartingPosition: 'LATEST', BatchSize: 100, State: 'Enabled' }] };
    };
    const actions: Action[] = [
      { api: 'lambda:CreateEventSourceMapping', summary: 'create', input: { FunctionName: 'worker', EventSourceArn: STREAM, StartingPosition: 'TRIM_HORIZON' } },
    ];
    withMappingReadBack(actions, call, async () => {});
    const failure = await applyPlan(actions, options(call)).catch((e: unknown) => e);
    expect(failure).toMatchObject({ exitCode: 3 });
    expect(String((failure as Error).message)).toMatch(/u-7 .*StartingPosition "LATEST" \(asked "TRIM_HORIZON"\)/);
    expect(apis).not.toContain('lambda:UpdateEventSourceMapping');
  });

  it('a keyed source (MSK): the raced mapping is the one of the asked topic, not an older one of another topic', async () => {
    const { withMappingReadBack } = await import('../../src/mechanisms/esm/recover.js');
    const MSK = 'arn:aws:kafka:us-east-1:123456789012:cluster/c/abc';
    const updates: Record<string, unknown>[] = [];
    const call: CallApi = async (api, input) => {
      if (api === 'lambda:CreateEventSourceMapping') throw conflict();
      if (api === 'lambda:UpdateEventSourceMapping') return (updates.push(input), { UUID: input.UUID, BatchSize: input.BatchSize });
      return {
        EventSourceMappings: [
          { UUID: 'u-a', EventSourceArn: MSK, FunctionArn: FN_ARN, Topics: ['alpha'], BatchSize: 100, State: 'Enabled' },
          { UUID: 'u-gone', EventSourceArn: MSK, FunctionArn: FN_ARN, Topics: ['beta'], BatchSize: 7, State: 'Deleting' },
          { UUID: 'u-b', EventSourceArn: MSK, FunctionArn: FN_ARN, Topics: ['beta'], BatchSize: 100, State: 'Creating' },
        ],
      };
    };
    const actions: Action[] = [{ api: 'lambda:CreateEventSourceMapping', summary: 'create', input: { FunctionName: 'worker', EventSourceArn: MSK, Topics: ['beta'], BatchSize: 7 } }];
    withMappingReadBack(actions, call, async () => {});
    const out = await applyPlan(actions, options(call));
    expect(out.results[0]).toMatchObject({ UUID: 'u-b' });
    expect(updates).toEqual([{ UUID: 'u-b', BatchSize: 7 }]);
  });

  it('updates only what the planner asked (not defaults the create input carries), tags the mapping with the asked tags, and a failed update is named as such', async () => {
    const { withMappingReadBack } = await import('../../src/mechanisms/esm/recover.js');
    const { ASKED_SETTINGS } = await import('../../src/mechanisms/esm/settings.js');
    const apis: { api: string; input: Record<string, unknown> }[] = [];
    let updateFails = false;
    const call: CallApi = async (api, input) => {
      apis.push({ api, input });
      if (api === 'lambda:CreateEventSourceMapping') throw conflict();
      if (api === 'lambda:UpdateEventSourceMapping') {
        if (updateFails) throw Object.assign(new Error('bad window'), { name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
        return { UUID: 'u-3', BatchSize: 5 };
      }
      if (api === 'lambda:TagResource') return {};
      return { EventSourceMappings: [{ UUID: 'u-3', EventSourceArn: QUEUE, FunctionArn: FN_ARN, BatchSize: 3, MaximumBatchingWindowInSeconds: 9, State: 'Enabled' }] };
    };
    const make = (): Action => {
      const action: Action = {
        api: 'lambda:CreateEventSourceMapping',
        summary: 'create',
        input: { FunctionName: 'worker', EventSourceArn: QUEUE, BatchSize: 5, MaximumBatchingWindowInSeconds: 0, Tags: { team: 'a' } },
      };
      ASKED_SETTINGS.set(action, { batchSize: 5 });
      return action;
    };
    let actions = [make()];
    withMappingReadBack(actions, call, async () => {});
    await applyPlan(actions, options(call));
    expect(apis.filter((c) => c.api !== 'lambda:ListEventSourceMappings' && c.api !== 'lambda:CreateEventSourceMapping')).toEqual([
      { api: 'lambda:UpdateEventSourceMapping', input: { UUID: 'u-3', BatchSize: 5 } },
      { api: 'lambda:TagResource', input: { Resource: 'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:u-3', Tags: { team: 'a' } } },
    ]);
    updateFails = true;
    actions = [make()];
    withMappingReadBack(actions, call, async () => {});
    const failure = await applyPlan(actions, options(call)).catch((e: unknown) => e);
    expect(String((failure as Error).message)).toMatch(/^lambda:UpdateEventSourceMapping of the mapping u-3, which another run created at the same time, failed: .*bad window/);
  });
});

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

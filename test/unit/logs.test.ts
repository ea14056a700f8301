import { describe, expect, it } from 'vitest';
import { awsErrorName, toEvsrcError } from '../../src/aws/errors.js';
import { ExitCode, PreconditionError, UsageError } from '../../src/core/errors.js';
import { applyPlan, type CallApi } from '../../src/core/executor.js';
import { MemoryReporter } from '../../src/core/reporter.js';
import { parsePolicy, statementId } from '../../src/mechanisms/permission/policy.js';
import { grantsOf } from '../../src/mechanisms/permission/grants.js';
import {
  checkSameAccountRegion,
  defaultFilterName,
  MAX_FILTERS_PER_GROUP,
  parseLogGroupRef,
  parseLogsOptions,
  planLogs,
  type LogsPlanInput,
} from '../../src/sources/logs/add.js';
import { logsType, logGroupOfGrant } from '../../src/sources/logs/index.js';
import { logGroupNameOfArn, type SubscriptionFilter } from '../../src/sources/logs/inventory.js';
import { planLogsRemoval } from '../../src/sources/logs/removal.js';

const ACCOUNT = '123456789012';
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:ship`;
const OTHER_FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:other`;
const GROUP = '/app/api';
const GROUP_ARN = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${GROUP}:*`;
const fn = { arn: FN, region: 'us-east-1', account: ACCOUNT };

function input(extra: Partial<LogsPlanInput> = {}): LogsPlanInput {
  return { groupName: GROUP, groupArn: GROUP_ARN, region: 'us-east-1', fn, filters: [], policy: { statements: [] }, options: { filterPattern: 'ERROR' }, ...extra };
}

function policyWith(principal: string, sourceArn: string, sid = 'made-by-hand', account?: string) {
  const condition: Record<string, unknown> = { ArnLike: { 'AWS:SourceArn': sourceArn } };
  if (account) condition.StringEquals = { 'AWS:SourceAccount': account };
  const raw = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Principal: { Service: principal }, Action: 'lambda:InvokeFunction', Resource: FN, Condition: condition }] });
  return { raw, statements: parsePolicy(raw) };
}

function usageMessage(fnToRun: () => unknown): string {
  try {
    fnToRun();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('logs: validation (pure, before any AWS call)', () => {
  it('accepts names and ARNs with or without :*', () => {
    expect(parseLogGroupRef('/aws/lambda/x#1.y_z-w')).toEqual({ kind: 'name', name: '/aws/lambda/x#1.y_z-w' });
    expect(parseLogGroupRef(GROUP_ARN)).toEqual({ kind: 'arn', name: GROUP, region: 'us-east-1', account: ACCOUNT });
    expect(parseLogGroupRef(GROUP_ARN.slice(0, -2))).toEqual({ kind: 'arn', name: GROUP, region: 'us-east-1', account: ACCOUNT });
  });

  it('names the argument and the bad value', () => {
    expect(usageMessage(() => parseLogGroupRef('bad name!'))).toMatch(/^<log-group>: "bad name!" is not a log group name or ARN \(names are 1-512/);
    expect(usageMessage(() => parseLogGroupRef('x'.repeat(513)))).toMatch(/<log-group>: "x{513}"/);
    expect(usageMessage(() => parseLogGroupRef(`arn:aws:sns:us-east-1:${ACCOUNT}:topic`))).toMatch(/is not a log group ARN/);
    expect(usageMessage(() => parseLogGroupRef(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:a:b`))).toMatch(/is not a log group ARN/);
  });

  it('refuses a log group of another account or region than the function', () => {
    const other = parseLogGroupRef(`arn:aws:logs:us-east-1:999999999999:log-group:${GROUP}:*`);
    expect(usageMessage(() => checkSameAccountRegion(other, fn))).toMatch(/account 999999999999, but .*function:ship is in account 123456789012/);
    const elsewhere = parseLogGroupRef(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${GROUP}`);
    expect(usageMessage(() => checkSameAccountRegion(elsewhere, fn))).toMatch(/is in eu-west-1, but .* is in us-east-1/);
    expect(() => checkSameAccountRegion(parseLogGroupRef(GROUP), fn)).not.toThrow();
  });

  it('checks --filter-pattern length and --filter-name characters', () => {
    expect(parseLogsOptions({})).toEqual({});
    expect(parseLogsOptions({ filterPattern: 'x'.repeat(1024), filterName: 'ok name' })).toEqual({ filterPattern: 'x'.repeat(1024), filterName: 'ok name' });
    expect(usageMessage(() => parseLogsOptions({ filterPattern: 'x'.repeat(1025) }))).toMatch(/^--filter-pattern: the pattern is 1025 characters; .* at most 1024/);
    expect(usageMessage(() => parseLogsOptions({ filterName: 'a:b' }))).toMatch(/^--filter-name: "a:b" is not a subscription filter name \(1-512 characters, no ':' or '\*'\)/);
    expect(usageMessage(() => parseLogsOptions({ filterName: 'a*' }))).toMatch(/--filter-name: "a\*"/);
    expect(usageMessage(() => parseLogsOptions({ filterName: '' }))).toMatch(/--filter-name: ""/);
    expect(usageMessage(() => logsType.parseRemove(GROUP, { filterName: 'x:y' }))).toMatch(/--filter-name: "x:y"/);
  });

  it('derives a deterministic filter name per function (alias included)', () => {
    expect(defaultFilterName(FN)).toBe(defaultFilterName(FN));
    expect(defaultFilterName(FN)).toMatch(/^evsrc-ship-[0-9a-f]{8}$/);
    expect(defaultFilterName(`${FN}:live`)).not.toBe(defaultFilterName(FN));
    expect(defaultFilterName(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${'f'.repeat(64)}`).length).toBeLessThanOrEqual(79);
  });
});

describe('logs: planLogs', () => {
  it('warns of a grant with no source condition in terms of log groups', () => {
    const raw = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'broad', Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN }] });
    const planned = planLogs(input({ policy: { raw, statements: parsePolicy(raw) } }));
    expect(planned.warnings.join('\n')).toMatch(/without a source condition \(statement broad\); any log group, in any account, can then invoke the function/);
  });

  it('creates: permission first, then the filter; undo shapes delete what was made', () => {
    const planned = planLogs(input());
    expect(planned.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter']);
    const [permission, put] = planned.actions;
    expect(permission?.input).toMatchObject({ Principal: 'logs.amazonaws.com', SourceArn: GROUP_ARN, SourceAccount: ACCOUNT, StatementId: statementId('logs', FN, GROUP_ARN) });
    expect(put?.input).toEqual({ logGroupName: GROUP, filterName: defaultFilterName(FN), filterPattern: 'ERROR', destinationArn: FN });
    expect(put?.region).toBe('us-east-1');
    expect(permission?.undo?.({})).toMatchObject({ api: 'lambda:RemovePermission', input: { FunctionName: FN, StatementId: statementId('logs', FN, GROUP_ARN) } });
    expect(put?.undo?.({})).toMatchObject({ api: 'logs:DeleteSubscriptionFilter', input: { logGroupName: GROUP, filterName: defaultFilterName(FN) } });
  });

  it('keeps the s3 and sns statement ids as they were', () => {
    expect(statementId('s3', FN, 'arn:aws:s3:::uploads')).toMatch(/^evsrc-s3-uploads-[0-9a-f]{8}$/);
    expect(statementId('logs', FN, GROUP_ARN)).toMatch(/^evsrc-logs-api-[0-9a-f]{8}$/);
  });

  it('the same filter with the same pattern and an equivalent permission: no actions', () => {
    const filters: SubscriptionFilter[] = [{ filterName: 'mine', filterPattern: 'ERROR', destinationArn: FN }];
    const planned = planLogs(input({ filters, options: { filterPattern: 'ERROR', filterName: 'mine' }, policy: policyWith('logs.amazonaws.com', GROUP_ARN, 'x', ACCOUNT) }));
    expect(planned.actions).toEqual([]);
    expect(planned.statementId).toBe('x');
  });

  it('reuses a hand-made statement without SourceAccount, or with the regional principal', () => {
    expect(planLogs(input({ policy: policyWith('logs.amazonaws.com', GROUP_ARN, 'plain') })).actions.map((a) => a.api)).toEqual(['logs:PutSubscriptionFilter']);
    const regional = planLogs(input({ policy: policyWith('logs.us-east-1.amazonaws.com', GROUP_ARN, 'regional') }));
    expect(regional.actions.map((a) => a.api)).toEqual(['logs:PutSubscriptionFilter']);
    expect(regional.statementId).toBe('regional');
    // A grant for another group is not reused.
    const other = planLogs(input({ policy: policyWith('logs.amazonaws.com', GROUP_ARN.replace('/app/api', '/app/web')) }));
    expect(other.actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter']);
  });

  it('a different pattern updates the filter in place, with changes, and undo puts the old pattern back', () => {
    const filters: SubscriptionFilter[] = [{ filterName: 'mine', filterPattern: 'ERROR', destinationArn: FN, applyOnTransformedLogs: true }];
    const planned = planLogs(input({ filters, options: { filterPattern: 'WARN', filterName: 'mine' }, policy: policyWith('logs.amazonaws.com', GROUP_ARN, 'x', ACCOUNT) }));
    expect(planned.actions).toHaveLength(1);
    const [put] = planned.actions;
    expect(put?.changes).toEqual([{ field: 'filterPattern', from: 'ERROR', to: 'WARN' }]);
    expect(put?.input).toEqual({ logGroupName: GROUP, filterName: 'mine', filterPattern: 'WARN', destinationArn: FN, applyOnTransformedLogs: true });
    expect(put?.undo?.({})).toMatchObject({
      api: 'logs:PutSubscriptionFilter',
      input: { logGroupName: GROUP, filterName: 'mine', filterPattern: 'ERROR', destinationArn: FN, applyOnTransformedLogs: true },
    });
    expect(planned.existing?.filterName).toBe('mine');
  });

  it('a re-run without --filter-pattern keeps the existing pattern; a new filter without one takes every event', () => {
    const policy = policyWith('logs.amazonaws.com', GROUP_ARN, 'x', ACCOUNT);
    const filters: SubscriptionFilter[] = [{ filterName: defaultFilterName(FN), filterPattern: 'ERROR', destinationArn: FN }];
    const kept = planLogs(input({ filters, options: {}, policy }));
    expect(kept.actions).toEqual([]);
    expect(kept.pattern).toBe('ERROR');
    const created = planLogs(input({ options: {}, policy }));
    expect(created.actions[0]?.input).toMatchObject({ filterPattern: '' });
  });

  it('without --filter-name, a filter already sending to the function under another name is converged, not doubled', () => {
    const policy = policyWith('logs.amazonaws.com', GROUP_ARN, 'x', ACCOUNT);
    const filters: SubscriptionFilter[] = [{ filterName: 'by-hand', filterPattern: 'ERROR', destinationArn: FN }];
    const same = planLogs(input({ filters, options: { filterPattern: 'ERROR' }, policy }));
    expect(same.actions).toEqual([]);
    expect(same.filterName).toBe('by-hand');
    expect(same.warnings.join('\n')).toMatch(/already sends to .* through filter by-hand; evsrc manages that one/);
    const changed = planLogs(input({ filters, options: { filterPattern: 'WARN' }, policy }));
    expect(changed.actions.map((a) => [a.api, a.input.filterName])).toEqual([['logs:PutSubscriptionFilter', 'by-hand']]);
    // Named explicitly, a second filter to the same function is made, with a warning about double delivery.
    const second = planLogs(input({ filters, options: { filterName: 'second', filterPattern: 'WARN' }, policy }));
    expect(second.actions.map((a) => [a.api, a.input.filterName])).toEqual([['logs:PutSubscriptionFilter', 'second']]);
    expect(second.warnings.join('\n')).toMatch(/by-hand .* already sends to .*delivered twice/);
  });

  it('refuses our filter name on a filter that sends elsewhere (exit 3)', () => {
    const filters: SubscriptionFilter[] = [{ filterName: defaultFilterName(FN), filterPattern: '', destinationArn: OTHER_FN }];
    const error = (() => {
      try {
        planLogs(input({ filters }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).exitCode).toBe(ExitCode.NOT_FOUND);
    expect((error as Error).message).toContain(defaultFilterName(FN));
    expect((error as Error).message).toContain(OTHER_FN);
  });

  it(`refuses a new filter when the group holds ${MAX_FILTERS_PER_GROUP} (exit 3), naming them; an update there is still planned`, () => {
    const filters: SubscriptionFilter[] = [
      { filterName: 'one', filterPattern: '', destinationArn: OTHER_FN },
      { filterName: 'two', filterPattern: '', destinationArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' },
    ];
    expect(() => planLogs(input({ filters }))).toThrow(PreconditionError);
    expect(() => planLogs(input({ filters }))).toThrow(/already has as many subscription filters as CloudWatch Logs allows: one \(→ .*function:other\), two \(→ .*stream\/s\)/);
    const mine: SubscriptionFilter[] = [filters[0] as SubscriptionFilter, { filterName: 'mine', filterPattern: 'A', destinationArn: FN }];
    expect(planLogs(input({ filters: mine, options: { filterPattern: 'B', filterName: 'mine' } })).actions.map((a) => a.api)).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter']);
  });
});

describe('logs: running the plan', () => {
  function harness(fail: (api: string) => unknown) {
    const calls: string[] = [];
    const call: CallApi = async (api) => {
      calls.push(api);
      const error = fail(api);
      if (error) throw error;
      return {};
    };
    return { calls, options: { call, reporter: new MemoryReporter(), describeError: toEvsrcError, errorName: awsErrorName, sleep: async () => {} } };
  }
  const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400, requestId: 'R1' } });

  it('LimitExceededException becomes exit 3 naming the filters; the permission is rolled back', async () => {
    const filters: SubscriptionFilter[] = [{ filterName: 'one', destinationArn: OTHER_FN }];
    const h = harness((api) => (api === 'logs:PutSubscriptionFilter' ? awsError('LimitExceededException', 'Resource limit exceeded.') : undefined));
    const error = await applyPlan(planLogs(input({ filters })).actions, h.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).message).toMatch(/log group \/app\/api already has as many subscription filters as CloudWatch Logs allows: one/);
    expect((error as PreconditionError).hint).toMatch(/aws logs delete-subscription-filter --log-group-name \/app\/api --filter-name one/);
    expect((error as PreconditionError).awsErrorName).toBe('LimitExceededException');
    expect((error as PreconditionError).requestId).toBe('R1');
    expect(h.calls).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter', 'lambda:RemovePermission']);
  });

  it('retries the missing-permission answer, then gives up with a hint and rolls back', async () => {
    const h = harness((api) =>
      api === 'logs:PutSubscriptionFilter' ? awsError('InvalidParameterException', 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.') : undefined,
    );
    const error = await applyPlan(planLogs(input()).actions, h.options).catch((e: unknown) => e);
    expect(h.calls.filter((c) => c === 'logs:PutSubscriptionFilter')).toHaveLength(4);
    expect(h.calls.at(-1)).toBe('lambda:RemovePermission');
    expect((error as { hint?: string }).hint).toMatch(/CloudWatch Logs tests the function when the filter is written/);
  });

  it('another InvalidParameterException is not retried', async () => {
    const h = harness((api) => (api === 'logs:PutSubscriptionFilter' ? awsError('InvalidParameterException', 'something else') : undefined));
    await applyPlan(planLogs(input()).actions, h.options).catch(() => undefined);
    expect(h.calls).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter', 'lambda:RemovePermission']);
  });
});

describe('logs: remove and list helpers', () => {
  const grants = (raw: string) => grantsOf(parsePolicy(raw), FN, (p) => (logsType.push?.matchesPrincipal(p) ? 'logs' : undefined));

  it('deletes every filter to the function, then the group permission; foreign filters and statements stay', () => {
    const policy = policyWith('logs.amazonaws.com', GROUP_ARN, 'evsrc-logs-api', ACCOUNT);
    const filters: SubscriptionFilter[] = [
      { filterName: 'a', destinationArn: FN },
      { filterName: 'b', destinationArn: FN },
      { filterName: 'c', destinationArn: OTHER_FN },
      { filterName: 'alias', destinationArn: `${FN}:live` },
    ];
    const plan = planLogsRemoval({ groupName: GROUP, groupArn: GROUP_ARN, region: 'us-east-1', functionArn: FN, filters, grants: grants(policy.raw) });
    expect(plan.actions.map((a) => `${a.api} ${String(a.input.filterName ?? a.input.StatementId)}`)).toEqual([
      'logs:DeleteSubscriptionFilter a',
      'logs:DeleteSubscriptionFilter b',
      'lambda:RemovePermission evsrc-logs-api',
    ]);
    expect(plan.actions.every((a) => a.undo?.({}) === undefined)).toBe(true);
    expect(plan.removed.map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('--filter-name keeps the permission while another filter still sends; notes when nothing matches', () => {
    const policy = policyWith('logs.amazonaws.com', GROUP_ARN, 'p', ACCOUNT);
    const filters: SubscriptionFilter[] = [
      { filterName: 'a', destinationArn: FN },
      { filterName: 'b', destinationArn: FN },
      { filterName: 'c', destinationArn: OTHER_FN },
    ];
    const one = planLogsRemoval({ groupName: GROUP, groupArn: GROUP_ARN, region: 'us-east-1', functionArn: FN, filters, filterName: 'a', grants: grants(policy.raw) });
    expect(one.actions.map((a) => a.api)).toEqual(['logs:DeleteSubscriptionFilter']);
    expect(one.notes.join()).toMatch(/permission .* is kept/);
    const foreign = planLogsRemoval({ groupName: GROUP, groupArn: GROUP_ARN, region: 'us-east-1', functionArn: FN, filters, filterName: 'c', grants: [] });
    expect(foreign.actions).toEqual([]);
    expect(foreign.notes.join()).toMatch(/c on \/app\/api sends to .*function:other.* left in place/);
    const gone = planLogsRemoval({ groupName: GROUP, groupArn: GROUP_ARN, region: 'us-east-1', functionArn: FN, grants: grants(policy.raw) });
    expect(gone.notes).toContain('log group /app/api does not exist');
    expect(gone.actions.map((a) => a.api)).toEqual(['lambda:RemovePermission']);
  });

  it('recognises its principals, ARNs and grants', () => {
    const push = logsType.push;
    expect(push?.matchesPrincipal('logs.amazonaws.com')).toBe(true);
    expect(push?.matchesPrincipal('logs.eu-west-1.amazonaws.com')).toBe(true);
    expect(push?.matchesPrincipal('sns.amazonaws.com')).toBe(false);
    expect(push?.nameOf?.(GROUP_ARN)).toBe(GROUP);
    expect(logsType.ownsSourceArn(GROUP_ARN)).toBe(true);
    expect(logsType.ownsSourceArn(`arn:aws:logs:us-east-1:${ACCOUNT}:destination:d`)).toBe(false);
    expect(logGroupNameOfArn(GROUP_ARN.slice(0, -2))).toBe(GROUP);
    const grant = { type: 'logs', principal: 'logs.amazonaws.com', functionArn: FN, sourceAccounts: [] };
    expect(logGroupOfGrant({ ...grant, sourceArns: [GROUP_ARN] })).toBe(GROUP_ARN);
    expect(logGroupOfGrant({ ...grant, sourceArns: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/*`] })).toBeUndefined();
    expect(logGroupOfGrant({ ...grant, sourceArns: [GROUP_ARN, GROUP_ARN] })).toBeUndefined();
  });
});

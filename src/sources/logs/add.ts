import { createHash } from 'node:crypto';
import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import { awsErrorName, isAwsError, shouldReadBack, requestIdOf } from '../../aws/errors.js';
import { functionNameOf, parseArn, type FunctionRef } from '../../core/arn.js';
import { NotFoundError, PreconditionError, UsageError } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action, RetryRule } from '../../core/plan.js';
import { checkPushQualifier, planPermission, readFunctionPolicy, sessionCall, type FunctionPolicy } from '../../mechanisms/permission/plan.js';
import { findEquivalentStatement } from '../../mechanisms/permission/policy.js';
import type { AddPlan, AdapterContext, AddRequest, TriggerView } from '../contract.js';
import { FILTER_PATTERN_MAX, LOGS_PRINCIPAL } from './spec.js';

export { FILTER_PATTERN_MAX, LOGS_PRINCIPAL } from './spec.js';
import { describeFilters, filterView, logGroupArn, type SubscriptionFilter } from './inventory.js';

/** Validated options of `evsrc add logs`. */
export interface LogsOptions {
  /** The filter pattern; '' matches every log event. Not given: '' for a new filter, an existing filter's kept. */
  filterPattern?: string;
  /** The subscription filter's name; default: defaultFilterName(function). */
  filterName?: string;
}

/** Older docs and much third-party code grant the regional principal instead; evsrc reads both as this type's. */
export function regionalLogsPrincipal(region: string): string {
  return `logs.${region}.amazonaws.com`;
}

/**
 * Subscription filters a log group may hold. The CloudWatch Logs API reference says "Each log group can have up
 * to two subscription filters" (moto enforces 2); AWS may since have raised it. evsrc refuses a new filter at this
 * count, and maps AWS's own LimitExceededException to the same message when the real limit is lower.
 */
export const MAX_FILTERS_PER_GROUP = 2;

/** PutSubscriptionFilter filterName: 1-512 characters matching [^:*]* (API reference). */
export const FILTER_NAME_MAX = 512;
/** Log group names: 1-512 of [.-_/#A-Za-z0-9] (API reference). */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/** Checks a --filter-name value (pure); throws a UsageError naming the flag. */
export function parseFilterName(value: string, flag = '--filter-name'): string {
  if (value.length < 1 || value.length > FILTER_NAME_MAX || /[:*]/.test(value)) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a subscription filter name (1-${FILTER_NAME_MAX} characters, no ':' or '*')`);
  }
  return value;
}

/** Validates the raw flags of `add logs` (pure: no AWS). */
export function parseLogsOptions(raw: Record<string, unknown>): LogsOptions {
  const options: LogsOptions = {};
  if (raw.filterPattern !== undefined) {
    const pattern = String(raw.filterPattern);
    if (pattern.length > FILTER_PATTERN_MAX) {
      throw new UsageError(`--filter-pattern: the pattern is ${pattern.length} characters; CloudWatch Logs allows at most ${FILTER_PATTERN_MAX} (give '' or omit it for every event)`);
    }
    options.filterPattern = pattern;
  }
  if (raw.filterName !== undefined) options.filterName = parseFilterName(String(raw.filterName));
  return options;
}

/** A log group as the user named it. */
export type LogGroupRef = { kind: 'name'; name: string } | { kind: 'arn'; name: string; region: string; account: string };

/** Parses a log group name or ARN (with or without the trailing `:*`); throws a UsageError otherwise. */
export function parseLogGroupRef(value: string, label = '<log-group>'): LogGroupRef {
  const arn = parseArn(value);
  if (arn) {
    const match = /^log-group:([^:]+)(:\*)?$/.exec(arn.resource);
    const name = match?.[1];
    if (arn.service !== 'logs' || !arn.region || !/^\d{12}$/.test(arn.account) || !name || !LOG_GROUP_NAME.test(name)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not a log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>, optionally ending in :*)`);
    }
    return { kind: 'arn', name, region: arn.region, account: arn.account };
  }
  if (!LOG_GROUP_NAME.test(value)) {
    throw new UsageError(`${label}: ${JSON.stringify(value)} is not a log group name or ARN (names are 1-512 letters, digits and . - _ / #)`);
  }
  return { kind: 'name', name: value };
}

/**
 * CloudWatch Logs delivers only to a function in the log group's own account (cross-account delivery needs a
 * logical destination) and, as far as anyone has tested, region. Refused before any write.
 */
export function checkSameAccountRegion(ref: LogGroupRef, fn: { region?: string; account?: string; arn?: string }, label = '<log-group>'): void {
  if (ref.kind !== 'arn') return;
  const what = fn.arn ?? 'the function';
  if (fn.account && ref.account !== fn.account) {
    throw new UsageError(
      `${label}: log group ${ref.name} is in account ${ref.account}, but ${what} is in account ${fn.account}; CloudWatch Logs sends to a Lambda function only in the log group's own account`,
    );
  }
  if (fn.region && ref.region !== fn.region) {
    throw new UsageError(`${label}: log group ${ref.name} is in ${ref.region}, but ${what} is in ${fn.region}; CloudWatch Logs sends to a Lambda function only in the log group's region`);
  }
}

/**
 * evsrc's default filter name for a function: `evsrc-<function name>-<hash8>`. The hash over the function ARN
 * (alias included) keeps aliases and same-named functions apart; the name is at most 6 + 64 + 1 + 8 characters.
 */
export function defaultFilterName(functionArn: string): string {
  const hash = createHash('sha256').update(functionArn).digest('hex').slice(0, 8);
  return `evsrc-${functionNameOf(functionArn).slice(0, 64)}-${hash}`;
}

/**
 * PutSubscriptionFilter tests the destination when the filter is written and answers InvalidParameterException
 * "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your
 * function." while a new permission has not reached it yet.
 */
export const PERMISSION_PROPAGATION_RETRY: RetryRule = {
  errorNames: ['InvalidParameterException'],
  messageIncludes: ['Could not execute the lambda function'],
  attempts: 4,
  delayMs: 2000,
  reason: 'CloudWatch Logs cannot invoke the function yet (a new Lambda permission takes seconds to apply)',
  hint: `CloudWatch Logs tests the function when the filter is written: check that the function exists in the log group's account and region, and that its policy lets ${LOGS_PRINCIPAL} invoke it from the log group (aws lambda get-policy)`,
};

/** OperationAbortedException: "Multiple concurrent requests to update the same resource were in conflict." */
export const OPERATION_ABORTED_RETRY: RetryRule = {
  errorNames: ['OperationAbortedException'],
  attempts: 4,
  delayMs: 1000,
  reason: 'another change to the log group is in progress',
};

/** Describes filters for a message: `name (→ destination)`. */
export function describeFilterList(filters: readonly SubscriptionFilter[]): string {
  return filters.map((f) => `${f.filterName ?? '(no name)'} (→ ${f.destinationArn ?? '?'})`).join(', ');
}

/** The PreconditionError of a full log group, named in the user's terms. */
export function limitError(groupName: string, filters: readonly SubscriptionFilter[], cause?: unknown): PreconditionError {
  const held = filters.length > 0 ? `: ${describeFilterList(filters)}` : '';
  const first = filters[0]?.filterName ?? '<filter-name>';
  const details: ConstructorParameters<typeof PreconditionError>[1] = {
    hint: `remove one with: aws logs delete-subscription-filter --log-group-name ${groupName} --filter-name ${first}; then re-run`,
  };
  if (cause !== undefined) {
    details.awsErrorName = awsErrorName(cause);
    const requestId = requestIdOf(cause);
    if (requestId) details.requestId = requestId;
    details.cause = cause;
  }
  return new PreconditionError(`log group ${groupName} already has as many subscription filters as CloudWatch Logs allows${held}`, details);
}

/** Everything planLogs needs, read beforehand. */
export interface LogsPlanInput {
  groupName: string;
  /** The log group ARN with `:*`. */
  groupArn: string;
  region: string;
  fn: Pick<ResolvedFunction, 'arn' | 'account' | 'region'>;
  /** The group's subscription filters (all of them). */
  filters: readonly SubscriptionFilter[];
  policy: FunctionPolicy;
  options: LogsOptions;
  /** Read-back for actions whose outcome is unknown; omitted in pure tests. */
  call?: CallApi;
}

/** The planned actions, and what the result view needs. */
export interface LogsPlanned {
  actions: Action[];
  warnings: string[];
  filterName: string;
  /** The pattern the filter has once the actions ran. */
  pattern: string;
  statementId: string;
  existing?: SubscriptionFilter;
}

/** Fields of an existing filter that a PutSubscriptionFilter replacing it must send again to keep them. */
function keptFields(filter: SubscriptionFilter): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  if (filter.applyOnTransformedLogs) kept.applyOnTransformedLogs = true;
  if (filter.fieldSelectionCriteria) kept.fieldSelectionCriteria = filter.fieldSelectionCriteria;
  if (filter.emitSystemFields && filter.emitSystemFields.length > 0) kept.emitSystemFields = filter.emitSystemFields;
  return kept;
}

/**
 * Plans `add logs` (pure over what was read): the function's permission first (CloudWatch Logs tests the
 * destination when the filter is written), then PutSubscriptionFilter to create the filter or change its
 * pattern in place. A filter of that name to another destination, or a full log group, is refused.
 */
export function planLogs(input: LogsPlanInput): LogsPlanned {
  const { groupName, groupArn, region, fn, filters, options } = input;
  const warnings: string[] = [];
  // Without --filter-name, a filter that already sends to the function (made by hand, another tool, or evsrc
  // with --filter-name) is the one to converge: a second one would deliver every event twice.
  const ownDefault = filters.find((f) => f.filterName === defaultFilterName(fn.arn));
  const toFunction = filters.filter((f) => f.destinationArn === fn.arn);
  let filterName = options.filterName ?? defaultFilterName(fn.arn);
  if (options.filterName === undefined && !ownDefault && toFunction.length > 0) {
    filterName = toFunction[0]?.filterName ?? filterName;
    warnings.push(`log group ${groupName} already sends to ${fn.arn} through filter ${filterName}; evsrc manages that one (give --filter-name to add another)`);
  }
  const existing = filters.find((f) => f.filterName === filterName);
  const duplicates = toFunction.filter((f) => f.filterName !== filterName);
  if (duplicates.length > 0 && options.filterName !== undefined) {
    warnings.push(`filter ${describeFilterList(duplicates)} on log group ${groupName} already sends to ${fn.arn}: events matching both filters are delivered twice`);
  }
  if (existing && existing.destinationArn !== fn.arn) {
    throw new PreconditionError(
      `log group ${groupName} already has a subscription filter ${filterName} that sends to ${existing.destinationArn ?? 'another destination'}, not to ${fn.arn}; evsrc does not replace it`,
      { hint: 'give another name with --filter-name, or remove that filter first (aws logs delete-subscription-filter)' },
    );
  }
  if (!existing && filters.length >= MAX_FILTERS_PER_GROUP) throw limitError(groupName, filters);

  const permission = planPermission({ service: 'logs', noun: 'log group', principal: LOGS_PRINCIPAL, functionArn: fn.arn, sourceArn: groupArn, sourceAccount: fn.account }, input.policy, input.call);
  warnings.push(...permission.warnings);
  let statementId = permission.reusedStatementId ?? permission.statementId;
  const actions: Action[] = [];
  if (permission.action) {
    // An equivalent grant made elsewhere (the log group ARN already names the account; the regional principal
    // of older docs) is reused rather than duplicated.
    const reusable = [LOGS_PRINCIPAL, regionalLogsPrincipal(region)]
      .map((principal) => findEquivalentStatement(input.policy.statements, { principal, functionArn: fn.arn, sourceArn: groupArn }))
      .find((s) => s !== undefined);
    if (reusable) statementId = reusable.sid ?? statementId;
    else actions.push(permission.action);
  }

  // A pattern not given keeps the existing filter's; a new filter without one takes every event.
  const pattern = options.filterPattern ?? existing?.filterPattern ?? '';
  if (existing && (existing.filterPattern ?? '') === pattern) return { actions, warnings, filterName, pattern, statementId, existing };

  const put: Action = {
    api: 'logs:PutSubscriptionFilter',
    summary: existing
      ? `change the pattern of subscription filter ${filterName} on log group ${groupName}`
      : `subscribe ${fn.arn} to log group ${groupName} (filter ${filterName})`,
    input: { logGroupName: groupName, filterName, filterPattern: pattern, destinationArn: fn.arn, ...(existing ? keptFields(existing) : {}) },
    region,
    retry: [PERMISSION_PROPAGATION_RETRY, OPERATION_ABORTED_RETRY],
    mapError: (error) => (isAwsError(error, 'LimitExceededException') ? limitError(groupName, filters, error) : undefined),
  };
  if (existing) {
    const before = existing.filterPattern ?? '';
    put.changes = [{ field: 'filterPattern', from: before, to: pattern }];
    put.undo = () => ({
      api: 'logs:PutSubscriptionFilter',
      summary: `restore the pattern of subscription filter ${filterName} on log group ${groupName}`,
      input: { logGroupName: groupName, filterName, filterPattern: before, destinationArn: fn.arn, ...keptFields(existing) },
      region,
      retry: [OPERATION_ABORTED_RETRY],
    });
  } else {
    put.undo = () => ({
      api: 'logs:DeleteSubscriptionFilter',
      summary: `delete subscription filter ${filterName} from log group ${groupName}`,
      input: { logGroupName: groupName, filterName },
      region,
      retry: [OPERATION_ABORTED_RETRY],
    });
  }
  const call = input.call;
  if (call) {
    // The answer was lost: the filter is as asked if CloudWatch Logs wrote it.
    put.recover = async (error) => {
      if (!shouldReadBack(error)) return undefined;
      const out = (await call('logs:DescribeSubscriptionFilters', { logGroupName: groupName, filterNamePrefix: filterName }, region)) as { subscriptionFilters?: SubscriptionFilter[] };
      const made = (out.subscriptionFilters ?? []).find((f) => f.filterName === filterName);
      return made && made.destinationArn === fn.arn && (made.filterPattern ?? '') === pattern ? {} : undefined;
    };
  }
  actions.push(put);
  const planned: LogsPlanned = { actions, warnings, filterName, pattern, statementId };
  if (existing) planned.existing = existing;
  return planned;
}

/** The trigger view of a planned or existing filter. */
function view(groupArn: string, groupName: string, fnArn: string, filterName: string, pattern: string, statementId: string): TriggerView {
  const v = filterView({ filterName, logGroupName: groupName, filterPattern: pattern, destinationArn: fnArn }, groupArn);
  v.settings.permissionStatementId = statementId;
  return v;
}

/** Reads the log group's filters; a missing group is exit 3 with a hint. */
async function readFilters(ctx: AdapterContext, name: string, region: string): Promise<SubscriptionFilter[]> {
  try {
    return await describeFilters(ctx.aws, name, region);
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`log group ${name} does not exist in ${region}`, {
        awsErrorName: 'ResourceNotFoundException',
        requestId: requestIdOf(error),
        hint: `check the name and --region (aws logs describe-log-groups --log-group-name-prefix ${name} lists matching groups)`,
      });
    }
    throw error;
  }
}

/** Resolves, reads and plans `add logs` (read-only AWS calls). */
export async function planLogsAdd(ctx: AdapterContext, request: AddRequest<LogsOptions>): Promise<AddPlan> {
  const fnRef: FunctionRef = request.fn;
  checkPushQualifier(fnRef);
  const ref = parseLogGroupRef(request.source);
  // An ARN'd function and an ARN'd log group in different accounts or regions are refused before any call.
  checkSameAccountRegion(ref, { region: fnRef.region, account: fnRef.account });
  const call = sessionCall(ctx.aws);
  const region = ref.kind === 'arn' ? ref.region : (fnRef.region ?? (await ctx.aws.region()));
  // The filters and the function are read at once; the group lives in the function's region.
  const fnP = resolveFunction(ctx.aws, fnRef).then((fn) => {
    checkSameAccountRegion(ref, fn);
    return fn;
  });
  const filtersP = readFilters(ctx, ref.name, region);
  const policyP = fnP.then((fn) => readFunctionPolicy(call, fn.arn));
  const [fnSide, filtersSide, policySide] = await Promise.allSettled([fnP, filtersP, policyP]);
  // The function's error wins, as if it had been resolved first.
  if (fnSide.status === 'rejected') throw fnSide.reason;
  if (filtersSide.status === 'rejected') throw filtersSide.reason;
  if (policySide.status === 'rejected') throw policySide.reason;
  const fn = fnSide.value;
  if (ref.kind === 'name' && fn.region !== region) {
    throw new UsageError(`<log-group>: the function ${fn.arn} is in ${fn.region}, not ${region}; give --region ${fn.region} or the log group ARN`);
  }
  const groupArn = logGroupArn(region, fn.account, ref.name);
  const planned = planLogs({ groupName: ref.name, groupArn, region, fn, filters: filtersSide.value, policy: policySide.value, options: request.options, call });
  const plan: AddPlan = {
    type: 'logs',
    source: { arn: groupArn, name: ref.name },
    functionArn: fn.arn,
    actions: planned.actions,
    warnings: planned.warnings,
    async finish() {
      return view(groupArn, ref.name, fn.arn, planned.filterName, planned.pattern, planned.statementId);
    },
  };
  if (planned.existing) plan.current = view(groupArn, ref.name, fn.arn, planned.filterName, planned.existing.filterPattern ?? '', planned.statementId);
  return plan;
}

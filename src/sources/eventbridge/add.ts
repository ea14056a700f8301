import { createHash } from 'node:crypto';
import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import { isAwsError, shouldReadBack } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseQueueRef } from '../../core/arn.js';
import { AwsFailure, NotFoundError, PreconditionError, UsageError, invalidFlag } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action, Change, RetryRule } from '../../core/plan.js';
import { checkPushQualifier, planPermission, readFunctionPolicy, sessionCall, type FunctionPolicy } from '../../mechanisms/permission/plan.js';
import { mergeSendPolicy } from '../../mechanisms/queue-policy.js';
import type { AddPlan, AdapterContext, AddRequest } from '../contract.js';
import { canonicalJson, checkJsonDepth, parseIntFlag, shownValue } from '../options.js';
import { resolveQueue, type ResolvedQueue } from '../sqs.js';
import { ebTrigger, listTargets, type EbTarget, type RuleState } from './inventory.js';
import {
  checkRuleAccount,
  DEFAULT_BUS,
  busInput,
  parseBusRef,
  parsePattern,
  parseRuleRef,
  parseSchedule,
  ruleArn,
  ruleDisplayName,
  ruleOfArn,
  samePattern,
  type BusRef,
} from './rule.js';

/** The principal EventBridge invokes functions as. */
export const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** The tag evsrc puts on a rule it creates, so `remove` may delete it once no target is left. */
export const MANAGED_TAG = { Key: 'evsrc:managed', Value: 'true' } as const;

/** EventBridge allows five targets per rule (EventBridge quotas; PutTargets throws LimitExceededException above it). */
export const MAX_TARGETS = 5;

/** Validated options of `evsrc add eventbridge`. */
export interface EventBridgeOptions {
  eventBus?: BusRef;
  /** Canonical JSON of --pattern. */
  pattern?: string;
  schedule?: string;
  updateRule?: boolean;
  /** --input as compact JSON text. */
  input?: string;
  inputPath?: string;
  retryAttempts?: number;
  maxEventAge?: number;
  /** The dead-letter queue as the user named it (name, URL or ARN). */
  dlq?: string;
}

// Target Input: at most 8192 characters of valid JSON; InputPath at most 256 (EventBridge API reference).
const MAX_INPUT = 8192;
const MAX_INPUT_PATH = 256;

/** Validates the raw flags of `add eventbridge` (pure: no AWS). */
export function parseEventBridgeOptions(raw: Record<string, unknown>): EventBridgeOptions {
  const options: EventBridgeOptions = {};
  if (raw.eventBus !== undefined) options.eventBus = parseBusRef(String(raw.eventBus));
  if (raw.pattern !== undefined && raw.schedule !== undefined) {
    // A rule may have both, but one flag is enough to say which rule to create or what to check.
    throw new UsageError('--pattern and --schedule: give one of them (a scheduled rule or an event-pattern rule)');
  }
  if (raw.pattern !== undefined) options.pattern = parsePattern(String(raw.pattern));
  if (raw.schedule !== undefined) {
    options.schedule = parseSchedule(String(raw.schedule));
    if (options.eventBus && options.eventBus.name !== DEFAULT_BUS) {
      throw new UsageError(`--schedule: schedules run only on the default event bus; --event-bus is ${JSON.stringify(options.eventBus.name)}`);
    }
  }
  if (raw.updateRule === true) {
    if (options.pattern === undefined && options.schedule === undefined) throw new UsageError('--update-rule: give the new --pattern or --schedule with it');
    options.updateRule = true;
  }
  if (raw.input !== undefined && raw.inputPath !== undefined) {
    throw new UsageError('--input and --input-path: EventBridge takes one of them (constant input, or a part of the event); give one');
  }
  if (raw.input !== undefined) {
    const text = String(raw.input);
    checkJsonDepth('--input', text, text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw invalidFlag('--input', shownValue(text), `allowed: valid JSON, e.g. '{"job":"nightly"}' (${(error as Error).message})`);
    }
    const compact = JSON.stringify(parsed);
    if (compact.length > MAX_INPUT) throw invalidFlag('--input', `${text.slice(0, 40)}…`, `at most ${MAX_INPUT} characters`);
    options.input = compact;
  }
  if (raw.inputPath !== undefined) {
    const path = String(raw.inputPath).trim();
    if (!path.startsWith('$') || path.length > MAX_INPUT_PATH) throw invalidFlag('--input-path', raw.inputPath, `allowed: a JSONPath starting with $ (at most ${MAX_INPUT_PATH} characters), e.g. $.detail`);
    options.inputPath = path;
  }
  const retries = parseIntFlag('--retry-attempts', raw.retryAttempts, 0, 185);
  if (retries !== undefined) options.retryAttempts = retries;
  const age = parseIntFlag('--max-event-age', raw.maxEventAge, 60, 86400, 'allowed: a whole number of seconds from 60 to 86400');
  if (age !== undefined) options.maxEventAge = age;
  if (raw.dlq !== undefined) {
    parseQueueRef(String(raw.dlq), '--dlq');
    options.dlq = String(raw.dlq);
  }
  return options;
}

/** Deterministic target Id for a function, `evsrc-<hash>` (TargetId: 1-64 of [.\-_A-Za-z0-9]), so a re-run finds it. */
export function targetIdFor(functionArn: string): string {
  return `evsrc-${createHash('sha256').update(functionArn).digest('hex').slice(0, 20)}`;
}

/** Deterministic Sid of the queue-policy statement that lets a rule send to its dead-letter queue. */
export function dlqStatementId(ruleArnValue: string, queueArn: string): string {
  return `evsrc-events-dlq-${createHash('sha256').update(JSON.stringify([ruleArnValue, queueArn])).digest('hex').slice(0, 12)}`;
}

/** A dead-letter queue with its current access policy. */
export interface DlqState {
  queue: Pick<ResolvedQueue, 'arn' | 'url' | 'region' | 'fifo' | 'name'>;
  policy?: string;
}

/** The rule the request is about. */
export interface RuleTarget {
  name: string;
  bus: string;
  arn: string;
  region: string;
}

/** What planEventBridge needs, read beforehand. */
export interface EventBridgePlanInput {
  rule: RuleTarget;
  /** The rule as DescribeRule shows it; undefined when it does not exist. */
  existing?: RuleState;
  /** The rule's targets (ListTargetsByRule); empty for a new rule. */
  targets: EbTarget[];
  fn: Pick<ResolvedFunction, 'arn' | 'region'>;
  policy: FunctionPolicy;
  options: EventBridgeOptions;
  dlq?: DlqState;
  /** Used only by the actions' read-back (recover); planning itself is pure. */
  call?: CallApi;
}

/** The plan of `add eventbridge`. */
export interface EventBridgePlanned {
  actions: Action[];
  warnings: string[];
  /** The target as it will be. */
  target: EbTarget;
  /** The function's target before the change, if there was one. */
  current?: EbTarget;
  /** The rule's pattern and schedule after the change. */
  rule: RuleState;
  statementId: string;
}

export const EVENTS_RETRY: RetryRule = {
  errorNames: ['ConcurrentModificationException', 'ThrottlingException'],
  attempts: 4,
  delayMs: 1000,
  reason: 'EventBridge reports a concurrent change or throttling',
};

/** PutTargets and RemoveTargets report per-entry failures in their answer, not as an error: raise them. */
export function checkFailedEntries(result: unknown, api: string, rule: string): unknown {
  const out = (result ?? {}) as { FailedEntryCount?: number; FailedEntries?: { TargetId?: string; ErrorCode?: string; ErrorMessage?: string }[] };
  const failed = out.FailedEntries ?? [];
  if ((out.FailedEntryCount ?? 0) === 0 && failed.length === 0) return undefined;
  const first = failed[0];
  const what = failed.map((f) => `target ${f.TargetId ?? '?'}: ${f.ErrorCode ?? 'error'}${f.ErrorMessage ? ` (${f.ErrorMessage})` : ''}`).join('; ');
  throw new AwsFailure(`${api} on rule ${rule} failed for ${what || `${out.FailedEntryCount} entries`}`, {
    ...(first?.ErrorCode ? { awsErrorName: first.ErrorCode } : {}),
    hint: first?.ErrorCode === 'ConcurrentModificationException' ? 'another change to the rule was in progress; re-run the command' : undefined,
  });
}

/** The target as it should be: the current one (its other fields kept) with the requested settings. */
export function desiredTarget(current: EbTarget | undefined, id: string, functionArn: string, options: EventBridgeOptions, dlqArn?: string): EbTarget {
  const target: EbTarget = { ...(current ?? {}), Id: current?.Id ?? id, Arn: functionArn };
  if (options.input !== undefined) {
    target.Input = options.input;
    delete target.InputPath;
    delete target.InputTransformer;
  }
  if (options.inputPath !== undefined) {
    target.InputPath = options.inputPath;
    delete target.Input;
    delete target.InputTransformer;
  }
  if (options.retryAttempts !== undefined || options.maxEventAge !== undefined) {
    target.RetryPolicy = { ...(current?.RetryPolicy ?? {}) };
    if (options.retryAttempts !== undefined) target.RetryPolicy.MaximumRetryAttempts = options.retryAttempts;
    if (options.maxEventAge !== undefined) target.RetryPolicy.MaximumEventAgeInSeconds = options.maxEventAge;
  }
  if (dlqArn !== undefined) target.DeadLetterConfig = { Arn: dlqArn };
  return target;
}

const inputForm = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
};

/** The fields evsrc sets, old → new, where they differ. */
export function targetChanges(from: EbTarget, to: EbTarget): Change[] {
  const fields: [string, (t: EbTarget) => unknown][] = [
    ['Input', (t) => inputForm(t.Input)],
    ['InputPath', (t) => t.InputPath],
    ['InputTransformer', (t) => (t.InputTransformer === undefined ? undefined : canonicalJson(t.InputTransformer))],
    ['RetryPolicy.MaximumRetryAttempts', (t) => t.RetryPolicy?.MaximumRetryAttempts],
    ['RetryPolicy.MaximumEventAgeInSeconds', (t) => t.RetryPolicy?.MaximumEventAgeInSeconds],
    ['DeadLetterConfig.Arn', (t) => t.DeadLetterConfig?.Arn],
  ];
  const changes: Change[] = [];
  for (const [field, get] of fields) {
    const a = get(from);
    const b = get(to);
    if (a !== b) changes.push({ field, from: a ?? null, to: b ?? null });
  }
  return changes;
}

/** True when a target already has the wanted settings (the comparison a re-run and a read-back use). */
export function sameTarget(a: EbTarget, b: EbTarget): boolean {
  return a.Id === b.Id && a.Arn === b.Arn && targetChanges(a, b).length === 0;
}

const sameSchedule = (a: string | undefined, b: string | undefined) => (a ?? '').replace(/\s+/g, ' ').trim() === (b ?? '').replace(/\s+/g, ' ').trim();

/** The PutRule input that recreates a rule as `state` describes it (PutRule replaces every field). */
function putRuleInput(rule: RuleTarget, state: RuleState): Record<string, unknown> {
  const input: Record<string, unknown> = { Name: rule.name, ...busInput(rule.bus) };
  if (state.EventPattern !== undefined) input.EventPattern = state.EventPattern;
  if (state.ScheduleExpression !== undefined) input.ScheduleExpression = state.ScheduleExpression;
  if (state.Description !== undefined) input.Description = state.Description;
  if (state.State !== undefined) input.State = state.State;
  if (state.RoleArn !== undefined) input.RoleArn = state.RoleArn;
  return input;
}

/** Plans `add eventbridge` from what was read (pure): permission, rule, DLQ policy, target. */
export function planEventBridge(input: EventBridgePlanInput): EventBridgePlanned {
  const { rule, fn, options, existing } = input;
  const shown = ruleDisplayName(rule.bus, rule.name);
  if (options.schedule !== undefined && rule.bus !== DEFAULT_BUS) {
    throw new UsageError(`--schedule: schedules run only on the default event bus; rule ${shown} is on bus ${rule.bus}`);
  }
  if (fn.region !== rule.region) {
    throw new PreconditionError(`rule ${rule.arn} is in ${rule.region} and function ${fn.arn} in ${fn.region}; an EventBridge rule targets Lambda functions in its own region only`);
  }
  if (input.dlq) {
    const q = input.dlq.queue;
    if (q.region !== rule.region) throw new PreconditionError(`--dlq: queue ${q.arn} is in ${q.region}; an EventBridge dead-letter queue must be in the rule's region (${rule.region})`);
    if (q.fifo) throw new PreconditionError(`--dlq: ${q.arn} is a FIFO queue; EventBridge dead-letter queues must be standard queues`);
  }
  const warnings: string[] = [];
  const actions: Action[] = [];
  const call = input.call;

  // The rule: refuse managed rules, create a missing one when told how, keep a differing one unless asked.
  let ruleAfter: RuleState;
  let ruleAction: Action | undefined;
  if (!existing) {
    if (options.pattern === undefined && options.schedule === undefined) {
      throw new NotFoundError(`rule ${shown} does not exist${rule.bus === DEFAULT_BUS ? '' : ` on event bus ${rule.bus}`}`, {
        awsErrorName: 'ResourceNotFoundException',
        hint: `give --pattern <json> or --schedule <expression> to create it, or check the name, --event-bus and --region (aws events list-rules${rule.bus === DEFAULT_BUS ? '' : ` --event-bus-name ${rule.bus}`})`,
      });
    }
    ruleAfter = { Name: rule.name, Arn: rule.arn, State: 'ENABLED' };
    if (options.pattern !== undefined) ruleAfter.EventPattern = options.pattern;
    if (options.schedule !== undefined) ruleAfter.ScheduleExpression = options.schedule;
    const create: Action = {
      api: 'events:PutRule',
      summary: `create rule ${shown} (tagged ${MANAGED_TAG.Key}=${MANAGED_TAG.Value})`,
      input: { ...putRuleInput(rule, ruleAfter), Description: 'created by evsrc', Tags: [{ ...MANAGED_TAG }] },
      region: rule.region,
      retry: [EVENTS_RETRY],
      undo: () => ({ api: 'events:DeleteRule', summary: `delete rule ${shown}`, input: { Name: rule.name, ...busInput(rule.bus) }, region: rule.region, retry: [EVENTS_RETRY] }),
    };
    if (call) {
      create.recover = async (error) => {
        if (!shouldReadBack(error)) return undefined;
        const found = await describeRuleWith(call, rule);
        return found ? { RuleArn: found.Arn } : undefined;
      };
    }
    ruleAction = create;
  } else {
    if (existing.ManagedBy) {
      throw new PreconditionError(`rule ${shown} is managed by ${existing.ManagedBy}; evsrc does not change managed rules`, {
        hint: 'managed rules belong to the service that created them; choose or create another rule',
      });
    }
    const changes: Change[] = [];
    if (options.pattern !== undefined && !samePattern(existing.EventPattern, options.pattern)) {
      changes.push({ field: 'EventPattern', from: parseOr(existing.EventPattern), to: JSON.parse(options.pattern) as unknown });
    }
    if (options.schedule !== undefined && !sameSchedule(existing.ScheduleExpression, options.schedule)) {
      changes.push({ field: 'ScheduleExpression', from: existing.ScheduleExpression ?? null, to: options.schedule });
    }
    ruleAfter = { ...existing };
    if (changes.length > 0) {
      if (!options.updateRule) {
        const [c] = changes;
        const flag = c?.field === 'EventPattern' ? '--pattern' : '--schedule';
        // A rule has a pattern, a schedule or both: name what it runs on when it lacks the one asked about.
        const runsOn = existing.ScheduleExpression !== undefined ? `the schedule ${existing.ScheduleExpression}` : `the event pattern ${existing.EventPattern ?? '?'}`;
        const has = c?.from === null || c?.from === undefined ? `no ${c?.field} (it runs on ${runsOn})` : `${c.field} ${JSON.stringify(c.from)}`;
        throw new PreconditionError(
          `rule ${shown} has ${has}, not ${JSON.stringify(c?.to)} as ${flag} asks; evsrc does not change an existing rule's ${c?.field} silently`,
          { hint: `add --update-rule to replace it (other targets of the rule then see the new ${c?.field === 'EventPattern' ? 'pattern' : 'schedule'} too), or leave ${flag} out to use the rule as it is` },
        );
      }
      if (options.pattern !== undefined) ruleAfter.EventPattern = options.pattern;
      if (options.schedule !== undefined) ruleAfter.ScheduleExpression = options.schedule;
      // --update-rule makes the rule trigger on what was given: a schedule rule given only --pattern (or the
      // reverse) loses the other trigger, rather than quietly firing on both.
      if (options.pattern === undefined && existing.EventPattern) {
        changes.push({ field: 'EventPattern', from: parseOr(existing.EventPattern), to: null });
        delete ruleAfter.EventPattern;
      }
      if (options.schedule === undefined && existing.ScheduleExpression) {
        changes.push({ field: 'ScheduleExpression', from: existing.ScheduleExpression, to: null });
        delete ruleAfter.ScheduleExpression;
      }
      ruleAction = {
        api: 'events:PutRule',
        summary: `update ${changes.map((c) => c.field).join(' and ')} of rule ${shown} (description, state and role kept)`,
        input: putRuleInput(rule, ruleAfter),
        region: rule.region,
        changes,
        retry: [EVENTS_RETRY],
        undo: () => ({ api: 'events:PutRule', summary: `restore rule ${shown}`, input: putRuleInput(rule, existing), region: rule.region, retry: [EVENTS_RETRY] }),
      };
    }
  }

  // The target: evsrc's own Id, or a target for exactly this function made elsewhere (reused like a permission).
  const id = targetIdFor(fn.arn);
  const current = input.targets.find((t) => t.Id === id) ?? input.targets.find((t) => t.Arn === fn.arn);
  const target = desiredTarget(current, id, fn.arn, options, input.dlq?.queue.arn);
  let targetAction: Action | undefined;
  const ruleInput = { Rule: rule.name, ...busInput(rule.bus) };
  if (!current) {
    if (input.targets.length >= MAX_TARGETS) {
      throw new PreconditionError(`rule ${shown} already has ${input.targets.length} targets, EventBridge's maximum of ${MAX_TARGETS}; evsrc adds no sixth`, {
        hint: `inspect them with: aws events list-targets-by-rule --rule ${rule.name}${rule.bus === DEFAULT_BUS ? '' : ` --event-bus-name ${rule.bus}`}`,
      });
    }
    targetAction = {
      api: 'events:PutTargets',
      summary: `add ${fn.arn} as target ${target.Id} of rule ${shown}`,
      input: { ...ruleInput, Targets: [target] },
      region: rule.region,
      retry: [EVENTS_RETRY],
      check: (result) => void checkFailedEntries(result, 'events:PutTargets', shown),
      undo: () => ({ api: 'events:RemoveTargets', summary: `remove target ${target.Id} from rule ${shown}`, input: { ...ruleInput, Ids: [target.Id] }, region: rule.region, retry: [EVENTS_RETRY] }),
    };
  } else {
    if (current.Id !== id) warnings.push(`rule ${shown} already targets ${fn.arn} as ${current.Id} (made outside evsrc); evsrc uses that target`);
    const changes = targetChanges(current, target);
    if (changes.length > 0) {
      targetAction = {
        api: 'events:PutTargets',
        summary: `update target ${target.Id} of rule ${shown}`,
        input: { ...ruleInput, Targets: [target] },
        region: rule.region,
        changes,
        retry: [EVENTS_RETRY],
        check: (result) => void checkFailedEntries(result, 'events:PutTargets', shown),
        undo: () => ({ api: 'events:PutTargets', summary: `restore target ${current.Id} of rule ${shown}`, input: { ...ruleInput, Targets: [current] }, region: rule.region, retry: [EVENTS_RETRY] }),
      };
    }
  }
  if (targetAction && call) {
    targetAction.recover = async (error) => {
      if (!shouldReadBack(error)) return undefined;
      const after = await listTargets(call, rule);
      const made = after.find((t) => t.Id === target.Id);
      return made && sameTarget(made, target) ? { FailedEntryCount: 0, FailedEntries: [] } : undefined;
    };
  }

  // Order: the permission first (a target must never exist without it), then the rule, the DLQ policy, the target.
  // Scoped to the rule ARN and its account; a grant naming the rule ARN alone is equivalent (the ARN names the account).
  const account = ruleOfArn(rule.arn)?.account;
  const permission = planPermission(
    { service: 'eventbridge', noun: 'rule', principal: EVENTS_PRINCIPAL, functionArn: fn.arn, sourceArn: rule.arn, ...(account ? { sourceAccount: account } : {}) },
    input.policy,
    call,
  );
  warnings.push(...permission.warnings);
  if (permission.action) actions.push(permission.action);
  if (ruleAction) actions.push(ruleAction);
  if (input.dlq) {
    const { queue, policy } = input.dlq;
    const sid = dlqStatementId(rule.arn, queue.arn);
    const merged = mergeSendPolicy(policy, { principal: EVENTS_PRINCIPAL, sourceArn: rule.arn, queueArn: queue.arn, sid });
    if (merged !== undefined) {
      const set: Action = {
        api: 'sqs:SetQueueAttributes',
        summary: `let rule ${shown} send to dead-letter queue ${queue.arn} (queue policy statement ${sid}; other statements kept)`,
        input: { QueueUrl: queue.url, Attributes: { Policy: merged } },
        region: queue.region,
        undo: () => ({ api: 'sqs:SetQueueAttributes', summary: `restore the access policy of ${queue.arn}`, input: { QueueUrl: queue.url, Attributes: { Policy: policy ?? '' } }, region: queue.region }),
      };
      if (call) {
        set.recover = async (error) => {
          if (!shouldReadBack(error)) return undefined;
          const out = (await call('sqs:GetQueueAttributes', { QueueUrl: queue.url, AttributeNames: ['Policy'] }, queue.region)) as { Attributes?: Record<string, string> };
          return out.Attributes?.Policy === merged ? {} : undefined;
        };
      }
      actions.push(set);
    }
  }
  if (targetAction) actions.push(targetAction);
  if (ruleAfter.State === 'DISABLED') warnings.push(`rule ${shown} is disabled: it sends nothing until enabled (aws events enable-rule --name ${rule.name})`);

  const planned: EventBridgePlanned = { actions, warnings, target, rule: ruleAfter, statementId: permission.reusedStatementId ?? permission.statementId };
  if (current) planned.current = current;
  return planned;
}

function parseOr(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** DescribeRule; undefined when the rule does not exist. A missing bus is a NotFoundError. */
export async function describeRuleWith(call: CallApi, rule: Pick<RuleTarget, 'name' | 'bus' | 'region'>): Promise<RuleState | undefined> {
  try {
    return (await call('events:DescribeRule', { Name: rule.name, ...busInput(rule.bus) }, rule.region)) as RuleState;
  } catch (error) {
    if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
    if (/event ?bus/i.test((error as Error).message ?? '')) {
      throw new NotFoundError(`event bus ${rule.bus} does not exist in ${rule.region}`, {
        awsErrorName: 'ResourceNotFoundException',
        hint: 'check --event-bus and --region (aws events list-event-buses lists the buses of a region)',
      });
    }
    return undefined;
  }
}

/** Resolves, reads and plans `add eventbridge` (read-only AWS calls). */
export async function planEventBridgeAdd(ctx: AdapterContext, request: AddRequest<EventBridgeOptions>): Promise<AddPlan> {
  checkPushQualifier(request.fn);
  const { options } = request;
  const ref = parseRuleRef(request.source, options.eventBus);
  if (options.schedule !== undefined && ref.bus !== DEFAULT_BUS) {
    throw new UsageError(`--schedule: schedules run only on the default event bus; rule ${ruleDisplayName(ref.bus, ref.name)} is on bus ${ref.bus}`);
  }
  const dlqRef = options.dlq !== undefined ? parseQueueRef(options.dlq, '--dlq') : undefined;
  const aws: AwsSession = ctx.aws;
  const call = sessionCall(aws);
  const region = ref.region ?? (await aws.region());
  const target = { name: ref.name, bus: ref.bus, region };
  const fnP = resolveFunction(aws, request.fn);
  const existingP = describeRuleWith(call, target);
  const targetsP = existingP.then((r) => (r ? listTargets(call, target) : []));
  const policyP = fnP.then((f) => readFunctionPolicy(call, f.arn));
  const dlqP = dlqRef
    ? resolveQueue(aws, dlqRef).then(async (queue): Promise<DlqState> => {
        const out = (await call('sqs:GetQueueAttributes', { QueueUrl: queue.url, AttributeNames: ['Policy'] }, queue.region)) as { Attributes?: Record<string, string> };
        const state: DlqState = { queue };
        if (out.Attributes?.Policy) state.policy = out.Attributes.Policy;
        return state;
      })
    : Promise.resolve(undefined);
  const [fn, existing, targets, policy, dlq] = await Promise.all([fnP, existingP, targetsP, policyP, dlqP]);
  checkRuleAccount(ref, fn);
  const arn = existing?.Arn ?? ruleArn(region, ref.account ?? fn.account, ref.bus, ref.name, ref.partition);
  const rule: RuleTarget = { ...target, arn };
  const input: EventBridgePlanInput = { rule, targets, fn, policy, options, call };
  if (existing) input.existing = existing;
  if (dlq) input.dlq = dlq;
  const planned = planEventBridge(input);
  const plan: AddPlan = {
    type: 'eventbridge',
    source: { arn, name: ruleDisplayName(ref.bus, ref.name) },
    functionArn: fn.arn,
    actions: planned.actions,
    warnings: planned.warnings,
    async finish() {
      const view = ebTrigger({ ...planned.rule, Arn: arn }, ref.bus, planned.target);
      view.settings.permissionStatementId = planned.statementId;
      return view;
    },
  };
  if (planned.current && existing) plan.current = ebTrigger(existing, ref.bus, planned.current);
  return plan;
}

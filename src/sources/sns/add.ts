import { createHash } from 'node:crypto';
import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import { isAwsError, shouldReadBack } from '../../aws/errors.js';
import { parseArn, parseQueueRef, partitionOf } from '../../core/arn.js';
import { NotFoundError, PreconditionError, UsageError } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action, Change, RetryRule } from '../../core/plan.js';
import { mergeSendPolicy } from '../../mechanisms/queue-policy.js';
import type { PlanWarning } from '../../core/reporter.js';
import { checkPushQualifier, planPermission, readFunctionPolicyOf, sessionCall, type FunctionPolicy } from '../../mechanisms/permission/plan.js';
import {
  parseFilterPolicy,
  parseFilterPolicyScope,
  sameFilterPolicy,
  sameFilterPolicyScope,
  type FilterPolicy,
  type FilterPolicyScope,
} from './filter-policy.js';
import { resolveQueue, type ResolvedQueue } from '../sqs.js';
import type { AddPlan, AdapterContext, AddRequest, TriggerView } from '../contract.js';

/** Validated options of `evsrc add sns`. */
export interface SnsOptions {
  filterPolicy?: FilterPolicy;
  filterPolicyScope?: FilterPolicyScope;
  /** --no-filter-policy: take the filter policy off an existing subscription. */
  removeFilterPolicy?: boolean;
  /** The dead-letter queue as the user named it (name, URL or ARN). */
  dlq?: string;
}

/** Validates the raw flags of `add sns` (pure: no AWS). */
export function parseSnsOptions(raw: Record<string, unknown>): SnsOptions {
  const options: SnsOptions = {};
  if (raw.filterPolicyScope !== undefined) {
    options.filterPolicyScope = parseFilterPolicyScope(String(raw.filterPolicyScope), '--filter-policy-scope');
    if (raw.filterPolicy === undefined) {
      throw new UsageError('--filter-policy-scope: give --filter-policy with it; the scope says what that policy is matched against');
    }
  }
  if (raw.filterPolicy === false) {
    // commander's value for --no-filter-policy
    if (options.filterPolicyScope) throw new UsageError('--no-filter-policy and --filter-policy-scope: a scope needs a filter policy; give one or the other');
    options.removeFilterPolicy = true;
  } else if (raw.filterPolicy !== undefined) {
    options.filterPolicy = parseFilterPolicy(String(raw.filterPolicy), '--filter-policy', options.filterPolicyScope ?? 'MessageAttributes');
  }
  if (raw.dlq !== undefined) {
    parseQueueRef(String(raw.dlq), '--dlq');
    options.dlq = String(raw.dlq);
  }
  return options;
}

// SNS topic names: 1-256 letters, digits, hyphens and underscores; FIFO topics end in ".fifo".
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** A topic as the user named it. */
export type TopicRef = { kind: 'name'; name: string } | { kind: 'arn'; arn: string; name: string; region: string; account: string };

/** Parses a topic name or ARN; throws a UsageError otherwise. */
export function parseTopicRef(value: string): TopicRef {
  const arn = parseArn(value);
  if (arn) {
    if (arn.service !== 'sns' || !arn.region || !/^\d{12}$/.test(arn.account) || !TOPIC_NAME.test(arn.resource)) {
      throw new UsageError(`<topic>: ${JSON.stringify(value)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic-name>)`);
    }
    return { kind: 'arn', arn: value, name: arn.resource, region: arn.region, account: arn.account };
  }
  if (!TOPIC_NAME.test(value)) {
    throw new UsageError(`<topic>: ${JSON.stringify(value)} is not a topic name or ARN (names are 1-256 letters, digits, - and _, FIFO names end in .fifo)`);
  }
  return { kind: 'name', name: value };
}

/**
 * Regions AWS launched after March 2019, which accounts must opt in to. SNS topics there deliver to a
 * function in another region only through the regional principal sns.<region>.amazonaws.com, and
 * topics in default regions cannot deliver to functions in them (SNS Developer Guide, cross-region delivery).
 */
export const OPT_IN_REGIONS = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

/** The principal SNS invokes the function as, for a topic region and a function region. */
export function snsPrincipal(topicRegion: string, functionRegion: string): string {
  return OPT_IN_REGIONS.has(topicRegion) && topicRegion !== functionRegion ? `sns.${topicRegion}.amazonaws.com` : 'sns.amazonaws.com';
}

/** A subscription of the function to the topic, with the attributes evsrc manages. */
export interface SubscriptionState {
  arn: string;
  attributes: Record<string, string>;
}

/** A dead-letter queue with its current access policy. */
export interface DlqState {
  queue: Pick<ResolvedQueue, 'arn' | 'url' | 'region' | 'fifo' | 'name'>;
  /** The queue's Policy attribute (undefined when it has none). */
  policy?: string;
}

/** Deterministic Sid of the queue-policy statement that lets a topic send to its dead-letter queue. */
export function dlqStatementId(topicArn: string, queueArn: string): string {
  return `evsrc-sns-dlq-${createHash('sha256').update(JSON.stringify([topicArn, queueArn])).digest('hex').slice(0, 12)}`;
}

/**
 * The queue policy with a statement that lets `topicArn` send to the queue (pure). Every other statement,
 * and the document's other keys, are kept as they are; an existing equivalent statement is reused.
 * Returns undefined when nothing needs to change.
 */
export function mergeDlqPolicy(current: string | undefined, topicArn: string, queueArn: string): string | undefined {
  return mergeSendPolicy(current, { principal: 'sns.amazonaws.com', sourceArn: topicArn, queueArn, sid: dlqStatementId(topicArn, queueArn) });
}

/** The dead-letter target of a RedrivePolicy attribute, or undefined. */
function redriveTarget(redrive: string | undefined): string | undefined {
  if (!redrive) return undefined;
  try {
    return (JSON.parse(redrive) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  } catch {
    return undefined;
  }
}

const SNS_RETRY: RetryRule = { errorNames: ['Throttled', 'Throttling', 'ThrottlingException'], attempts: 4, delayMs: 1000, reason: 'SNS is throttling requests' };

/** What planSns needs, read beforehand. */
export interface SnsPlanInput {
  topicArn: string;
  topicRegion: string;
  fn: Pick<ResolvedFunction, 'arn' | 'region'>;
  /** The function's subscriptions to the topic (Protocol lambda, Endpoint = function ARN), with attributes. */
  subscriptions: SubscriptionState[];
  policy: FunctionPolicy;
  options: SnsOptions;
  dlq?: DlqState;
  /** Used only by the actions' read-back (recover); planning itself is pure. */
  call?: CallApi;
}

/** The plan of `add sns`. */
export interface SnsPlanned {
  actions: Action[];
  warnings: PlanWarning[];
  existing?: SubscriptionState;
  /** Index of the Subscribe action, when there is one. */
  subscribeIndex?: number;
  statementId: string;
  /** The attributes the subscription will have. */
  attributes: Record<string, string>;
}

/** Plans `add sns` from what was read (pure): regions, permission, DLQ policy, subscribe or converge. */
export function planSns(input: SnsPlanInput): SnsPlanned {
  const { topicArn, topicRegion, fn, options } = input;
  if (OPT_IN_REGIONS.has(fn.region) && !OPT_IN_REGIONS.has(topicRegion)) {
    throw new PreconditionError(`topic ${topicArn} is in ${topicRegion} and function ${fn.arn} in the opt-in region ${fn.region}; SNS does not deliver from a default region to Lambda in an opt-in region`);
  }
  const warnings: PlanWarning[] = [];
  if (topicRegion !== fn.region) {
    warnings.push({ code: 'cross-region', message: `topic region ${topicRegion} differs from the function region ${fn.region}: SNS delivers across regions, with added latency and data transfer cost` });
  }
  const topicFifo = topicArn.endsWith('.fifo');
  if (input.dlq) {
    const q = input.dlq.queue;
    if (q.region !== topicRegion) {
      throw new PreconditionError(`--dlq: queue ${q.arn} is in ${q.region}; an SNS dead-letter queue must be in the topic's region (${topicRegion}) and account`);
    }
    if (q.fifo !== topicFifo) {
      throw new PreconditionError(`--dlq: ${topicFifo ? 'a FIFO topic needs a FIFO dead-letter queue' : 'a standard topic needs a standard (not FIFO) dead-letter queue'}; ${q.arn} is ${q.fifo ? 'FIFO' : 'standard'}`);
    }
  }

  const actions: Action[] = [];
  const permission = planPermission({ service: 'sns', principal: snsPrincipal(topicRegion, fn.region), functionArn: fn.arn, sourceArn: topicArn }, input.policy, input.call);
  warnings.push(...permission.warnings);
  if (permission.action) actions.push(permission.action);

  if (input.dlq) {
    const { queue, policy } = input.dlq;
    const merged = mergeDlqPolicy(policy, topicArn, queue.arn);
    if (merged !== undefined) {
      const set: Action = {
        api: 'sqs:SetQueueAttributes',
        summary: `let topic ${topicArn} send to dead-letter queue ${queue.arn} (queue policy statement ${dlqStatementId(topicArn, queue.arn)}; other statements kept)`,
        input: { QueueUrl: queue.url, Attributes: { Policy: merged } },
        region: queue.region,
        undo: () => ({ api: 'sqs:SetQueueAttributes', summary: `restore the access policy of ${queue.arn}`, input: { QueueUrl: queue.url, Attributes: { Policy: policy ?? '' } }, region: queue.region }),
      };
      const call = input.call;
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

  const wanted: Record<string, string> = {};
  if (options.filterPolicy) wanted.FilterPolicy = JSON.stringify(options.filterPolicy);
  if (options.filterPolicyScope) wanted.FilterPolicyScope = options.filterPolicyScope;
  if (input.dlq) wanted.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: input.dlq.queue.arn });

  const mine = input.subscriptions;
  const existing = mine[0];
  if (mine.length > 1) warnings.push(`${mine.length} subscriptions connect ${fn.arn} to ${topicArn} (${mine.map((s) => s.arn).join(', ')}); evsrc manages the first`);
  let subscribeIndex: number | undefined;
  let attributes: Record<string, string>;
  if (!existing) {
    const subscribe: Action = {
      api: 'sns:Subscribe',
      summary: `subscribe ${fn.arn} to ${topicArn}`,
      input: { TopicArn: topicArn, Protocol: 'lambda', Endpoint: fn.arn, ...(Object.keys(wanted).length ? { Attributes: wanted } : {}), ReturnSubscriptionArn: true },
      region: topicRegion,
      retry: [SNS_RETRY],
      undo: (result) => {
        const arn = (result as { SubscriptionArn?: string } | undefined)?.SubscriptionArn;
        return arn ? { api: 'sns:Unsubscribe', summary: `unsubscribe ${arn}`, input: { SubscriptionArn: arn }, region: topicRegion } : undefined;
      },
    };
    const call = input.call;
    if (call) {
      // The answer was lost: the subscription exists if SNS made it; then it is ours to keep (or undo).
      subscribe.recover = async (error) => {
        if (!shouldReadBack(error)) return undefined;
        const found = await listOwnSubscriptions(call, topicArn, topicRegion, fn.arn);
        return found[0] ? { SubscriptionArn: found[0] } : undefined;
      };
    }
    subscribeIndex = actions.length;
    actions.push(subscribe);
    attributes = wanted;
  } else {
    const have = existing.attributes;
    attributes = { ...have };
    const sets: Action[] = [];
    const setAttr = (name: string, to: string, from: string | undefined, change: Change) => {
      attributes[name] = to;
      const action: Action = {
        api: 'sns:SetSubscriptionAttributes',
        summary: `set ${name} of subscription ${existing.arn}`,
        input: { SubscriptionArn: existing.arn, AttributeName: name, AttributeValue: to },
        region: topicRegion,
        changes: [change],
        retry: [SNS_RETRY],
        // An attribute that was absent is cleared again: "{}" for a filter policy, "" for the others.
        undo: () => ({
          api: 'sns:SetSubscriptionAttributes',
          summary: `restore ${name} of subscription ${existing.arn}`,
          input: { SubscriptionArn: existing.arn, AttributeName: name, AttributeValue: from ?? (name === 'FilterPolicy' ? '{}' : '') },
          region: topicRegion,
        }),
      };
      sets.push(action);
    };
    let policySet: (() => void) | undefined;
    let scopeSet: (() => void) | undefined;
    if (wanted.FilterPolicy !== undefined && !sameFilterPolicy(have.FilterPolicy, options.filterPolicy)) {
      policySet = () => setAttr('FilterPolicy', wanted.FilterPolicy as string, have.FilterPolicy, { field: 'FilterPolicy', from: parseOr(have.FilterPolicy), to: options.filterPolicy });
    }
    if (options.removeFilterPolicy && hasFilterPolicy(have.FilterPolicy)) {
      // SNS removes a subscription's filter policy when it is set to an empty JSON object (SNS developer guide).
      policySet = () => {
        setAttr('FilterPolicy', '{}', have.FilterPolicy, { field: 'FilterPolicy', from: parseOr(have.FilterPolicy), to: null });
        delete attributes.FilterPolicy;
      };
    }
    if (options.filterPolicyScope && !sameFilterPolicyScope(have.FilterPolicyScope, options.filterPolicyScope)) {
      scopeSet = () =>
        setAttr('FilterPolicyScope', options.filterPolicyScope as string, have.FilterPolicyScope, {
          field: 'FilterPolicyScope',
          from: have.FilterPolicyScope || 'MessageAttributes',
          to: options.filterPolicyScope,
        });
    }
    // SNS checks the policy against the scope on each call: a flat policy suits both scopes, a nested one only
    // MessageBody. So switch to MessageBody before a new policy, and to MessageAttributes after it.
    const order = options.filterPolicyScope === 'MessageBody' ? [scopeSet, policySet] : [policySet, scopeSet];
    for (const step of order) step?.();
    if (input.dlq && redriveTarget(have.RedrivePolicy) !== input.dlq.queue.arn) {
      setAttr('RedrivePolicy', wanted.RedrivePolicy as string, have.RedrivePolicy, { field: 'RedrivePolicy.deadLetterTargetArn', from: redriveTarget(have.RedrivePolicy) ?? null, to: input.dlq.queue.arn });
    }
    actions.push(...sets);
    if (have.PendingConfirmation === 'true') {
      warnings.push({
        code: 'subscription-pending-confirmation',
        message: `subscription ${existing.arn} is pending confirmation (topic and function in different accounts); the topic owner must confirm it before messages flow`,
      });
    }
  }
  const planned: SnsPlanned = { actions, warnings, statementId: permission.reusedStatementId ?? permission.statementId, attributes };
  if (existing) planned.existing = existing;
  if (subscribeIndex !== undefined) planned.subscribeIndex = subscribeIndex;
  return planned;
}

/** True when a FilterPolicy attribute holds a policy (absent, "" and "{}" mean none). */
function hasFilterPolicy(text: string | undefined): boolean {
  const parsed = parseOr(text);
  return Boolean(parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0);
}

function parseOr(text: string | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** ARNs of the function's subscriptions to the topic (all pages of ListSubscriptionsByTopic). */
export async function listOwnSubscriptions(call: CallApi, topicArn: string, region: string, functionArn: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const out = (await call('sns:ListSubscriptionsByTopic', token ? { TopicArn: topicArn, NextToken: token } : { TopicArn: topicArn }, region)) as {
      Subscriptions?: { SubscriptionArn?: string; Protocol?: string; Endpoint?: string }[];
      NextToken?: string;
    };
    for (const s of out.Subscriptions ?? []) {
      // A pending subscription's ARN is the text "PendingConfirmation", which no API accepts: it is skipped.
      if (s.Protocol === 'lambda' && s.Endpoint === functionArn && s.SubscriptionArn?.startsWith('arn:')) found.push(s.SubscriptionArn);
    }
    token = out.NextToken || undefined;
    if (token && seen.has(token)) break;
    if (token) seen.add(token);
  } while (token);
  return found;
}

/** The subscription as a TriggerView. */
export function subscriptionView(id: string, topicArn: string, functionArn: string, attributes: Record<string, string>, statementId: string): TriggerView {
  const settings: Record<string, unknown> = {};
  if (hasFilterPolicy(attributes.FilterPolicy)) {
    settings.filterPolicy = parseOr(attributes.FilterPolicy);
    settings.filterPolicyScope = attributes.FilterPolicyScope || 'MessageAttributes';
  }
  const dlq = redriveTarget(attributes.RedrivePolicy);
  if (dlq) settings.dlq = dlq;
  settings.permissionStatementId = statementId;
  const view: TriggerView = { type: 'sns', id, sourceArn: topicArn, functionArn, settings };
  if (attributes.PendingConfirmation === 'true') view.state = 'PendingConfirmation';
  return view;
}

/** Resolves, reads and plans `add sns` (read-only AWS calls). */
export async function planSnsAdd(ctx: AdapterContext, request: AddRequest<SnsOptions>): Promise<AddPlan> {
  checkPushQualifier(request.fn);
  const ref = parseTopicRef(request.source);
  const dlqRef = request.options.dlq !== undefined ? parseQueueRef(request.options.dlq, '--dlq') : undefined;
  const call = sessionCall(ctx.aws);
  const sessionRegion = await ctx.aws.region();
  // Everything that does not need the function starts at once, beside GetFunctionConfiguration.
  const fnP = resolveFunction(ctx.aws, request.fn);
  const topicRegion = ref.kind === 'arn' ? ref.region : sessionRegion;
  const topicArnP =
    ref.kind === 'arn' ? Promise.resolve(ref.arn) : fnP.then((f) => `arn:${partitionOf(sessionRegion)}:sns:${sessionRegion}:${f.account}:${ref.name}`);
  const topicP = topicArnP.then((arn) =>
    call('sns:GetTopicAttributes', { TopicArn: arn }, topicRegion).catch((error: unknown) => {
      if (isAwsError(error, 'NotFound', 'NotFoundException')) {
        throw new NotFoundError(`topic ${arn} does not exist`, {
          awsErrorName: 'NotFound',
          hint: 'check the topic name and --region, or give the topic ARN (aws sns list-topics lists the topics of a region)',
        });
      }
      throw error;
    }),
  );
  // The subscriptions are listed beside GetTopicAttributes; a topic that is not there fails through topicP.
  const subsP = Promise.all([topicArnP, fnP]).then(async ([arn, f]) => {
    const arns = await listOwnSubscriptions(call, arn, topicRegion, f.arn).catch(async (error: unknown) => {
      await topicP;
      throw error;
    });
    return Promise.all(
      arns.map(async (subscriptionArn) => {
        const out = (await call('sns:GetSubscriptionAttributes', { SubscriptionArn: subscriptionArn }, topicRegion)) as { Attributes?: Record<string, string> };
        return { arn: subscriptionArn, attributes: out.Attributes ?? {} };
      }),
    );
  });
  const dlqP = dlqRef
    ? resolveQueue(ctx.aws, dlqRef).then(async (queue): Promise<DlqState> => {
        const out = (await call('sqs:GetQueueAttributes', { QueueUrl: queue.url, AttributeNames: ['Policy'] }, queue.region)) as { Attributes?: Record<string, string> };
        const state: DlqState = { queue };
        if (out.Attributes?.Policy) state.policy = out.Attributes.Policy;
        return state;
      })
    : Promise.resolve(undefined);
  // The policy is read by the name given, beside GetFunctionConfiguration.
  const policyP = readFunctionPolicyOf(call, request.fn, fnP);
  const [fn, topicArn, , subscriptions, policy, dlq] = await Promise.all([fnP, topicArnP, topicP, subsP, policyP, dlqP]);
  const input: SnsPlanInput = { topicArn, topicRegion, fn, subscriptions, policy, options: request.options, call };
  if (dlq) input.dlq = dlq;
  const planned = planSns(input);
  const name = topicArn.split(':').at(-1) ?? topicArn;
  const plan: AddPlan = {
    type: 'sns',
    source: { arn: topicArn, name },
    functionArn: fn.arn,
    actions: planned.actions,
    warnings: planned.warnings,
    async finish(_ctx, results) {
      const made = planned.subscribeIndex !== undefined ? (results[planned.subscribeIndex] as { SubscriptionArn?: string } | undefined)?.SubscriptionArn : undefined;
      const id = made ?? planned.existing?.arn;
      return id ? subscriptionView(id, topicArn, fn.arn, planned.attributes, planned.statementId) : undefined;
    },
  };
  if (planned.existing) plan.current = subscriptionView(planned.existing.arn, topicArn, fn.arn, planned.existing.attributes, planned.statementId);
  return plan;
}

import { isAwsError } from '../../aws/errors.js';
import { resolveFunction } from '../../aws/lambda.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn } from '../../core/arn.js';
import { AwsFailure } from '../../core/errors.js';
import { functionGrants } from '../../mechanisms/permission/removal.js';
import { sessionCall } from '../../mechanisms/permission/plan.js';
import type { AdapterContext, ExportScope, FileTraits, RemovalPlan, RemoveRequest, TriggerType, TriggerView } from '../contract.js';
import { isLocal } from '../entry.js';
import { destinationFlag } from '../../mechanisms/esm/entry.js';
import { eventbridgeSpec } from './spec.js';
import { eventbridgeTypeSpec } from '../registry.js';
import { describeRuleWith, parseEventBridgeOptions, planEventBridgeAdd, type EventBridgeOptions } from './add.js';
import { discoverEventBridge, listTargets, type EbTarget } from './inventory.js';
import { planEventBridgeRemoval, type DlqPolicy } from './removal.js';
import { checkRuleAccount, parseBusRef, parseRuleRef, ruleArn, ruleDisplayName, ruleOfArn, type RuleRef } from './rule.js';

const push = eventbridgeTypeSpec.push;

// The EventBridge trigger type: a rule's target naming the function, the function's permission for the
// rule, and (when evsrc created it) the rule itself.

function parseRemove(source: string, raw: Record<string, unknown>): RuleRef {
  const bus = raw.eventBus !== undefined ? parseBusRef(String(raw.eventBus)) : undefined;
  return parseRuleRef(source, bus);
}

/** The rule's tags as a map; none when the rule cannot be tagged or read. */
async function ruleTags(aws: AwsSession, arn: string, region: string): Promise<Record<string, string>> {
  try {
    const out = await aws.call<{ Tags?: { Key?: string; Value?: string }[] }>('events', 'ListTagsForResource', { ResourceARN: arn }, { region });
    return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return {};
    throw error;
  }
}

/** A dead-letter queue's URL and access policy, read for `remove`; undefined when the queue is gone or unreadable. */
async function readQueuePolicy(aws: AwsSession, queueArn: string): Promise<DlqPolicy | undefined> {
  const arn = parseArn(queueArn);
  if (!arn) return undefined;
  const region = arn.region || undefined;
  try {
    const { QueueUrl } = await aws.call<{ QueueUrl?: string }>('sqs', 'GetQueueUrl', { QueueName: arn.resource, QueueOwnerAWSAccountId: arn.account }, { region });
    if (!QueueUrl) return undefined;
    const out = await aws.call<{ Attributes?: Record<string, string> }>('sqs', 'GetQueueAttributes', { QueueUrl, AttributeNames: ['Policy'] }, { region });
    const dlq: DlqPolicy = { queueArn, url: QueueUrl };
    if (arn.region) dlq.region = arn.region;
    if (out.Attributes?.Policy) dlq.policy = out.Attributes.Policy;
    return dlq;
  } catch (error) {
    if (isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'AccessDenied', 'AccessDeniedException')) return undefined;
    throw error;
  }
}

async function planRemove(ctx: AdapterContext, request: RemoveRequest<RuleRef>): Promise<RemovalPlan> {
  const ref = request.source;
  const aws = ctx.aws;
  const call = sessionCall(aws);
  const region = ref.region ?? (await aws.region());
  const where = { name: ref.name, bus: ref.bus, region };
  // The rule does not need the function: read it while the function and its grants are read.
  const ruleP = describeRuleWith(call, where).then(async (state) => {
    if (!state) return { targets: [] as EbTarget[], tags: {} };
    const [targets, tags] = await Promise.all([listTargets(call, where), state.Arn ? ruleTags(aws, state.Arn, region) : Promise.resolve({})]);
    return { state, targets, tags };
  });
  const fnP = resolveFunction(aws, request.fn);
  const [fnSide, ruleSide] = await Promise.allSettled([fnP.then(async (fn) => ({ fn, grants: await functionGrants(aws, fn, 'eventbridge', push) })), ruleP]);
  if (fnSide.status === 'rejected') throw fnSide.reason;
  if (ruleSide.status === 'rejected') {
    const error = ruleSide.reason as unknown;
    if (isAwsError(error, 'AccessDeniedException')) throw new AwsFailure(`cannot read rule ${ref.name}: ${(error as Error).message}`, { hint: 'the caller needs events:DescribeRule and events:ListTargetsByRule' });
    throw error;
  }
  const { fn, grants } = fnSide.value;
  checkRuleAccount(ref, fn);
  const read = ruleSide.value;
  const arn = read.state?.Arn ?? ruleArn(region, ref.account ?? fn.account, ref.bus, ref.name, ref.partition);
  // The dead-letter queues only the function's targets use: evsrc's statement letting the rule send to them goes too.
  const mine = read.targets.filter((t) => t.Arn === fn.arn);
  const othersUse = new Set(read.targets.filter((t) => t.Arn !== fn.arn).map((t) => t.DeadLetterConfig?.Arn));
  const queues = [...new Set(mine.map((t) => t.DeadLetterConfig?.Arn).filter((q): q is string => q !== undefined && !othersUse.has(q)))];
  const dlqs = (await Promise.all(queues.map((queueArn) => readQueuePolicy(aws, queueArn)))).filter((d): d is DlqPolicy => d !== undefined);
  return planEventBridgeRemoval({
    rule: { name: ref.name, bus: ref.bus, arn, shown: ruleDisplayName(ref.bus, ref.name), region },
    ...(read.state ? { state: read.state } : {}),
    targets: read.targets,
    tags: read.tags,
    functionArn: fn.arn,
    grants,
    dlqs,
  });
}

/** The EventBridge trigger type. */
/**
 * A rule's target as `add eventbridge` flags: the rule by name (and its bus when not the default) with its
 * pattern or schedule, so applying the file where the rule is missing creates it; the target's input and
 * retry settings when not EventBridge's defaults (185 attempts, 86400 seconds).
 */
const file: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const s = view.settings;
    const rule = ruleOfArn(view.sourceArn);
    const local = isLocal(view.sourceArn, scope);
    const flags: Record<string, unknown> = {};
    if (local && rule && rule.bus !== 'default') flags.eventBus = rule.bus;
    if (s.pattern !== undefined) flags.pattern = s.pattern;
    else if (s.schedule !== undefined) flags.schedule = s.schedule;
    if (s.input !== undefined) flags.input = s.input;
    if (s.inputPath !== undefined) flags.inputPath = s.inputPath;
    if (s.retryAttempts !== undefined && s.retryAttempts !== 185) flags.retryAttempts = s.retryAttempts;
    if (s.maxEventAge !== undefined && s.maxEventAge !== 86400) flags.maxEventAge = s.maxEventAge;
    if (typeof s.dlq === 'string') flags.dlq = destinationFlag(s.dlq, scope);
    return { source: local && rule ? rule.name : view.sourceArn, flags };
  },
  // Input and input path cannot be taken back with a flag; the retry settings are left as they are.
  defaults: [],
  removeArgs: (view: TriggerView) => ({ source: view.sourceArn, flags: {} }),
};

export const eventbridgeType: TriggerType<EventBridgeOptions, RuleRef> = {
  spec: eventbridgeSpec,
  file,
  parseAddOptions: parseEventBridgeOptions,
  planAdd: planEventBridgeAdd,
  ownsSourceArn: eventbridgeTypeSpec.ownsSourceArn,
  push,
  discover: discoverEventBridge,
  parseRemove,
  planRemove,
};

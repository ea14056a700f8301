import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import type { AwsSession } from '../../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../../core/arn.js';
import { AwsFailure, UsageError } from '../../core/errors.js';
import { belongsTo, sourceNameOfArn, type Finding } from '../../inventory/model.js';
import { exactSource, type Grant, type SourceStatus } from '../../mechanisms/permission/grants.js';
import { functionGrants, withFunction } from '../../mechanisms/permission/removal.js';
import type { AdapterContext, Discovery, ExportScope, FileTraits, ListScan, RemovalPlan, RemoveRequest, TriggerType, TriggerView } from '../contract.js';
import { nameOrArn } from '../entry.js';
import { snsSpec } from './spec.js';
import { snsTypeSpec } from '../registry.js';
const push = snsTypeSpec.push;
import { parseSnsOptions, planSnsAdd, type SnsOptions } from './add.js';
import { listLambdaSubscriptions, PENDING, readTopicSubscriptions, snsTrigger, subscriptionAttributes, type Subscription, type TopicRead } from './inventory.js';
import { planSnsRemoval } from './removal.js';

// The SNS trigger type: a lambda subscription to a topic and the function's permission for the topic.

async function snsTriggers(scan: ListScan, subs: readonly Subscription[]): Promise<TriggerView[]> {
  const attributes = await scan.each(subs, (sub) => subscriptionAttributes(scan.aws, sub));
  return subs.map((sub, i) => snsTrigger(sub, attributes[i]));
}

function pendingFindings(triggers: readonly TriggerView[]): Finding[] {
  return triggers
    .filter((t) => t.state === PENDING)
    .map((t) => ({
      code: 'pending-subscription' as const,
      message: `the subscription of ${t.functionArn} to topic ${t.sourceName} is pending confirmation: SNS delivers nothing until it is confirmed`,
      functionArn: t.functionArn,
      sourceArn: t.sourceArn,
    }));
}

async function discover(scan: ListScan): Promise<Discovery> {
  const { aws, fn, target } = scan;
  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  let triggers: TriggerView[];
  if (fn && target) {
    // With a function: one read per topic its policy names.
    const grants = (await scan.grants()) ?? [];
    const topics = [...new Set(grants.filter((g) => g.type === 'sns').map(exactSource).filter((s): s is string => s !== undefined))];
    const lists = await scan.each(topics, async (arn): Promise<TriggerView[]> => {
      const read = await readTopicSubscriptions(aws, arn);
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read the subscriptions of topic ${arn}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
        return [];
      }
      sources.set(arn, read.status);
      if (read.status !== 'exists') return [];
      return snsTriggers(scan, read.subscriptions.filter((s) => s.Protocol === 'lambda' && belongsTo(s.Endpoint ?? '', target)));
    });
    triggers = lists.flat();
  } else {
    // Region-wide: every lambda subscription (SNS has no lookup by endpoint); with --check-permissions
    // also the topics, so a permission for a topic that is gone can be told apart.
    const subs = await listLambdaSubscriptions(aws).then((list) => list.filter((s) => parseArn(s.Endpoint ?? '')?.region === scan.region));
    const [list, topics] = await Promise.all([
      snsTriggers(scan, subs),
      scan.checkPermissions ? aws.paginate<{ TopicArn?: string }>('sns', 'ListTopics', {}, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'Topics' }) : Promise.resolve([]),
    ]);
    for (const t of topics) if (t.TopicArn) sources.set(t.TopicArn, 'exists');
    triggers = list;
  }
  findings.push(...pendingFindings(triggers));
  return { triggers, findings, sources };
}

// SNS topic names: 1-256 letters, digits, hyphens and underscores; FIFO topics end in ".fifo".
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

function parseRemove(source: string): string {
  const arn = parseArn(source);
  if (arn) {
    if (arn.service !== 'sns' || !arn.region || !ACCOUNT.test(arn.account) || arn.resource.includes(':')) throw new UsageError(`<topic>: ${JSON.stringify(source)} is not an SNS topic ARN`);
  } else if (!TOPIC_NAME.test(source)) {
    throw new UsageError(`<topic>: ${JSON.stringify(source)} is not a topic name or ARN`);
  }
  return source;
}

async function planRemove(ctx: AdapterContext, request: RemoveRequest<string>): Promise<RemovalPlan> {
  const source = request.source;
  const aws: AwsSession = ctx.aws;
  let topicArn: string;
  let fn: ResolvedFunction;
  let grants: Grant[];
  let read: TopicRead;
  if (parseArn(source)) {
    // A topic ARN is complete: read its subscriptions while the function is resolved.
    topicArn = source;
    ({ fn, grants, read } = await withFunction(aws, request.fn, 'sns', push, readTopicSubscriptions(aws, topicArn)));
  } else {
    // A topic name lives in the function's region and account, known once the function is resolved.
    fn = await resolveFunction(aws, request.fn);
    topicArn = `arn:${partitionOf(fn.region)}:sns:${fn.region}:${fn.account}:${source}`;
    [read, grants] = await Promise.all([readTopicSubscriptions(aws, topicArn), functionGrants(aws, fn, 'sns', push)]);
  }
  if (read.status === 'unreadable') throw new AwsFailure(`cannot list the subscriptions of topic ${topicArn}: ${read.error}`, { hint: 'the caller needs sns:ListSubscriptionsByTopic' });
  const plan = planSnsRemoval({
    topicArn,
    topicName: sourceNameOfArn(topicArn),
    functionArn: fn.arn,
    ...(read.status === 'exists' ? { subscriptions: read.subscriptions } : {}),
    grants,
  });
  for (const action of plan.actions) action.region ??= fn.region;
  return plan;
}

/** The SNS trigger type. */
/** A subscription as `add sns` flags: a filter policy (and its scope when not the default), a dead-letter queue. */
const file: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const s = view.settings;
    const flags: Record<string, unknown> = {};
    if (s.filterPolicy !== undefined) {
      flags.filterPolicy = s.filterPolicy;
      if (s.filterPolicyScope && s.filterPolicyScope !== 'MessageAttributes') flags.filterPolicyScope = s.filterPolicyScope;
    }
    const dlq = (s.deadLetterQueue ?? s.dlq) as string | undefined;
    if (dlq) flags.dlq = nameOrArn(dlq, parseArn(dlq)?.resource ?? '', scope);
    return { source: nameOrArn(view.sourceArn, parseArn(view.sourceArn)?.resource ?? '', scope), flags };
  },
  // No filter policy in the entry: every message is delivered.
  defaults: [{ unless: ['filterPolicy'], flags: { filterPolicy: false } }],
  removeArgs: (view: TriggerView) => ({ source: view.sourceArn, flags: {} }),
};

export const snsType: TriggerType<SnsOptions, string> = {
  spec: snsSpec,
  file,
  parseAddOptions: parseSnsOptions,
  planAdd: planSnsAdd,
  ownsSourceArn: snsTypeSpec.ownsSourceArn,
  push,
  discover,
  parseRemove,
  planRemove,
};

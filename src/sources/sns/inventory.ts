import { isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn } from '../../core/arn.js';
import type { TriggerView } from '../contract.js';
import { sourceNameOfArn } from '../../inventory/model.js';

// SNS for `list` and `remove`: subscriptions with protocol lambda, read per topic or for the region.

/** A subscription as ListSubscriptions(ByTopic) returns it. */
export interface Subscription {
  SubscriptionArn?: string;
  Owner?: string;
  Protocol?: string;
  Endpoint?: string;
  TopicArn?: string;
}

const PAGE = { inputToken: 'NextToken', outputToken: 'NextToken', items: 'Subscriptions' };

/** ListSubscriptions(ByTopic) answers this instead of an ARN while a subscription awaits confirmation. */
export const PENDING = 'PendingConfirmation';

/** A lambda subscription as a trigger; `attributes` (GetSubscriptionAttributes) add its filter policy. */
export function snsTrigger(sub: Subscription, attributes?: Record<string, string>): TriggerView {
  const topicArn = sub.TopicArn ?? '';
  const settings: Record<string, unknown> = {};
  const policy = attributes?.FilterPolicy;
  if (policy) {
    try {
      settings.filterPolicy = JSON.parse(policy);
    } catch {
      settings.filterPolicy = policy;
    }
    settings.filterPolicyScope = attributes?.FilterPolicyScope ?? 'MessageAttributes';
  }
  if (attributes?.RedrivePolicy) {
    try {
      settings.deadLetterQueue = (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    } catch {
      // an unreadable redrive policy is simply not shown
    }
  }
  const view: TriggerView = {
    type: 'sns',
    id: sub.SubscriptionArn ?? '',
    sourceArn: topicArn,
    sourceName: sourceNameOfArn(topicArn),
    functionArn: sub.Endpoint ?? '',
    settings,
  };
  if (sub.SubscriptionArn === PENDING || attributes?.PendingConfirmation === 'true') view.state = PENDING;
  return view;
}

/** What reading a topic's subscriptions gave. */
export type TopicRead = { status: 'exists'; subscriptions: Subscription[] } | { status: 'missing' } | { status: 'unreadable'; error: string };

/** ListSubscriptionsByTopic in the topic's region (100 a page); NotFound is `missing`. */
export async function readTopicSubscriptions(aws: AwsSession, topicArn: string): Promise<TopicRead> {
  const region = parseArn(topicArn)?.region || undefined;
  try {
    const subscriptions = await aws.paginate<Subscription>('sns', 'ListSubscriptionsByTopic', { TopicArn: topicArn }, PAGE, { region });
    return { status: 'exists', subscriptions };
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NotFoundException')) return { status: 'missing' };
    if (isAwsError(error, 'AuthorizationError', 'AuthorizationErrorException', 'InvalidParameter', 'InvalidParameterException')) {
      return { status: 'unreadable', error: (error as Error).name };
    }
    throw error;
  }
}

/** Every subscription with protocol lambda in the region (ListSubscriptions, 100 a page; SNS has no lookup by endpoint). */
export async function listLambdaSubscriptions(aws: AwsSession, region?: string): Promise<Subscription[]> {
  const all = await aws.paginate<Subscription>('sns', 'ListSubscriptions', {}, PAGE, { region });
  return all.filter((s) => s.Protocol === 'lambda');
}

/** GetSubscriptionAttributes of a confirmed subscription (filter policy, redrive policy); undefined when gone or pending. */
export async function subscriptionAttributes(aws: AwsSession, sub: Subscription): Promise<Record<string, string> | undefined> {
  if (!sub.SubscriptionArn || sub.SubscriptionArn === PENDING) return undefined;
  const region = parseArn(sub.SubscriptionArn)?.region || undefined;
  try {
    const out = await aws.call<{ Attributes?: Record<string, string> }>('sns', 'GetSubscriptionAttributes', { SubscriptionArn: sub.SubscriptionArn }, { region });
    return out.Attributes;
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NotFoundException')) return undefined;
    throw error;
  }
}

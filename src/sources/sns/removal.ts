import type { Action } from '../../core/plan.js';
import type { Grant } from '../../mechanisms/permission/grants.js';
import { hasGrant, permissionActions } from '../../mechanisms/permission/removal.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import type { RemovalPlan } from '../contract.js';
import { PENDING, snsTrigger, type Subscription } from './inventory.js';

// Pure planner of `evsrc remove sns`: unsubscribe, then the permission (kept while a subscription is pending).

/** Everything planSnsRemoval needs, read beforehand. */
export interface SnsRemovalInput {
  topicArn: string;
  topicName: string;
  functionArn: string;
  /** The topic's subscriptions; undefined when the topic does not exist. */
  subscriptions?: readonly Subscription[];
  grants: readonly Grant[];
}

/** Unsubscribes the function from the topic, then removes its permission for the topic. */
export function planSnsRemoval(input: SnsRemovalInput): RemovalPlan {
  const { topicArn, topicName, functionArn } = input;
  const plan: RemovalPlan = { type: 'sns', source: { arn: topicArn, name: topicName }, functionArn, actions: [], removed: [], notes: [], warnings: [] };
  const region = topicArn.split(':')[3] || undefined;
  if (!input.subscriptions) plan.notes.push(`topic ${topicName} does not exist`);
  const mine = (input.subscriptions ?? []).filter((s) => s.Protocol === 'lambda' && s.Endpoint === functionArn);
  let pending = false;
  for (const sub of mine) {
    if (!sub.SubscriptionArn || sub.SubscriptionArn === PENDING) {
      pending = true;
      plan.warnings.push({
        code: 'subscription-pending-confirmation',
        message: `a subscription of ${functionArn} to ${topicName} is pending confirmation; SNS cannot unsubscribe it (it expires after three days unconfirmed)`,
      });
      continue;
    }
    const action: Action = { api: 'sns:Unsubscribe', summary: `unsubscribe ${functionArn} from topic ${topicName}`, input: { SubscriptionArn: sub.SubscriptionArn }, undo: CANNOT_UNDO };
    if (region) action.region = region;
    plan.actions.push(action);
    plan.removed.push(snsTrigger(sub));
  }
  const others = (input.subscriptions ?? []).filter((s) => s.Protocol === 'lambda' && s.Endpoint !== functionArn && s.Endpoint?.startsWith(`${functionArn}:`));
  if (others.length > 0 && mine.length === 0) {
    plan.notes.push(`subscriptions of other versions or aliases were left: ${others.map((s) => s.Endpoint).join(', ')}; name one with --function <fn>:<alias>`);
  }
  if (pending) {
    // Once confirmed, that subscription delivers to the function, which then needs the permission.
    plan.notes.push(`its permission for the topic is kept while a subscription of ${functionArn} to ${topicName} is pending confirmation`);
  } else {
    plan.actions.push(...permissionActions('sns', input.grants, functionArn, topicArn, topicName, plan.warnings));
    if (plan.actions.length === 0 && input.subscriptions) {
      const granted = hasGrant('sns', input.grants, functionArn, topicArn);
      plan.notes.push(`${functionArn} is not subscribed to ${topicName}${granted ? '' : ' and has no permission for it'}`);
    }
  }
  return plan;
}

import type { Action } from '../../core/plan.js';
import type { Grant } from '../../mechanisms/permission/grants.js';
import { hasGrant, permissionActions } from '../../mechanisms/permission/removal.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import type { RemovalPlan } from '../contract.js';
import { checkFailedEntries, dlqStatementId, EVENTS_RETRY } from './add.js';
import { removeSendStatement } from '../../mechanisms/queue-policy.js';
import { ebTrigger, type EbTarget, type RuleState } from './inventory.js';
import { busInput } from './rule.js';

// Pure planner of `evsrc remove eventbridge`: the function's targets, then its permission for the rule,
// then the rule itself when evsrc created it (tag) and nothing else targets it.

/** Everything planEventBridgeRemoval needs, read beforehand. */
export interface EventBridgeRemovalInput {
  rule: { name: string; bus: string; arn: string; shown: string; region?: string };
  /** DescribeRule; undefined when the rule does not exist. */
  state?: RuleState;
  targets: readonly EbTarget[];
  /** The rule's tags (ListTagsForResource). */
  tags: Readonly<Record<string, string>>;
  functionArn: string;
  grants: readonly Grant[];
  /** The dead-letter queues only the function's targets use, with their access policies. */
  dlqs?: readonly DlqPolicy[];
}

/** A dead-letter queue as `remove` read it. */
export interface DlqPolicy {
  queueArn: string;
  url: string;
  region?: string;
  policy?: string;
}

/** True when evsrc created the rule (its evsrc:managed tag). */
export function createdByEvsrc(tags: Readonly<Record<string, string>>): boolean {
  return tags['evsrc:managed'] === 'true';
}

/** Removes the function's targets from the rule, its permission, and an evsrc-made rule left empty. */
export function planEventBridgeRemoval(input: EventBridgeRemovalInput): RemovalPlan {
  const { rule, functionArn } = input;
  const plan: RemovalPlan = { type: 'eventbridge', source: { arn: rule.arn, name: rule.shown }, functionArn, actions: [], removed: [], notes: [], warnings: [] };
  const at = (action: Action): Action => (rule.region ? { ...action, region: rule.region } : action);
  const ruleInput = { Rule: rule.name, ...busInput(rule.bus) };
  if (!input.state) plan.notes.push(`rule ${rule.shown} does not exist`);
  else if (input.state.ManagedBy) {
    plan.warnings.push(`rule ${rule.shown} is managed by ${input.state.ManagedBy}; evsrc does not change managed rules, its targets are left`);
  }
  const mine = input.state && !input.state.ManagedBy ? input.targets.filter((t) => t.Arn === functionArn && t.Id) : [];
  if (mine.length > 0) {
    plan.actions.push(
      at({
        api: 'events:RemoveTargets',
        summary: `remove target${mine.length > 1 ? 's' : ''} ${mine.map((t) => t.Id).join(', ')} (${functionArn}) from rule ${rule.shown}`,
        input: { ...ruleInput, Ids: mine.map((t) => t.Id as string) },
        retry: [EVENTS_RETRY],
        check: (result) => void checkFailedEntries(result, 'events:RemoveTargets', rule.shown),
        undo: CANNOT_UNDO,
      }),
    );
    for (const t of mine) plan.removed.push(ebTrigger(input.state ?? { Arn: rule.arn, Name: rule.name }, rule.bus, t));
  }
  const others = input.targets.filter((t) => t.Arn !== functionArn && t.Arn?.startsWith(`${functionArn}:`));
  if (others.length > 0 && mine.length === 0) {
    plan.notes.push(`targets of other versions or aliases were left: ${others.map((t) => t.Arn).join(', ')}; name one with --function <fn>:<alias>`);
  }
  // evsrc's statement that let the rule send to a dead-letter queue of the removed targets (no other target uses it).
  if (mine.length > 0) {
    for (const dlq of input.dlqs ?? []) {
      const sid = dlqStatementId(rule.arn, dlq.queueArn);
      const policy = removeSendStatement(dlq.policy, sid);
      if (policy === undefined) continue;
      const action: Action = {
        api: 'sqs:SetQueueAttributes',
        summary: `remove statement ${sid} (rule ${rule.shown} may send) from the access policy of ${dlq.queueArn}, keeping the rest`,
        input: { QueueUrl: dlq.url, Attributes: { Policy: policy } },
        undo: CANNOT_UNDO,
      };
      if (dlq.region) action.region = dlq.region;
      plan.actions.push(action);
    }
  }
  const permissions = permissionActions('eventbridge', input.grants, functionArn, rule.arn, rule.shown, plan.warnings).map(at);
  plan.actions.push(...permissions);
  if (input.state && !input.state.ManagedBy) {
    const left = input.targets.length - mine.length;
    // Only a removal that takes this function's last target off an evsrc-made rule deletes the rule: an
    // empty rule the named function never targeted is not this command's to delete.
    if (createdByEvsrc(input.tags) && left === 0 && mine.length > 0) {
      plan.actions.push(at({ api: 'events:DeleteRule', summary: `delete rule ${rule.shown} (created by evsrc, no target left)`, input: { Name: rule.name, ...busInput(rule.bus) }, retry: [EVENTS_RETRY], undo: CANNOT_UNDO }));
    } else if (createdByEvsrc(input.tags) && mine.length > 0) {
      plan.notes.push(`rule ${rule.shown} is kept: ${left} other target${left === 1 ? '' : 's'} left`);
    } else if (createdByEvsrc(input.tags) && input.targets.length === 0) {
      plan.notes.push(`rule ${rule.shown} (created by evsrc) has no targets; delete it with aws events delete-rule --name ${rule.name}${rule.bus === 'default' ? '' : ` --event-bus-name ${rule.bus}`}`);
    }
  }
  if (mine.length === 0 && permissions.length === 0 && input.state) {
    const granted = hasGrant('eventbridge', input.grants, functionArn, rule.arn);
    plan.notes.push(`${functionArn} is not a target of rule ${rule.shown}${granted ? '' : ' and has no permission for it'}`);
  }
  return plan;
}

import type { Action } from '../../core/plan.js';
import type { Grant } from '../../mechanisms/permission/grants.js';
import { hasGrant, permissionActions } from '../../mechanisms/permission/removal.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import type { RemovalPlan } from '../contract.js';
import { filterView, type SubscriptionFilter } from './inventory.js';

// Pure planner of `evsrc remove logs`: delete the function's subscription filters, then its permission for the group.

/** Everything planLogsRemoval needs, read beforehand. */
export interface LogsRemovalInput {
  groupName: string;
  /** The log group ARN with `:*`, as permissions name it. */
  groupArn: string;
  region: string;
  functionArn: string;
  /** The group's subscription filters; undefined when the group does not exist. */
  filters?: readonly SubscriptionFilter[];
  /** Only this filter (--filter-name); every filter to the function otherwise. */
  filterName?: string;
  grants: readonly Grant[];
}

/** Deletes the function's filters on the group, then the statements granting exactly that group, once nothing there sends to the function. */
export function planLogsRemoval(input: LogsRemovalInput): RemovalPlan {
  const { groupName, groupArn, region, functionArn } = input;
  const plan: RemovalPlan = { type: 'logs', source: { arn: groupArn, name: groupName }, functionArn, actions: [], removed: [], notes: [], warnings: [] };
  if (!input.filters) plan.notes.push(`log group ${groupName} does not exist`);
  const filters = input.filters ?? [];
  const toFunction = filters.filter((f) => f.destinationArn === functionArn);
  const named = input.filterName;
  const chosen = named === undefined ? toFunction : toFunction.filter((f) => f.filterName === named);
  if (named !== undefined && chosen.length === 0 && input.filters) {
    const other = filters.find((f) => f.filterName === named);
    plan.notes.push(
      other
        ? `subscription filter ${named} on ${groupName} sends to ${other.destinationArn ?? 'another destination'}, not to ${functionArn}; it was left in place`
        : `log group ${groupName} has no subscription filter ${named}`,
    );
  }
  for (const filter of chosen) {
    const action: Action = {
      api: 'logs:DeleteSubscriptionFilter',
      summary: `delete subscription filter ${filter.filterName ?? ''} (log group ${groupName} → ${functionArn})`,
      input: { logGroupName: groupName, filterName: filter.filterName ?? '' },
      region,
      undo: CANNOT_UNDO,
    };
    plan.actions.push(action);
    plan.removed.push(filterView(filter, groupArn));
  }
  const remaining = toFunction.length - chosen.length;
  if (remaining > 0) {
    // Another filter of the group still sends to the function: it needs the permission.
    plan.notes.push(`its permission for log group ${groupName} is kept: ${remaining} other subscription filter(s) there still send to ${functionArn}`);
  } else {
    // Statements naming the group ARN without `:*` (hand-made) grant the same group.
    const arns = [groupArn, groupArn.replace(/:\*$/, '')];
    for (const arn of arns) plan.actions.push(...permissionActions('logs', input.grants, functionArn, arn, groupName, plan.warnings));
    if (plan.actions.length === 0 && input.filters && named === undefined) {
      const granted = arns.some((arn) => hasGrant('logs', input.grants, functionArn, arn));
      plan.notes.push(`no subscription filter of log group ${groupName} sends to ${functionArn}${granted ? '' : ' and it has no permission for it'}`);
    }
  }
  return plan;
}

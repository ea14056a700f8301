import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { invalidFlag } from '../core/errors.js';
import type { Action } from '../core/plan.js';
import type { Grant } from '../mechanisms/permission/grants.js';
import { mappingTrigger } from '../mechanisms/esm/inventory.js';
import { s3Triggers } from '../sources/s3/inventory.js';
import { PENDING, snsTrigger, type Subscription } from '../sources/sns/inventory.js';
import { RESOURCE_IN_USE_RETRY } from '../mechanisms/esm/settings.js';
import { removePermissionInput } from '../mechanisms/permission/policy.js';
import { entryFilter, parseS3Events, removeLambdaEntries, type LambdaFunctionConfiguration, type NotificationConfiguration } from '../sources/s3/notifications.js';
import type { SourceType, TriggerView } from '../sources/contract.js';

// Pure planners of `evsrc remove`: from what was read, the ordered write calls (data, run by applyPlan),
// the triggers they take away, and what a person should know. Nothing here calls AWS.

/** The plan of one removal. */
export interface RemovalPlan {
  /** The kind of trigger; null when `remove <uuid>` names a mapping that does not exist. */
  type: SourceType | null;
  /** The mapping UUID, for `remove <uuid>`. */
  id?: string;
  /** The source; null when it is unknown (no such mapping). */
  source: { arn: string; name: string } | null;
  /** The function; null when it is unknown (no such mapping). */
  functionArn: string | null;
  actions: Action[];
  /** The triggers the actions take away. */
  removed: TriggerView[];
  /** Facts worth telling (why nothing is removed, what is kept). */
  notes: string[];
  warnings: string[];
}

/**
 * The `undo` of every removal step: a removal cannot be taken back (evsrc does not re-create what it
 * deleted), so the executor counts a step that ran before a later one failed as done and not undone,
 * and raises PartialApplyError (exit 4) instead of the bare error of the failed step.
 */
export const CANNOT_UNDO = (): undefined => undefined;

/** Retry rule for S3's "A conflicting conditional operation is currently in progress" (409). */
export const OPERATION_ABORTED_RETRY = { errorNames: ['OperationAborted'], attempts: 4, delayMs: 1000, reason: 'another change to the bucket is in progress' };

/** Retry rule for Lambda's concurrent policy updates ("an update is in progress"). */
export const POLICY_CONFLICT_RETRY = {
  errorNames: ['ResourceConflictException', 'TooManyRequestsException'],
  attempts: 4,
  delayMs: 1000,
  reason: 'the function is being updated by another call',
};

/** Deletes the mappings given (already narrowed to one source and function). */
export function planMappingRemoval(
  type: SourceType,
  source: { arn: string; name: string },
  functionArn: string,
  mappings: readonly EventSourceMappingConfiguration[],
  region?: string,
): RemovalPlan {
  const actions: Action[] = mappings.map((m) => {
    const action: Action = {
      api: 'lambda:DeleteEventSourceMapping',
      summary: `delete ${type} mapping ${m.UUID} (${m.EventSourceArn} → ${m.FunctionArn})`,
      input: { UUID: m.UUID },
      retry: [RESOURCE_IN_USE_RETRY],
      undo: CANNOT_UNDO,
    };
    if (region) action.region = region;
    return action;
  });
  const removed = mappings.map(mappingTrigger).filter((t): t is TriggerView => t !== undefined);
  return { type, source, functionArn, actions, removed, notes: [], warnings: [] };
}

/** Which entries of a bucket `remove s3` takes: all that send to the function, or those the flags name. */
export interface S3Selector {
  events?: readonly string[];
  prefix?: string;
  suffix?: string;
  id?: string;
}

/**
 * Parses `remove s3 --events` (comma-separated and/or repeated): the exact set an entry must list.
 * Unlike `add s3`, a type next to its own wildcard is kept (an entry may list both); each name is
 * checked on its own by parseS3Events, for the same refusal and "did you mean" as add.
 */
export function parseEventSelector(values: readonly string[]): string[] {
  const given = values.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  if (given.length === 0) throw invalidFlag('--events', values.join(','), 'name at least one S3 event type');
  for (const event of given) parseS3Events([event]);
  return [...new Set(given)];
}

/** True when an entry sends to `functionArn` and matches every narrowing flag given (events as a set, filters exactly). */
export function selectsEntry(entry: LambdaFunctionConfiguration, functionArn: string, selector: S3Selector): boolean {
  if (entry.LambdaFunctionArn !== functionArn) return false;
  if (selector.id !== undefined && entry.Id !== selector.id) return false;
  const filter = entryFilter(entry);
  if (selector.prefix !== undefined && (filter.prefix ?? '') !== selector.prefix) return false;
  if (selector.suffix !== undefined && (filter.suffix ?? '') !== selector.suffix) return false;
  if (selector.events !== undefined) {
    const have = new Set(entry.Events ?? []);
    const want = new Set(selector.events);
    if (have.size !== want.size || [...want].some((e) => !have.has(e))) return false;
  }
  return true;
}

/** The statements to remove for one source: only those granting exactly this source to exactly this function. */
function permissionActions(
  type: 's3' | 'sns',
  grants: readonly Grant[],
  functionArn: string,
  sourceArn: string,
  sourceName: string,
  warnings: string[],
): Action[] {
  const actions: Action[] = [];
  for (const g of grants) {
    if (g.type !== type || g.functionArn !== functionArn || !g.sourceArns.includes(sourceArn)) continue;
    if (!g.sid) continue;
    if (g.sourceArns.length > 1) {
      warnings.push(`statement ${g.sid} also lets other sources invoke ${functionArn} (${g.sourceArns.join(', ')}); it was left in place`);
      continue;
    }
    actions.push({
      api: 'lambda:RemovePermission',
      summary: `remove permission ${g.sid} (${g.principal} from ${sourceName}) from ${functionArn}`,
      input: removePermissionInput(functionArn, g.sid) as unknown as Record<string, unknown>,
      retry: [POLICY_CONFLICT_RETRY],
      undo: CANNOT_UNDO,
    });
  }
  return actions;
}

/** True when some statement lets the source invoke the function (removable or not). */
function hasGrant(type: 's3' | 'sns', grants: readonly Grant[], functionArn: string, sourceArn: string): boolean {
  return grants.some((g) => g.type === type && g.functionArn === functionArn && g.sourceArns.includes(sourceArn));
}

/** Everything planS3Removal needs, read beforehand. */
export interface S3RemovalInput {
  bucket: string;
  bucketArn: string;
  functionArn: string;
  /** The bucket's configuration; undefined when the bucket does not exist. */
  config?: NotificationConfiguration;
  selector: S3Selector;
  /** S3 grants of the function's policy. */
  grants: readonly Grant[];
  partition: string;
}

/**
 * Removes the selected Lambda entries with one PUT that carries everything else over exactly (queues,
 * topics, other functions' entries, EventBridge), then the function's permission for the bucket once
 * no entry on the bucket sends to the function any more.
 */
export function planS3Removal(input: S3RemovalInput): RemovalPlan {
  const { bucket, bucketArn, functionArn } = input;
  const plan: RemovalPlan = { type: 's3', source: { arn: bucketArn, name: bucket }, functionArn, actions: [], removed: [], notes: [], warnings: [] };
  let stillSends = false;
  const granted = hasGrant('s3', input.grants, functionArn, bucketArn);
  if (!input.config) {
    plan.notes.push(`bucket ${bucket} does not exist`);
  } else {
    const { config, removed } = removeLambdaEntries(input.config, (e) => selectsEntry(e, functionArn, input.selector));
    if (removed.length > 0) {
      plan.actions.push({
        api: 's3:PutBucketNotificationConfiguration',
        summary: `remove ${removed.length} ${removed.length === 1 ? 'entry' : 'entries'} (${removed.map((e) => e.Id ?? 'no id').join(', ')}) from the notifications of bucket ${bucket}, keeping the rest`,
        input: { Bucket: bucket, NotificationConfiguration: config },
        retry: [OPERATION_ABORTED_RETRY],
        undo: CANNOT_UNDO,
      });
      plan.removed = s3Triggers(bucket, { LambdaFunctionConfigurations: removed }, input.partition);
    }
    const remaining = (config.LambdaFunctionConfigurations ?? []).filter((e) => e.LambdaFunctionArn === functionArn);
    stillSends = remaining.length > 0;
    if (stillSends) {
      plan.notes.push(
        `${remaining.length} other ${remaining.length === 1 ? 'entry' : 'entries'} on ${bucket} still ${remaining.length === 1 ? 'sends' : 'send'} to ${functionArn} (${remaining.map((e) => e.Id ?? 'no id').join(', ')})${granted ? '; its permission for the bucket is kept' : ''}`,
      );
    }
    const others = (config.LambdaFunctionConfigurations ?? []).filter((e) => e.LambdaFunctionArn !== functionArn && e.LambdaFunctionArn.startsWith(`${functionArn}:`));
    if (others.length > 0 && removed.length === 0) {
      plan.notes.push(`entries for other versions or aliases were left: ${[...new Set(others.map((e) => e.LambdaFunctionArn))].join(', ')}; name one with --function <fn>:<alias>`);
    }
  }
  if (!stillSends) plan.actions.push(...permissionActions('s3', input.grants, functionArn, bucketArn, bucket, plan.warnings));
  if (plan.actions.length === 0 && input.config) {
    // Say "no permission" only when no statement grants the bucket: a kept one is noted above, and
    // one shared with other sources has its warning.
    const narrowed = Object.values(input.selector).some((v) => v !== undefined);
    plan.notes.unshift(
      `no notification on ${bucket} sends to ${functionArn}${narrowed ? ' with the given --events/--prefix/--suffix/--id' : ''}${granted ? '' : ', and it has no permission for the bucket'}`,
    );
  }
  return plan;
}

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
      plan.warnings.push(`a subscription of ${functionArn} to ${topicName} is pending confirmation; SNS cannot unsubscribe it (it expires after three days unconfirmed)`);
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

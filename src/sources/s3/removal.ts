import { AwsFailure, invalidFlag } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Reporter } from '../../core/reporter.js';
import type { Grant } from '../../mechanisms/permission/grants.js';
import { hasGrant, permissionActions } from '../../mechanisms/permission/removal.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import type { RemovalPlan } from '../contract.js';
import { s3Triggers } from './inventory.js';
import { MAX_MERGE_ROUNDS, QUIET_PERIOD_MS, settleWholeWrite } from './add.js';
import { entryFilter, parseS3Events, removeLambdaEntries, toNotificationConfiguration, type LambdaFunctionConfiguration, type NotificationConfiguration } from './notifications.js';

// Pure planners of `evsrc remove s3`: from what was read, the ordered write calls (data, run by applyPlan).

/** Retry rule for S3's "A conflicting conditional operation is currently in progress" (409). */
export const OPERATION_ABORTED_RETRY = { errorNames: ['OperationAborted'], attempts: 4, delayMs: 1000, reason: 'another change to the bucket is in progress' };

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


/** What the read-back after a removal's PUT needs. */
export interface RemovalVerify {
  call: CallApi;
  bucket: string;
  region?: string | undefined;
  functionArn: string;
  /** Ids of the entries the removal takes out. */
  ids: ReadonlySet<string>;
  reporter?: Reporter | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The quiet period before the first look; QUIET_PERIOD_MS when not given. */
  quietMs?: number;
  /** The configuration the PUT wrote. */
  written: NotificationConfiguration;
}

/** Reads a bucket's notification configuration (for a removal's read-back). */
export async function readBucketNotification(call: CallApi, bucket: string, region?: string): Promise<NotificationConfiguration> {
  return toNotificationConfiguration((await call('s3:GetBucketNotificationConfiguration', { Bucket: bucket }, region)) as object);
}

/** The configuration without the entries a removal takes out (the function's entries with those ids). */
export function withoutEntries(config: NotificationConfiguration, functionArn: string, ids: ReadonlySet<string>): NotificationConfiguration {
  return removeLambdaEntries(config, (e) => e.LambdaFunctionArn === functionArn && e.Id !== undefined && ids.has(e.Id)).config;
}

/**
 * After a removal's PUT, as after an add's (settleNotification): S3 has no conditional write, so another run
 * that read the bucket before this PUT (another evsrc remove or add on the same bucket) can write its merge,
 * with the removed entry still in it, just after. Read back after a quiet period; when a removed entry is
 * back, take it out again from a fresh read (at most MAX_MERGE_ROUNDS more writes, with jittered waits);
 * when another writer showed up, look once more after a contested quiet period. The permission is removed
 * only after this, so an entry written back never sends to a function that lost its permission.
 */
export async function settleRemoval(v: RemovalVerify): Promise<void> {
  await settleWholeWrite({
    read: () => readBucketNotification(v.call, v.bucket, v.region),
    want: (fresh) => withoutEntries(fresh, v.functionArn, v.ids),
    write: (config) => v.call('s3:PutBucketNotificationConfiguration', { Bucket: v.bucket, NotificationConfiguration: config }, v.region),
    written: v.written,
    sleep: v.sleep,
    quietMs: v.quietMs ?? QUIET_PERIOD_MS,
    maxRounds: MAX_MERGE_ROUNDS,
    unreadable: (error) =>
      v.reporter?.emit({
        type: 'warning',
        message: `bucket ${v.bucket}: the removal was written but reading it back failed (${(error as Error).message}); check with: aws s3api get-bucket-notification-configuration --bucket ${v.bucket}`,
      }),
    again: (round) => v.reporter?.emit({ type: 'progress', message: `bucket ${v.bucket}: another writer wrote the removed entry back; removing it again (round ${round + 2})` }),
    giveUp: () =>
      new AwsFailure(`bucket ${v.bucket}: another writer kept writing back ${[...v.ids].join(', ')} after ${MAX_MERGE_ROUNDS + 1} removals; the entry is still there`, {
        hint: "find the other tool writing this bucket's notifications (S3 has no locking for them), then re-run",
      }),
  });
}

import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import { isAwsError, shouldReadBack } from '../../aws/errors.js';
import { parseArn, partitionOf } from '../../core/arn.js';
import { AwsFailure, NotFoundError, PreconditionError, UsageError, invalidFlag } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action, RetryRule } from '../../core/plan.js';
import type { Reporter } from '../../core/reporter.js';
import { servicePrincipal } from '../../mechanisms/permission/policy.js';
import { checkPushQualifier, planPermission, readFunctionPolicyOf, sessionCall, type FunctionPolicy } from '../../mechanisms/permission/plan.js';
import {
  buildLambdaEntry,
  checkKeyFilter,
  configsEqual,
  entryFilter,
  findEquivalentLambdaEntry,
  findOverlap,
  isEvsrcIdFor,
  literalFilterWarnings,
  mergeLambdaEntry,
  parseS3Events,
  removeLambdaEntries,
  toNotificationConfiguration,
  type CandidateRule,
  type LambdaFunctionConfiguration,
  type NotificationConfiguration,
  type Overlap,
} from './notifications.js';
import type { AddPlan, AdapterContext, AddRequest, TriggerView } from '../contract.js';

/** Validated options of `evsrc add s3`. */
export interface S3Options {
  events: string[];
  prefix?: string;
  suffix?: string;
  /** The bucket owner's account (AWS:SourceAccount); defaults to the function's account. */
  sourceAccount?: string;
  /** Notes about the flags (literal filters) to show with the plan. */
  warnings: string[];
}

/** Validates the raw flags of `add s3` (pure: no AWS). */
export function parseS3Options(raw: Record<string, unknown>): S3Options {
  const events = parseS3Events(raw.events === undefined ? undefined : (raw.events as unknown[]).map(String));
  const options: S3Options = { events, warnings: [] };
  if (typeof raw.prefix === 'string' && raw.prefix !== '') options.prefix = raw.prefix;
  if (typeof raw.suffix === 'string' && raw.suffix !== '') options.suffix = raw.suffix;
  checkKeyFilter(options);
  options.warnings.push(...literalFilterWarnings(options.prefix, options.suffix));
  if (raw.sourceAccount !== undefined) {
    const account = String(raw.sourceAccount).trim();
    if (!/^\d{12}$/.test(account)) throw invalidFlag('--source-account', raw.sourceAccount, 'an AWS account id is 12 digits');
    options.sourceAccount = account;
  }
  return options;
}

// S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens; older us-east-1 buckets may also
// have upper case and underscores and up to 255 characters, so those are let through to S3 to judge.
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/** A bucket as the user named it. */
export interface BucketRef {
  name: string;
  /** The partition, when an ARN was given. */
  partition?: string;
}

/** Parses a bucket name or `arn:<partition>:s3:::<bucket>`; throws a UsageError otherwise. */
export function parseBucketRef(value: string): BucketRef {
  const arn = parseArn(value);
  if (arn) {
    if (arn.service !== 's3' || arn.region || arn.account || !BUCKET_NAME.test(arn.resource)) {
      throw new UsageError(`<bucket>: ${JSON.stringify(value)} is not a bucket ARN (arn:aws:s3:::<bucket>; object ARNs and access points are not accepted)`);
    }
    return { name: arn.resource, partition: arn.partition };
  }
  if (!BUCKET_NAME.test(value)) {
    throw new UsageError(`<bucket>: ${JSON.stringify(value)} is not a bucket name or ARN (3-63 lower-case letters, digits, dots and hyphens)`);
  }
  return { name: value };
}

/** GetBucketLocation's LocationConstraint as a region: none is us-east-1, the legacy "EU" is eu-west-1. */
export function regionOfLocation(constraint: string | null | undefined): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** S3's refusal when it cannot reach a destination: retried briefly, since a new permission takes seconds to apply. */
export const VALIDATION_RETRY: RetryRule = {
  errorNames: ['InvalidArgument'],
  messageIncludes: ['Unable to validate the following destination configurations'],
  attempts: 4,
  delayMs: 1500,
  reason: 'S3 could not validate a destination yet (a new Lambda permission takes seconds to apply)',
  hint:
    'S3 checks every destination of the bucket, not only the one evsrc adds: a deleted queue, topic or function, or a missing permission on another entry, fails the whole write; fix or remove the entry named above, then re-run',
};

/** S3 answers OperationAborted (409) while another change to the bucket is in progress. */
export const OPERATION_ABORTED_RETRY: RetryRule = {
  errorNames: ['OperationAborted'],
  attempts: 5,
  delayMs: 1000,
  reason: 'another change to the bucket is in progress',
};

/**
 * Rounds of read-back, re-merge and re-write when another writer changed the bucket meanwhile. Several
 * evsrc runs on one bucket at once each need a round or two; waits between rounds are jittered so they
 * stop colliding (bounded: about 30 s in all at most).
 */
export const MAX_MERGE_ROUNDS = 8;
/** First wait before a re-merge; doubles each round, capped at MERGE_BACKOFF_MAX_MS, with full jitter. */
export const MERGE_BACKOFF_MS = 250;
export const MERGE_BACKOFF_MAX_MS = 4000;

/** The jittered wait before re-merge round `round` (1-based): uniform in [delay/2, delay]. */
export function mergeBackoff(round: number, random: () => number = Math.random): number {
  const delay = Math.min(MERGE_BACKOFF_MS * 2 ** (round - 1), MERGE_BACKOFF_MAX_MS);
  return Math.round(delay / 2 + (random() * delay) / 2);
}
/**
 * S3 has no conditional write for a notification configuration: another run that read the bucket before
 * evsrc's PUT can still write its own merge, without evsrc's entry, after it. Such a writer's read-merge-write
 * takes about as long as evsrc's own did (the same calls, on the same network and machine), so evsrc waits
 * that long, with a margin and within bounds, before its read-back. QUIET_PERIOD_MS is the wait when the
 * time of evsrc's own read is not known.
 */
export const QUIET_PERIOD_MS = 1000;
export const QUIET_PERIOD_MIN_MS = 300;
export const QUIET_PERIOD_MAX_MS = 2000;
/** The oldest a read of the configuration may be when evsrc merges onto it and writes; older, it reads again. */
export const FRESH_READ_MS = 150;

/**
 * The wait before the second look when another writer has shown up (the read-back was not what evsrc
 * wrote): several runs write this bucket at once, and one of them, slowed by a loaded machine, may still
 * write a merge made before evsrc's entry was there. Three quiet periods, at least a second, at most
 * QUIET_PERIOD_MAX_MS: only contested writes pay it. (With one quiet period, five concurrent runs on a
 * busy 2-core machine lost an entry in about one try in fourteen.)
 */
export const CONTESTED_QUIET_MIN_MS = 1000;
export function contestedQuietPeriod(quietMs: number): number {
  return Math.min(QUIET_PERIOD_MAX_MS, Math.max(CONTESTED_QUIET_MIN_MS, quietMs * 3));
}

/**
 * The quiet period after a read-merge-write that took `elapsedMs` from the read to the write's answer: twice
 * that (another writer's read-to-write takes about as long, give or take the machine's load), within bounds.
 */
export function quietPeriod(elapsedMs: number | undefined): number {
  if (elapsedMs === undefined || !Number.isFinite(elapsedMs)) return QUIET_PERIOD_MS;
  return Math.min(QUIET_PERIOD_MAX_MS, Math.max(QUIET_PERIOD_MIN_MS, Math.round(elapsedMs * 2)));
}

/** Describes an overlapping entry for a person: kind, id and destination. */
export function describeOverlap(overlap: Overlap): string {
  const kind = { lambda: 'Lambda function', queue: 'SQS queue', topic: 'SNS topic' }[overlap.kind];
  const filter = [overlap.prefix !== undefined ? `prefix ${JSON.stringify(overlap.prefix)}` : '', overlap.suffix !== undefined ? `suffix ${JSON.stringify(overlap.suffix)}` : '']
    .filter(Boolean)
    .join(', ');
  return `entry ${overlap.id !== undefined ? JSON.stringify(overlap.id) : '(no id)'} (${kind} ${overlap.destinationArn}; ${overlap.sharedEvents.join(', ')}${filter ? `; ${filter}` : '; every key'})`;
}

/**
 * The configuration with evsrc's entry merged in (pure). evsrc's own entries for this function whose rule
 * overlaps the new one are replaced (S3 could not hold both); an overlap with anything else is refused
 * (exit 3) naming that entry, since S3 would refuse the write. Everything else is carried over as it is.
 */
export function mergeOwnEntry(
  config: NotificationConfiguration,
  entry: LambdaFunctionConfiguration,
  rule: CandidateRule,
  bucket: string,
): { config: NotificationConfiguration; replaced: LambdaFunctionConfiguration[] } {
  let base = config;
  const replaced: LambdaFunctionConfiguration[] = [];
  for (;;) {
    const overlap = findOverlap(base, rule, entry.Id);
    if (!overlap) break;
    const own = overlap.kind === 'lambda' && overlap.destinationArn === entry.LambdaFunctionArn && isEvsrcIdFor(overlap.id, entry.LambdaFunctionArn);
    if (!own) {
      throw new PreconditionError(
        `bucket ${bucket}: the new rule (${rule.events.join(', ')}${rule.prefix ? `, prefix ${JSON.stringify(rule.prefix)}` : ''}${rule.suffix ? `, suffix ${JSON.stringify(rule.suffix)}` : ''}) overlaps ${describeOverlap(overlap)}; S3 refuses overlapping rules for the same event type`,
        { hint: 'narrow --events, --prefix or --suffix so the rules cannot match the same key for the same event, or change the other entry; nothing was written' },
      );
    }
    const removed = removeLambdaEntries(base, (e) => e.Id === overlap.id && e.LambdaFunctionArn === entry.LambdaFunctionArn);
    base = removed.config;
    replaced.push(...removed.removed);
  }
  return { config: mergeLambdaEntry(base, entry), replaced };
}

/** What planS3 needs, read beforehand. */
export interface S3PlanInput {
  bucket: string;
  bucketArn: string;
  bucketRegion: string;
  fn: Pick<ResolvedFunction, 'arn' | 'region' | 'account'>;
  config: NotificationConfiguration;
  policy: FunctionPolicy;
  options: S3Options;
  /** Used only by the actions' read-back (settle, recover); planning itself is pure. */
  call?: CallApi;
  reporter?: Reporter;
  /** Sleep for the read-back's quiet period (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
  /** When the configuration was read (performance.now()): sizes the quiet period after the PUT. */
  readAt?: number;
}

/** The plan of `add s3`, and what it is about. */
export interface S3Planned {
  actions: Action[];
  warnings: string[];
  entry: LambdaFunctionConfiguration;
  /** The configuration evsrc will write (when it writes). */
  desired: NotificationConfiguration;
  /** evsrc's own entries for this function that the new rule replaces. */
  replaced: LambdaFunctionConfiguration[];
  /** evsrc's entry as it is on the bucket now, when it is already there. */
  existing?: LambdaFunctionConfiguration;
  statementId: string;
  sourceAccount: string;
}

/** Plans `add s3` from what was read (pure): region rule, permission, merge, overlap. Throws before any write. */
export function planS3(input: S3PlanInput): S3Planned {
  const { bucket, fn, options } = input;
  if (input.bucketRegion !== fn.region) {
    throw new PreconditionError(
      `bucket ${bucket} is in ${input.bucketRegion} but function ${fn.arn} is in ${fn.region}; S3 sends notifications only to functions in the bucket's region`,
      { hint: `use a function in ${input.bucketRegion} (or pass --region ${input.bucketRegion} with a function there)` },
    );
  }
  const sourceAccount = options.sourceAccount ?? fn.account;
  const rule: CandidateRule = { events: options.events };
  if (options.prefix !== undefined) rule.prefix = options.prefix;
  if (options.suffix !== undefined) rule.suffix = options.suffix;
  // An entry that already sends this exact rule to this function (evsrc's or anyone's) is adopted as it is.
  const adopted = findEquivalentLambdaEntry(input.config, fn.arn, rule);
  const entry = adopted ?? buildLambdaEntry(fn.arn, bucket, rule);
  const { config: desired, replaced } = adopted ? { config: input.config, replaced: [] } : mergeOwnEntry(input.config, entry, rule, bucket);
  const existing = adopted ?? (input.config.LambdaFunctionConfigurations ?? []).find((e) => e.Id === entry.Id);

  const warnings = [...options.warnings];
  const permission = planPermission(
    { service: 's3', principal: servicePrincipal('s3'), functionArn: fn.arn, sourceArn: input.bucketArn, sourceAccount },
    input.policy,
    input.call,
  );
  warnings.push(...permission.warnings);
  const actions: Action[] = [];
  if (permission.action) actions.push(permission.action);

  if (!configsEqual(input.config, desired)) {
    const others = countEntries(desired) - 1;
    const put: Action = {
      api: 's3:PutBucketNotificationConfiguration',
      summary:
        `${existing ? 'update' : 'add'} notification entry ${entry.Id} on bucket ${bucket} (${entry.Events.join(', ')}) → ${fn.arn}` +
        (replaced.length ? `, replacing evsrc's overlapping entry ${replaced.map((r) => r.Id).join(', ')}` : '') +
        `; ${others} other ${others === 1 ? 'entry is' : 'entries are'} written back unchanged`,
      input: putInput(bucket, desired, sourceAccount),
      region: input.bucketRegion,
      retry: [VALIDATION_RETRY, OPERATION_ABORTED_RETRY],
    };
    const call = input.call;
    if (call) {
      const verify: NotificationVerify = { call, bucket, region: input.bucketRegion, expectedOwner: sourceAccount, entry, rule, reporter: input.reporter, sleep: input.sleep, written: desired };
      let readAt = input.readAt;
      const read = async (): Promise<NotificationConfiguration> => {
        const fresh = await getNotification(call, bucket, input.bucketRegion, sourceAccount);
        readAt = performance.now();
        return fresh;
      };
      // S3 replaces the configuration whole and has no conditional write: merge onto a read made as late as
      // possible, which leaves another writer the shortest window to write between that read and this write.
      // The read runs beside the permission's call (no round of its own); when that call kept it waiting
      // longer than FRESH_READ_MS, the configuration is read once more just before the write.
      put.prefetch = read;
      put.prepare = async (planned, prefetched) => {
        let fresh = prefetched as NotificationConfiguration | undefined;
        if (!fresh || readAt === undefined || performance.now() - readAt > FRESH_READ_MS) fresh = await read().catch(() => fresh);
        if (!fresh) return planned;
        const merged = mergeOwnEntry(fresh, entry, rule, bucket).config;
        verify.written = merged;
        return putInput(bucket, merged, sourceAccount);
      };
      put.settle = () => settleNotification({ ...verify, quietMs: quietPeriod(readAt === undefined ? undefined : performance.now() - readAt) });
      put.recover = async (error) => {
        if (!shouldReadBack(error)) return undefined;
        const fresh = await getNotification(call, bucket, input.bucketRegion, sourceAccount);
        return configsEqual(fresh, mergeOwnEntry(fresh, entry, rule, bucket).config) ? {} : undefined;
      };
    }
    actions.push(put);
  }
  const planned: S3Planned = { actions, warnings, entry, desired, replaced, statementId: permission.reusedStatementId ?? permission.statementId, sourceAccount };
  if (existing) planned.existing = existing;
  return planned;
}

function countEntries(config: NotificationConfiguration): number {
  return (config.LambdaFunctionConfigurations?.length ?? 0) + (config.QueueConfigurations?.length ?? 0) + (config.TopicConfigurations?.length ?? 0);
}

function putInput(bucket: string, config: NotificationConfiguration, expectedOwner: string): Record<string, unknown> {
  return { Bucket: bucket, NotificationConfiguration: config, ExpectedBucketOwner: expectedOwner };
}

/** Reads a bucket's whole notification configuration. */
export async function getNotification(call: CallApi, bucket: string, region: string, expectedOwner: string): Promise<NotificationConfiguration> {
  const out = (await call('s3:GetBucketNotificationConfiguration', { Bucket: bucket, ExpectedBucketOwner: expectedOwner }, region)) as object;
  return toNotificationConfiguration(out);
}

/** What the read-back after the write needs. */
export interface NotificationVerify {
  call: CallApi;
  bucket: string;
  region: string;
  expectedOwner: string;
  entry: LambdaFunctionConfiguration;
  rule: CandidateRule;
  reporter?: Reporter | undefined;
  rounds?: number;
  /**
   * With a sleep, the first read-back comes after a quiet period (quietMs), so that a writer that read the
   * bucket before evsrc's PUT has written by then; and when another writer shows up (the read-back is not
   * what evsrc wrote), the entry must be seen twice, a contested quiet period apart (contestedQuietPeriod),
   * before the write counts as settled.
   */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The quiet period; QUIET_PERIOD_MS when not given. */
  quietMs?: number;
  /** The configuration evsrc's PUT wrote; without it, every read-back is treated as contested. */
  written?: NotificationConfiguration;
}

/**
 * After the PUT: read the configuration back; when evsrc's entry is missing or differs (another writer
 * replaced the configuration between our read and write, or right after), merge again on the fresh
 * configuration and write again, at most MAX_MERGE_ROUNDS times. Returns the configuration as read back.
 * When the read-back itself fails the PUT has still succeeded, so that is a warning, not a failure.
 */
export async function settleNotification(v: NotificationVerify): Promise<{ config: NotificationConfiguration; rounds: number }> {
  const maxRounds = v.rounds ?? MAX_MERGE_ROUNDS;
  const settled = await settleWholeWrite({
    read: () => getNotification(v.call, v.bucket, v.region, v.expectedOwner),
    want: (fresh) => mergeOwnEntry(fresh, v.entry, v.rule, v.bucket).config,
    write: (config) => v.call('s3:PutBucketNotificationConfiguration', putInput(v.bucket, config, v.expectedOwner), v.region),
    written: v.written,
    sleep: v.sleep,
    quietMs: v.quietMs ?? QUIET_PERIOD_MS,
    maxRounds,
    unreadable: (error) =>
      v.reporter?.emit({
        type: 'warning',
        message: `bucket ${v.bucket}: the write succeeded but reading it back failed (${(error as Error).message}); check with: aws s3api get-bucket-notification-configuration --bucket ${v.bucket}`,
      }),
    again: (round) => v.reporter?.emit({ type: 'progress', message: `bucket ${v.bucket}: the configuration changed meanwhile (another writer); merging again (round ${round + 2})` }),
    giveUp: () =>
      new AwsFailure(`bucket ${v.bucket}: another writer kept replacing the notification configuration; entry ${v.entry.Id} is still missing after ${maxRounds + 1} writes`, {
        hint: "find the other tool writing this bucket's notifications (S3 has no locking for them), then re-run",
      }),
  });
  return { config: settled.config ?? {}, rounds: settled.rounds };
}

/** One write of a bucket's whole notification configuration to settle against other writers. */
export interface WholeWrite {
  read(): Promise<NotificationConfiguration>;
  /** The configuration this run wants, made from what is there now (its entry merged in, or taken out). */
  want(fresh: NotificationConfiguration): NotificationConfiguration;
  write(config: NotificationConfiguration): Promise<unknown>;
  /** What this run's write left; without it, every read-back is treated as contested. */
  written?: NotificationConfiguration | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  quietMs: number;
  maxRounds: number;
  /** The read-back failed: the write was made all the same (a warning, not a failure). */
  unreadable(error: unknown): void;
  /** Another writer undid this run's change: it is written again (round is 0-based). */
  again(round: number): void;
  /** Still undone after maxRounds writes. */
  giveUp(): Error;
}

/**
 * After a write of the whole configuration (S3 has no conditional write): the first read-back comes after a
 * quiet period, so that a writer that read before this run's write has written by then. When the bucket is
 * not as this run wants it, the change is made again on a fresh read (a jittered, growing wait first), at
 * most maxRounds times; when another writer has shown up, the wanted state must be seen twice, a contested
 * quiet period apart. Returns the configuration as last read (undefined when a read-back failed).
 */
export async function settleWholeWrite(w: WholeWrite): Promise<{ config: NotificationConfiguration | undefined; rounds: number }> {
  let confirmed = false;
  // Another writer is at work when the bucket is not as this run's last write left it.
  let contested = w.written === undefined;
  if (w.sleep) await w.sleep(w.quietMs);
  for (let round = 0; ; round += 1) {
    let fresh: NotificationConfiguration;
    try {
      fresh = await w.read();
    } catch (error) {
      w.unreadable(error);
      return { config: undefined, rounds: round };
    }
    const desired = w.want(fresh);
    if (configsEqual(fresh, desired)) {
      if (!contested && w.written && !configsEqual(fresh, w.written)) contested = true;
      // Another writer is at work: it may still write its own merge, made before this run's change, moments
      // later. Seeing the wanted state again after a quiet period closes most of that window.
      if (!w.sleep || confirmed || !contested) return { config: fresh, rounds: round };
      confirmed = true;
      await w.sleep(contestedQuietPeriod(w.quietMs));
      round -= 1;
      continue;
    }
    confirmed = false;
    contested = true;
    if (round >= w.maxRounds) throw w.giveUp();
    w.again(round);
    if (w.sleep) {
      // Let the other writer finish its read-merge-write, then read afresh and make the change on that.
      await w.sleep(mergeBackoff(round + 1));
      fresh = await w.read();
      const again = w.want(fresh);
      if (configsEqual(fresh, again)) continue;
      await w.write(again);
      continue;
    }
    await w.write(desired);
  }
}

/** evsrc's entry as a TriggerView. */
export function notificationView(bucketArn: string, entry: LambdaFunctionConfiguration, statementId: string): TriggerView {
  const filter = entryFilter(entry);
  const settings: Record<string, unknown> = { events: entry.Events };
  if (filter.prefix !== undefined) settings.prefix = filter.prefix;
  if (filter.suffix !== undefined) settings.suffix = filter.suffix;
  settings.permissionStatementId = statementId;
  return { type: 's3', id: entry.Id ?? '', sourceArn: bucketArn, functionArn: entry.LambdaFunctionArn, settings };
}

/**
 * Resolves, reads and plans `add s3` (read-only AWS calls), in one round: the function, the bucket's
 * region, its notification configuration (read in the function's region: S3 delivers only there) and the
 * function's policy (by the name given) all start at once.
 */
export async function planS3Add(ctx: AdapterContext, request: AddRequest<S3Options>): Promise<AddPlan> {
  checkPushQualifier(request.fn);
  const ref = parseBucketRef(request.source);
  const call = sessionCall(ctx.aws);
  const region = request.fn.region ?? (await ctx.aws.region());
  const bucket = ref.name;
  const notFound = (error: unknown) =>
    isAwsError(error, 'NoSuchBucket')
      ? new NotFoundError(`bucket ${bucket} does not exist`, { awsErrorName: 'NoSuchBucket', hint: 'check the bucket name (aws s3 ls lists your buckets)' })
      : error;
  const fnP = resolveFunction(ctx.aws, request.fn);
  // The owner the read expects, when it is known before the function is (--source-account, a function
  // ARN). Otherwise the read goes without it; the PUT always carries it, so S3 refuses to write a bucket
  // of another account (and the executor then takes back the permission it added).
  const earlyOwner = request.options.sourceAccount ?? request.fn.account;
  const readConfig = (inRegion: string, owner: string | undefined) =>
    call('s3:GetBucketNotificationConfiguration', owner ? { Bucket: bucket, ExpectedBucketOwner: owner } : { Bucket: bucket }, inRegion).then((out) =>
      toNotificationConfiguration(out as object),
    );
  const configP = readConfig(region, earlyOwner);
  const policyP = readFunctionPolicyOf(call, request.fn, fnP);
  // Settled later (or never, when the function or bucket is missing): no unhandled rejection meanwhile.
  configP.catch(() => {});
  policyP.catch(() => {});
  const [fn, location] = await Promise.all([
    fnP,
    (call('s3:GetBucketLocation', { Bucket: bucket }, region) as Promise<{ LocationConstraint?: string | null }>).catch((error: unknown) => {
      throw notFound(error);
    }),
  ]);
  const bucketRegion = regionOfLocation(location.LocationConstraint);
  const bucketArn = `arn:${ref.partition ?? partitionOf(fn.region)}:s3:::${bucket}`;
  const sourceAccount = request.options.sourceAccount ?? fn.account;
  let readAt: number | undefined;
  // Refuse a region mismatch before looking at the reads: S3 would not deliver anyway.
  if (bucketRegion !== fn.region) planS3({ bucket, bucketArn, bucketRegion, fn, config: {}, policy: { statements: [] }, options: request.options });
  // Read in another region than the bucket's (a function ARN of another region): read again there.
  const configRead = bucketRegion === region ? configP : readConfig(bucketRegion, sourceAccount);
  const [config, policy] = await Promise.all([
    configRead.then((c) => ((readAt = performance.now()), c)).catch((error: unknown) => {
      if (isAwsError(error, 'AccessDenied')) {
        throw new PreconditionError(`bucket ${bucket}: access denied reading its notification configuration as owner ${sourceAccount}`, {
          awsErrorName: 'AccessDenied',
          hint: `the caller needs s3:GetBucketNotification; if the bucket belongs to another account, pass --source-account <that account id>`,
        });
      }
      throw notFound(error);
    }),
    policyP,
  ]);
  const planned = planS3({ bucket, bucketArn, bucketRegion, fn, config, policy, options: request.options, call, reporter: ctx.reporter, sleep: ctx.sleep, readAt });
  const plan: AddPlan = {
    type: 's3',
    source: { arn: bucketArn, name: bucket },
    functionArn: fn.arn,
    actions: planned.actions,
    warnings: planned.warnings,
    async finish() {
      return notificationView(bucketArn, planned.entry, planned.statementId);
    },
  };
  if (planned.existing) plan.current = notificationView(bucketArn, planned.existing, planned.statementId);
  return plan;
}

import { AwsFailure } from '../../core/errors.js';
import { partitionOf } from '../../core/arn.js';
import { belongsTo, type Finding } from '../../inventory/model.js';
import { exactSource, type SourceStatus } from '../../mechanisms/permission/grants.js';
import { withFunction } from '../../mechanisms/permission/removal.js';
import type { AdapterContext, Discovery, FileTraits, ListScan, RemovalPlan, RemoveRequest, TriggerType, TriggerView } from '../contract.js';
import { parseBucketRef, parseS3Options, planS3Add, type BucketRef, type S3Options } from './add.js';
import { bucketArn, bucketNameOf, listRegionBuckets, readNotifications, s3Triggers } from './inventory.js';
import type { NotificationConfiguration } from './notifications.js';
import { parseEventSelector, planS3Removal, readBucketNotification, settleRemoval, withoutEntries, type S3Selector } from './removal.js';
import { FRESH_READ_MS, quietPeriod } from './add.js';
import { sessionCall } from '../../mechanisms/permission/plan.js';
import { s3TypeSpec } from '../registry.js';

const { spec, push } = s3TypeSpec;

// The S3 trigger type: a bucket notification entry and the function's permission for the bucket.

/** The parsed source of `remove s3`: the bucket and which of its entries to take. */
export interface S3RemoveSource {
  bucket: BucketRef;
  selector: S3Selector;
}

function parseRemove(source: string, raw: Record<string, unknown>): S3RemoveSource {
  const selector: S3Selector = {};
  if (raw.events !== undefined) selector.events = parseEventSelector(raw.events as string[]);
  if (typeof raw.prefix === 'string') selector.prefix = raw.prefix;
  if (typeof raw.suffix === 'string') selector.suffix = raw.suffix;
  if (typeof raw.id === 'string') selector.id = raw.id;
  // The same names `add s3` accepts (legacy us-east-1 buckets may have upper case and '_').
  return { bucket: parseBucketRef(source), selector };
}

async function discover(scan: ListScan): Promise<Discovery> {
  const { aws, fn, target } = scan;
  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  if (fn && target) {
    // With a function: one read per bucket its policy names (the only way back from a function to its buckets).
    const grants = (await scan.grants()) ?? [];
    const buckets = [...new Set(grants.filter((g) => g.type === 's3').map(exactSource).filter((s): s is string => s !== undefined))];
    const lists = await scan.each(buckets, async (arn): Promise<TriggerView[]> => {
      const read = await readNotifications(aws, bucketNameOf(arn), scan.region);
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read the notifications of bucket ${bucketNameOf(arn)}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
        return [];
      }
      sources.set(arn, read.status);
      return read.status === 'exists' ? s3Triggers(bucketNameOf(arn), read.config, scan.partition).filter((t) => belongsTo(t.functionArn, target)) : [];
    });
    return { triggers: lists.flat(), findings, sources };
  }
  const buckets = await listRegionBuckets(aws, scan.region, scan.each);
  const lists = await scan.each(buckets, async (bucket) => {
    const read = await readNotifications(aws, bucket);
    if (read.status !== 'exists') return [];
    sources.set(bucketArn(bucket, scan.partition), 'exists');
    return s3Triggers(bucket, read.config, scan.partition);
  });
  return { triggers: lists.flat(), findings, sources };
}

async function planRemove(ctx: AdapterContext, request: RemoveRequest<S3RemoveSource>): Promise<RemovalPlan> {
  const { bucket: bucketRef, selector } = request.source;
  const bucket = bucketRef.name;
  // The bucket is read in the function's region: the one in its ARN, else the session's.
  const { fn, grants, read } = await withFunction(ctx.aws, request.fn, 's3', push, readNotifications(ctx.aws, bucket, request.fn.region));
  const partition = bucketRef.partition ?? partitionOf(fn.region);
  if (read.status === 'unreadable') {
    throw new AwsFailure(`cannot read the notification configuration of bucket ${bucket}: ${read.error}`, {
      hint: "the caller needs s3:GetBucketNotification on the bucket, and the bucket must be in the function's region",
    });
  }
  const plan = planS3Removal({
    bucket,
    bucketArn: bucketArn(bucket, partition),
    functionArn: fn.arn,
    ...(read.status === 'exists' ? { config: read.config } : {}),
    selector,
    grants,
    partition,
  });
  for (const action of plan.actions) action.region ??= fn.region;
  const put = plan.actions.find((a) => a.api === 's3:PutBucketNotificationConfiguration');
  if (put) {
    const call = sessionCall(ctx.aws);
    const functionArn = fn.arn;
    const ids = new Set(plan.removed.map((t) => t.id));
    const region = put.region;
    const written = () => put.input.NotificationConfiguration as NotificationConfiguration;
    let readAt: number | undefined;
    // As for add s3: S3 replaces the configuration whole, with no conditional write. Take the entries out of a
    // read made just before the write (beside the plan's own reads, another run may have written since), then
    // read back after a quiet period and take them out again if another run wrote them back.
    put.prefetch = async () => {
      const fresh = await readBucketNotification(call, bucket, region);
      readAt = performance.now();
      return fresh;
    };
    put.prepare = async (input, prefetched) => {
      let fresh = prefetched as NotificationConfiguration | undefined;
      if (!fresh || readAt === undefined || performance.now() - readAt > FRESH_READ_MS) {
        fresh = await readBucketNotification(call, bucket, region).then((c) => ((readAt = performance.now()), c)).catch(() => fresh);
      }
      // The same input object, so the removal's record of what ran still knows this step.
      if (fresh) input.NotificationConfiguration = withoutEntries(fresh, functionArn, ids);
      return input;
    };
    put.settle = () =>
      settleRemoval({ call, bucket, region, functionArn, ids, reporter: ctx.reporter, sleep: ctx.sleep, written: written(), quietMs: quietPeriod(readAt === undefined ? undefined : performance.now() - readAt) });
    // An entry for the function written by another run since the plan's read (kept by the write above)
    // still needs the permission: it is then kept, and the run says so.
    for (const action of plan.actions) {
      if (action.api !== 'lambda:RemovePermission') continue;
      action.skip = () => {
        const kept = (written().LambdaFunctionConfigurations ?? []).filter((e) => e.LambdaFunctionArn === functionArn);
        if (kept.length === 0) return undefined;
        return {
          code: 'kept-for-new-entry',
          message: `entry ${kept.map((e) => e.Id ?? 'no id').join(', ')} on bucket ${bucket}, written by another run since this one read it, still sends to ${functionArn}: its permission for the bucket is kept`,
        };
      };
    }
    plan.finish = async (fctx) => {
      // After the permission's removal: say so when a late writer has put a removed entry back.
      const after = await readNotifications(fctx.aws, bucket, region);
      const back = after.status === 'exists' ? (after.config.LambdaFunctionConfigurations ?? []).filter((e) => e.LambdaFunctionArn === functionArn && e.Id !== undefined && ids.has(e.Id)) : [];
      if (back.length > 0) {
        return [`bucket ${bucket}: another writer has written back ${back.map((e) => e.Id).join(', ')} since; run the same evsrc remove again`];
      }
      return [];
    };
  }
  return plan;
}

/** The S3 trigger type. */
/** A bucket notification entry as `add s3` flags (bucket names are global: always the name). */
const file: FileTraits = {
  toEntry: (view: TriggerView) => {
    const events = (view.settings.events as string[] | undefined) ?? [];
    const flags: Record<string, unknown> = {};
    if (!(events.length === 1 && events[0] === 's3:ObjectCreated:*')) flags.events = events;
    if (typeof view.settings.prefix === 'string') flags.prefix = view.settings.prefix;
    if (typeof view.settings.suffix === 'string') flags.suffix = view.settings.suffix;
    return { source: bucketNameOf(view.sourceArn), flags };
  },
  // The events and key filter say which entry it is: nothing else to set back.
  defaults: [],
  removeArgs: (view: TriggerView) => ({ source: bucketNameOf(view.sourceArn), flags: { id: view.id } }),
};

export const s3Type: TriggerType<S3Options, S3RemoveSource> = {
  spec,
  file,
  parseAddOptions: parseS3Options,
  planAdd: planS3Add,
  ownsSourceArn: s3TypeSpec.ownsSourceArn,
  push,
  discover,
  parseRemove,
  planRemove,
};

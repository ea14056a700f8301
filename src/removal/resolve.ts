import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { getMapping, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import type { AwsSession } from '../aws/session.js';
import { parseArn, parseFunctionRef, parseQueueRef, partitionOf, qualifierOf, type FunctionRef, type QueueRef } from '../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../core/concurrency.js';
import { AwsFailure, NotFoundError, UsageError } from '../core/errors.js';
import { grantsOf, type Grant } from '../mechanisms/permission/grants.js';
import { listAliasArns, listFunctionMappings } from '../mechanisms/esm/inventory.js';
import { sourceNameOfArn, sourceTypeOfArn } from '../inventory/model.js';
import { readPolicy } from '../mechanisms/permission/read.js';
import { bucketArn, readNotifications } from '../sources/s3/inventory.js';
import { readTopicSubscriptions, type TopicRead } from '../sources/sns/inventory.js';
import { configsEqual, type NotificationConfiguration } from '../sources/s3/notifications.js';
import { parseTableRef } from '../sources/dynamodb.js';
import { parseStreamRef } from '../sources/kinesis.js';
import { parseBucketRef } from '../sources/s3/add.js';
import { resolveQueue } from '../sources/sqs.js';
import { SOURCE_TYPES, type AdapterContext, type SourceType } from '../sources/contract.js';
import { parseEventSelector, planMappingRemoval, planS3Removal, planSnsRemoval, type RemovalPlan, type S3Selector } from './plan.js';

// `evsrc remove`: validate the request, read what is there (read-only, concurrently), and plan.
// Also what runs after the writes: waiting for mappings to be gone, re-reading the bucket.

/** What remove needs: the same context as an adapter's. */
export type RemoveContext = AdapterContext;

/** A validated `remove` request (pure parse of argv). */
export type RemoveRequest =
  | { kind: 'uuid'; uuid: string }
  | { kind: 'source'; type: SourceType; source: string; fn: FunctionRef; selector: S3Selector; mappingSource?: MappingSourceRef };

/**
 * How `remove sqs|dynamodb|kinesis` named its source, checked without AWS. A DynamoDB or Kinesis
 * source without `arn` is a name, made an ARN in the function's region and account once it is known;
 * `exact` means only that ARN matches (a stream ARN, a consumer ARN), else the table's streams or the
 * stream's consumers match too.
 */
export type MappingSourceRef = { type: 'sqs'; queue: QueueRef } | { type: 'dynamodb' | 'kinesis'; name: string; arn?: string; exact: boolean };

/** Parses the source of `remove sqs|dynamodb|kinesis` (pure); throws a UsageError for what cannot name one. */
export function parseMappingSource(type: 'sqs' | 'dynamodb' | 'kinesis', source: string): MappingSourceRef {
  if (type === 'sqs') return { type, queue: parseQueueRef(source) };
  if (type === 'dynamodb') {
    // The same table, table ARN or stream ARN that `add dynamodb` takes; a stream ARN matches only itself.
    const ref = parseTableRef(source);
    if (ref.kind === 'name') return { type, name: ref.table, exact: false };
    return ref.kind === 'stream-arn' ? { type, name: ref.table, arn: ref.streamArn, exact: true } : { type, name: ref.table, arn: ref.arn, exact: false };
  }
  // A consumer ARN names one enhanced fan-out reader of a stream: it matches only itself.
  const arn = parseArn(source);
  if (arn && (arn.service !== 'kinesis' || !arn.resource.startsWith('stream/'))) {
    throw new UsageError(`<stream>: ${JSON.stringify(source)} is not a Kinesis stream or consumer ARN`);
  }
  if (arn && /^stream\/[^/]+\/consumer\//.test(arn.resource)) {
    return { type, name: sourceNameOfArn(source), arn: source, exact: true };
  }
  const ref = parseStreamRef(source);
  return ref.kind === 'name' ? { type, name: ref.name, exact: false } : { type, name: ref.name, arn: ref.arn, exact: false };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPES: readonly SourceType[] = SOURCE_TYPES;

/** Checks the arguments and flags of `remove` before any AWS call. */
export function parseRemoveRequest(first: string, source: string | undefined, raw: Record<string, unknown>): RemoveRequest {
  const s3Flags = (['events', 'prefix', 'suffix', 'id'] as const).filter((k) => raw[k] !== undefined);
  if (UUID.test(first)) {
    if (source !== undefined) throw new UsageError(`remove ${first}: a mapping UUID takes no source argument (got ${JSON.stringify(source)})`);
    if (raw.function !== undefined) throw new UsageError('remove <mapping-uuid>: --function is not needed with a UUID; leave it out');
    if (s3Flags.length > 0) throw new UsageError(`--${s3Flags[0]}: only for remove s3`);
    return { kind: 'uuid', uuid: first };
  }
  const type = first.toLowerCase() as SourceType;
  if (!TYPES.includes(type)) {
    throw new UsageError(`remove: ${JSON.stringify(first)} is neither a source type (${TYPES.join(', ')}) nor an event source mapping UUID`);
  }
  if (source === undefined) throw new UsageError(`remove ${type}: name the source, e.g. evsrc remove ${type} <${type === 's3' ? 'bucket' : type === 'sns' ? 'topic' : type === 'sqs' ? 'queue' : type === 'dynamodb' ? 'table' : 'stream'}> --function <fn>`);
  if (typeof raw.function !== 'string') throw new UsageError(`remove ${type}: --function <fn> is required: the function whose trigger to remove`);
  if (type !== 's3' && s3Flags.length > 0) throw new UsageError(`--${s3Flags[0]}: only for remove s3`);
  const selector: S3Selector = {};
  if (raw.events !== undefined) selector.events = parseEventSelector(raw.events as string[]);
  if (typeof raw.prefix === 'string') selector.prefix = raw.prefix;
  if (typeof raw.suffix === 'string') selector.suffix = raw.suffix;
  if (typeof raw.id === 'string') selector.id = raw.id;
  const fn = parseFunctionRef(raw.function);
  if (type === 'sqs' || type === 'dynamodb' || type === 'kinesis') {
    return { kind: 'source', type, source, fn, selector, mappingSource: parseMappingSource(type, source) };
  }
  return { kind: 'source', type, source, fn, selector };
}

/** Reads what is there and plans the removal. */
export async function planRemoval(ctx: RemoveContext, request: RemoveRequest): Promise<RemovalPlan> {
  if (request.kind === 'uuid') return planUuidRemoval(ctx, request.uuid);
  switch (request.type) {
    case 'sqs':
    case 'dynamodb':
    case 'kinesis':
      return planSourceMappingRemoval(ctx, request.mappingSource ?? parseMappingSource(request.type, request.source), request.fn);
    case 's3':
      return planBucketRemoval(ctx, request.source, request.fn, request.selector);
    case 'sns':
      return planTopicRemoval(ctx, request.source, request.fn);
  }
}

async function planUuidRemoval(ctx: RemoveContext, uuid: string): Promise<RemovalPlan> {
  const mapping = await getMapping(ctx.aws, uuid);
  if (!mapping) {
    // Nothing is known about a mapping that does not exist: no type, source or function to report.
    const note = `no event source mapping ${uuid} in ${await ctx.aws.region()}`;
    return { type: null, id: uuid, source: null, functionArn: null, actions: [], removed: [], notes: [note], warnings: [] };
  }
  const sourceArn = mapping.EventSourceArn ?? '';
  const type = sourceTypeOfArn(sourceArn);
  if (type !== 'sqs' && type !== 'dynamodb' && type !== 'kinesis') {
    throw new UsageError(`mapping ${uuid} reads ${sourceArn}, a kind of source evsrc does not manage; remove it with aws lambda delete-event-source-mapping --uuid ${uuid}`);
  }
  return { ...planMappingRemoval(type, { arn: sourceArn, name: sourceNameOfArn(sourceArn) }, mapping.FunctionArn ?? '', [mapping]), id: uuid };
}

/** A predicate on mapping source ARNs for the named queue, table or stream, and how to show the source. */
async function sourceMatcher(aws: AwsSession, ref: MappingSourceRef, fn: ResolvedFunction): Promise<{ arn: string; name: string; matches: (sourceArn: string) => boolean }> {
  const partition = partitionOf(fn.region);
  if (ref.type === 'sqs') {
    const queue = ref.queue;
    let queueArn: string;
    if (queue.kind === 'arn') queueArn = queue.arn;
    else {
      try {
        queueArn = (await resolveQueue(aws, queue)).arn;
      } catch (error) {
        // A deleted queue can still have mappings (Lambda disables them): derive its ARN to clean them up.
        if (!(error instanceof NotFoundError)) throw error;
        const account = queue.kind === 'url' && queue.account ? queue.account : fn.account;
        queueArn = `arn:${partition}:sqs:${fn.region}:${account}:${queue.name}`;
      }
    }
    return { arn: queueArn, name: queue.name, matches: (s) => s === queueArn };
  }
  if (ref.type === 'dynamodb') {
    // A table name or ARN matches every stream of the table: after a stream is disabled and re-enabled,
    // old mappings keep reading the old stream label. A stream ARN matches only itself.
    const arn = ref.arn ?? `arn:${partition}:dynamodb:${fn.region}:${fn.account}:table/${ref.name}`;
    if (ref.exact) return { arn, name: ref.name, matches: (s) => s === arn };
    return { arn, name: ref.name, matches: (s) => s.startsWith(`${arn}/stream/`) };
  }
  // Kinesis: a stream name or ARN matches the stream and its enhanced fan-out consumers; a consumer ARN only itself.
  const arn = ref.arn ?? `arn:${partition}:kinesis:${fn.region}:${fn.account}:stream/${ref.name}`;
  if (ref.exact) return { arn, name: ref.name, matches: (s) => s === arn };
  return { arn, name: ref.name, matches: (s) => s === arn || s.startsWith(`${arn}/consumer/`) };
}

async function planSourceMappingRemoval(ctx: RemoveContext, source: MappingSourceRef, ref: FunctionRef): Promise<RemovalPlan> {
  const type = source.type;
  const { aws } = ctx;
  const fn = await resolveFunction(aws, ref);
  const names = fn.qualifier ? [fn.arn, `${fn.name}:${fn.qualifier}`] : [fn.arn, fn.name];
  // Without a qualifier, the aliases' mappings are left alone but named in a note: Lambda lists them
  // only by alias ARN, so list each alias's mappings too (concurrently, while the source resolves).
  const [matcher, mappings, aliasReads] = await Promise.all([
    sourceMatcher(aws, source, fn),
    listFunctionMappings(aws, names, fn.region),
    fn.qualifier
      ? Promise.resolve([] as [string, EventSourceMappingConfiguration[]][])
      : listAliasArns(aws, fn.unqualifiedArn, fn.region).then((aliases) =>
          mapLimit(aliases, READ_CONCURRENCY, async (alias): Promise<[string, EventSourceMappingConfiguration[]]> => [alias, await listFunctionMappings(aws, [alias], fn.region)]),
        ),
  ]);
  const ofSource = mappings.filter((m) => matcher.matches(m.EventSourceArn ?? ''));
  const mine = ofSource.filter((m) => m.FunctionArn === fn.arn);
  const plan = planMappingRemoval(type, { arn: matcher.arn, name: matcher.name }, fn.arn, mine, fn.region);
  if (mine.length === 0) plan.notes.push(`no ${type} mapping connects ${matcher.name} to ${fn.arn}`);

  // What was left, by the function ARN (an alias's mappings by the alias ARN they are listed under).
  const seen = new Set(mine.map((m) => m.UUID));
  const left = new Map<string, string[]>();
  const leave = (qualifiedArn: string, m: EventSourceMappingConfiguration) => {
    if (!m.UUID || seen.has(m.UUID)) return;
    seen.add(m.UUID);
    left.set(qualifiedArn, [...(left.get(qualifiedArn) ?? []), m.UUID]);
  };
  for (const m of ofSource) if (m.FunctionArn !== fn.arn) leave(m.FunctionArn ?? '', m);
  for (const [alias, list] of aliasReads) for (const m of list) if (matcher.matches(m.EventSourceArn ?? '')) leave(alias, m);
  for (const [qualifiedArn, uuids] of left) {
    const qualifier = qualifierOf(qualifiedArn);
    const flag = qualifier ? `${fn.name}:${qualifier}` : qualifiedArn;
    plan.notes.push(`left: mappings of ${qualifiedArn} from ${matcher.name}: ${uuids.join(', ')} (remove them with --function ${flag})`);
  }
  return plan;
}

async function functionGrants(aws: AwsSession, fn: ResolvedFunction): Promise<Grant[]> {
  const policy = await readPolicy(aws, fn.arn);
  // moto answers every qualifier with the function's one policy: keep statements for this ARN only.
  return grantsOf(policy.statements, fn.arn).filter((g) => g.functionArn === fn.arn);
}

/**
 * Resolves the function and reads its grants while `read` (the bucket or topic, which does not need
 * the function) runs at the same time. When both fail, the function's error is the one reported, as
 * when the function was resolved first.
 */
async function withFunction<T>(aws: AwsSession, ref: FunctionRef, read: Promise<T>): Promise<{ fn: ResolvedFunction; grants: Grant[]; read: T }> {
  const [fnSide, readSide] = await Promise.allSettled([resolveFunction(aws, ref).then(async (fn) => ({ fn, grants: await functionGrants(aws, fn) })), read]);
  if (fnSide.status === 'rejected') throw fnSide.reason;
  if (readSide.status === 'rejected') throw readSide.reason;
  return { ...fnSide.value, read: readSide.value };
}

async function planBucketRemoval(ctx: RemoveContext, source: string, ref: FunctionRef, selector: S3Selector): Promise<RemovalPlan> {
  // The same names `add s3` accepts (legacy us-east-1 buckets may have upper case and '_').
  const bucketRef = parseBucketRef(source);
  const bucket = bucketRef.name;
  // The bucket is read in the function's region: the one in its ARN, else the session's.
  const { fn, grants, read } = await withFunction(ctx.aws, ref, readNotifications(ctx.aws, bucket, ref.region));
  const partition = bucketRef.partition ?? partitionOf(fn.region);
  if (read.status === 'unreadable') {
    throw new AwsFailure(`cannot read the notification configuration of bucket ${bucket}: ${read.error}`, {
      hint: 'the caller needs s3:GetBucketNotification on the bucket, and the bucket must be in the function\'s region',
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
  return plan;
}

async function planTopicRemoval(ctx: RemoveContext, source: string, ref: FunctionRef): Promise<RemovalPlan> {
  const arn = parseArn(source);
  if (arn) {
    if (arn.service !== 'sns' || !arn.region || !arn.account || arn.resource.includes(':')) throw new UsageError(`<topic>: ${JSON.stringify(source)} is not an SNS topic ARN`);
  } else if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(source)) {
    throw new UsageError(`<topic>: ${JSON.stringify(source)} is not a topic name or ARN`);
  }
  let topicArn: string;
  let fn: ResolvedFunction;
  let grants: Grant[];
  let read: TopicRead;
  if (arn) {
    // A topic ARN is complete: read its subscriptions while the function is resolved.
    topicArn = source;
    ({ fn, grants, read } = await withFunction(ctx.aws, ref, readTopicSubscriptions(ctx.aws, topicArn)));
  } else {
    // A topic name lives in the function's region and account, known once the function is resolved.
    fn = await resolveFunction(ctx.aws, ref);
    topicArn = `arn:${partitionOf(fn.region)}:sns:${fn.region}:${fn.account}:${source}`;
    [read, grants] = await Promise.all([readTopicSubscriptions(ctx.aws, topicArn), functionGrants(ctx.aws, fn)]);
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

/** After the writes: wait until deleted mappings are gone (unless --no-wait); re-read an S3 bucket to verify. */
export async function finishRemoval(ctx: RemoveContext, plan: RemovalPlan): Promise<string[]> {
  const warnings: string[] = [];
  const deletes = plan.actions.filter((a) => a.api === 'lambda:DeleteEventSourceMapping');
  if (deletes.length > 0 && ctx.wait) {
    // Delete returns 202; the mapping stays in Deleting for a few seconds. No SDK waiter exists: poll.
    for (const action of deletes) {
      const uuid = String(action.input.UUID);
      const started = Date.now();
      let delay = 1000;
      let current: EventSourceMappingConfiguration | undefined = await getMapping(ctx.aws, uuid, action.region);
      while (current) {
        if (Date.now() - started > 300_000) {
          warnings.push(`mapping ${uuid} is still ${current.State} after 300s; not waiting longer`);
          break;
        }
        ctx.reporter.emit({ type: 'progress', message: `waiting for mapping ${uuid} to be deleted (${current.State ?? 'Deleting'})` });
        await ctx.sleep(delay);
        delay = Math.min(delay * 1.5, 5000);
        current = await getMapping(ctx.aws, uuid, action.region);
      }
    }
    ctx.reporter.emit({ type: 'progress-end', ok: true });
  }
  const put = plan.actions.find((a) => a.api === 's3:PutBucketNotificationConfiguration');
  if (put) {
    // There is no conditional PUT: re-read and say so when someone else changed the bucket meanwhile.
    const read = await readNotifications(ctx.aws, String(put.input.Bucket), put.region);
    if (read.status === 'exists' && !configsEqual(read.config, put.input.NotificationConfiguration as NotificationConfiguration)) {
      warnings.push(`bucket ${String(put.input.Bucket)}'s notification configuration differs from what evsrc wrote: another writer may have changed it at the same time; check it with evsrc list`);
    }
  }
  return warnings;
}

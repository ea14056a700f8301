import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { resolveFunction } from '../aws/lambda.js';
import type { AwsSession } from '../aws/session.js';
import { parseArn, partitionOf, unqualifiedFunctionArn, type FunctionRef } from '../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../core/concurrency.js';
import type { Reporter } from '../core/reporter.js';
import type { SourceType, TriggerView } from '../sources/contract.js';
import { checkPermissions, dedupeGrants, exactSource, grantsOf, type Grant, type SourceStatus } from '../mechanisms/permission/grants.js';
import { checkSourcesByListing, checkSourcesEach, listAliasArns, listAllMappings, listFunctionMappings, mappingFindings, mappingTrigger, revealEncryptedFilters } from '../mechanisms/esm/inventory.js';
import { belongsTo, sortTriggers, sourceTypeOfArn, type Finding, type FunctionTarget, type Inventory } from './model.js';
import { rateLimiter, readPolicy, type ReadPolicy } from '../mechanisms/permission/read.js';
import { bucketNameOf, listRegionBuckets, readNotifications, s3Triggers } from '../sources/s3/inventory.js';
import { listLambdaSubscriptions, PENDING, readTopicSubscriptions, snsTrigger, subscriptionAttributes, type Subscription } from '../sources/sns/inventory.js';

// `evsrc list`: who triggers a function, found from every place AWS keeps it. With a function: its
// mappings and its resource policy (read concurrently), then one read per bucket or topic the policy
// names. For a region: from the source side (all mappings, all lambda subscriptions, every bucket's
// notifications), with bounded concurrency, reading function policies only when asked.

/** What `list` needs besides the AWS session. */
export interface ListContext {
  aws: AwsSession;
  reporter: Reporter;
  sleep: (ms: number) => Promise<void>;
}

/** Options of a `list`. */
export interface ListOptions {
  /** Only these source types (all when absent). */
  types?: ReadonlySet<SourceType>;
  /** Region-wide: also read every function's policy (15 GetPolicy a second) to flag permission problems. */
  checkPermissions?: boolean;
}

const MAPPING_TYPES: readonly SourceType[] = ['sqs', 'dynamodb', 'kinesis'];
const each = <T, R>(items: readonly T[], fn: (item: T) => Promise<R>) => mapLimit(items, READ_CONCURRENCY, fn);

function wants(options: ListOptions, ...types: SourceType[]): boolean {
  return !options.types || types.some((t) => options.types?.has(t));
}

function keepType<T extends { sourceArn?: string; type?: SourceType }>(options: ListOptions, item: T): boolean {
  if (!options.types) return true;
  const type = item.type ?? (item.sourceArn ? sourceTypeOfArn(item.sourceArn) : undefined);
  return type === undefined || options.types.has(type);
}

function mappingTriggers(mappings: readonly EventSourceMappingConfiguration[]): TriggerView[] {
  return mappings.map(mappingTrigger).filter((t): t is TriggerView => t !== undefined);
}

async function snsTriggers(aws: AwsSession, subs: readonly Subscription[]): Promise<TriggerView[]> {
  const attributes = await each(subs, (sub) => subscriptionAttributes(aws, sub));
  return subs.map((sub, i) => snsTrigger(sub, attributes[i]));
}

function pendingFindings(triggers: readonly TriggerView[]): Finding[] {
  return triggers
    .filter((t) => t.type === 'sns' && t.state === PENDING)
    .map((t) => ({
      code: 'pending-subscription' as const,
      message: `the subscription of ${t.functionArn} to topic ${t.sourceName} is pending confirmation: SNS delivers nothing until it is confirmed`,
      functionArn: t.functionArn,
      sourceArn: t.sourceArn,
    }));
}

/** Every trigger of one function (and, unless a qualifier was named, of its aliases), with its problems. */
export async function listForFunction(ctx: ListContext, ref: FunctionRef, options: ListOptions = {}): Promise<Inventory> {
  const { aws } = ctx;
  const fn = await resolveFunction(aws, ref);
  const target: FunctionTarget = { unqualifiedArn: fn.unqualifiedArn };
  if (fn.qualifier) target.qualifier = fn.qualifier;
  const region = fn.region;
  const needMappings = wants(options, ...MAPPING_TYPES);
  const needPolicy = wants(options, 's3', 'sns');

  ctx.reporter.emit({ type: 'progress', message: `reading the triggers of ${fn.arn}` });
  // Wave 1, concurrently: mappings by ARN and by plain name (moto matches the creation string only),
  // the function's policy, and its aliases; then the same for each alias.
  const names = fn.qualifier ? [fn.arn, `${fn.name}:${fn.qualifier}`] : [fn.arn, fn.name];
  const [baseMappings, basePolicy, aliases] = await Promise.all([
    needMappings ? listFunctionMappings(aws, names, region) : Promise.resolve([]),
    needPolicy ? readPolicy(aws, fn.arn) : Promise.resolve(undefined),
    fn.qualifier ? Promise.resolve([] as string[]) : listAliasArns(aws, fn.unqualifiedArn, region),
  ]);
  const aliasReads = await each(aliases, async (aliasArn) =>
    Promise.all([needMappings ? listFunctionMappings(aws, [aliasArn], region) : Promise.resolve([]), needPolicy ? readPolicy(aws, aliasArn) : Promise.resolve(undefined)]),
  );
  const byUuid = new Map<string, EventSourceMappingConfiguration>();
  for (const m of [...baseMappings, ...aliasReads.flatMap(([m]) => m)]) if (m.UUID && !byUuid.has(m.UUID)) byUuid.set(m.UUID, m);
  const policies = [basePolicy, ...aliasReads.map(([, p]) => p)].filter((p): p is ReadPolicy => p !== undefined);
  const grants = dedupeGrants(policies.flatMap((p) => grantsOf(p.statements, p.functionArn))).filter((g) => belongsTo(g.functionArn, target));

  // Wave 2, concurrently: one read per bucket and topic the policy names, the sources of the mappings,
  // and encrypted filters.
  const mappings = [...byUuid.values()].filter((m) => belongsTo(m.FunctionArn ?? '', target));
  const buckets = [...new Set(grants.filter((g) => g.type === 's3').map(exactSource).filter((s): s is string => s !== undefined))];
  const topics = [...new Set(grants.filter((g) => g.type === 'sns').map(exactSource).filter((s): s is string => s !== undefined))];
  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  const partition = partitionOf(region);
  type Read = TriggerView[];
  const tasks: (() => Promise<Read>)[] = [
    ...buckets.map((arn) => async (): Promise<Read> => {
      const read = await readNotifications(aws, bucketNameOf(arn), region);
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read the notifications of bucket ${bucketNameOf(arn)}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
        return [];
      }
      sources.set(arn, read.status);
      return read.status === 'exists' ? s3Triggers(bucketNameOf(arn), read.config, partition).filter((t) => belongsTo(t.functionArn, target)) : [];
    }),
    ...topics.map((arn) => async (): Promise<Read> => {
      const read = await readTopicSubscriptions(aws, arn);
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read the subscriptions of topic ${arn}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
        return [];
      }
      sources.set(arn, read.status);
      if (read.status !== 'exists') return [];
      return snsTriggers(aws, read.subscriptions.filter((s) => s.Protocol === 'lambda' && belongsTo(s.Endpoint ?? '', target)));
    }),
  ];
  const [pushReads, revealed, sourceFindings] = await Promise.all([
    each(tasks, (task) => task()),
    revealEncryptedFilters(aws, mappings, region),
    checkSourcesEach(aws, mappingTriggers(mappings)),
  ]);
  const pollTriggers = mappingTriggers(revealed);
  ctx.reporter.emit({ type: 'progress-end' });

  const pushTriggers = pushReads.flat();
  findings.push(
    ...pollTriggers.flatMap(mappingFindings),
    ...sourceFindings,
    ...pendingFindings(pushTriggers),
    ...checkPermissions({ grants, triggers: pushTriggers, sources, policiesRead: new Set(policies.map((p) => p.functionArn)) }),
  );
  return {
    scope: 'function',
    region,
    functions: [fn.unqualifiedArn],
    triggers: sortTriggers([...pollTriggers, ...pushTriggers].filter((t) => keepType(options, t))),
    warnings: findings.filter((f) => keepType(options, f)),
    permissionsChecked: needPolicy,
  };
}

/** Every trigger of every function in the region, read from the source side. */
export async function listRegion(ctx: ListContext, options: ListOptions = {}): Promise<Inventory> {
  const { aws } = ctx;
  const region = await aws.region();
  const partition = partitionOf(region);
  ctx.reporter.emit({ type: 'progress', message: `reading the triggers of every function in ${region}` });
  const [functions, mappings, subs, buckets] = await Promise.all([
    aws
      .paginate<{ FunctionArn?: string }>('lambda', 'ListFunctions', { MaxItems: 50 }, { inputToken: 'Marker', outputToken: 'NextMarker', items: 'Functions' })
      .then((list) => list.map((f) => f.FunctionArn).filter((a): a is string => Boolean(a)).map(unqualifiedFunctionArn)),
    wants(options, ...MAPPING_TYPES) ? listAllMappings(aws).then((m) => revealEncryptedFilters(aws, m)) : Promise.resolve([]),
    wants(options, 'sns')
      ? listLambdaSubscriptions(aws).then((list) => list.filter((s) => parseArn(s.Endpoint ?? '')?.region === region))
      : Promise.resolve([] as Subscription[]),
    wants(options, 's3') ? listRegionBuckets(aws, region, each) : Promise.resolve([] as string[]),
  ]);
  const known = new Set(functions);
  const account = parseArn(functions[0] ?? mappings[0]?.FunctionArn ?? '')?.account;

  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  const [snsList, s3Lists, sourceFindings] = await Promise.all([
    snsTriggers(aws, subs),
    each(buckets, async (bucket) => {
      const read = await readNotifications(aws, bucket);
      if (read.status !== 'exists') return [];
      sources.set(`arn:${partition}:s3:::${bucket}`, 'exists');
      return s3Triggers(bucket, read.config, partition);
    }),
    checkSourcesByListing(aws, mappingTriggers(mappings), account),
  ]);
  const pollTriggers = mappingTriggers(mappings);
  const pushTriggers = [...s3Lists.flat(), ...snsList];

  // A notification or subscription to a function that is gone: for S3 it also makes every later
  // PutBucketNotificationConfiguration on that bucket fail (S3 validates all destinations).
  for (const t of pushTriggers) {
    const fnArn = unqualifiedFunctionArn(t.functionArn);
    if (account && parseArn(fnArn)?.account === account && !known.has(fnArn)) {
      findings.push({
        code: 'function-missing',
        message: `${t.type === 's3' ? 'bucket' : 'topic'} ${t.sourceName} sends to ${t.functionArn}, which does not exist`,
        functionArn: t.functionArn,
        sourceArn: t.sourceArn,
        triggerId: t.id,
      });
    }
  }

  let grants: Grant[] = [];
  const policiesRead = new Set<string>();
  if (options.checkPermissions) {
    // GetPolicy is limited to 15 requests a second per account, not raisable: pace the reads.
    const acquire = rateLimiter(15, ctx.sleep);
    const targets = [...new Set([...functions, ...pushTriggers.map((t) => t.functionArn).filter((a) => known.has(unqualifiedFunctionArn(a)))])];
    const topicsP = wants(options, 'sns')
      ? aws.paginate<{ TopicArn?: string }>('sns', 'ListTopics', {}, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'Topics' })
      : Promise.resolve([]);
    const [policies, topics] = await Promise.all([
      each(targets, async (arn) => {
        await acquire();
        return readPolicy(aws, arn);
      }),
      topicsP,
    ]);
    for (const t of topics) if (t.TopicArn) sources.set(t.TopicArn, 'exists');
    for (const p of policies) policiesRead.add(p.functionArn);
    grants = dedupeGrants(policies.flatMap((p) => grantsOf(p.statements, p.functionArn)));
  }
  ctx.reporter.emit({ type: 'progress-end' });

  findings.push(
    ...pollTriggers.flatMap(mappingFindings),
    ...sourceFindings,
    ...pendingFindings(pushTriggers),
    ...checkPermissions({ grants, triggers: pushTriggers, sources, policiesRead }),
  );
  return {
    scope: 'region',
    region,
    functions: [...known].sort(),
    triggers: sortTriggers([...pollTriggers, ...pushTriggers].filter((t) => keepType(options, t))),
    warnings: findings.filter((f) => keepType(options, f)),
    permissionsChecked: Boolean(options.checkPermissions),
  };
}

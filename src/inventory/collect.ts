import { keepHeapSmall } from '../core/heap.js';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { resolveFunction } from '../aws/lambda.js';
import type { AwsSession } from '../aws/session.js';
import { parseArn, partitionOf, unqualifiedFunctionArn, type FunctionRef } from '../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../core/concurrency.js';
import type { Reporter } from '../core/reporter.js';
import { listAliasArns, listAllMappings, listFunctionMappings, revealEncryptedFilters } from '../mechanisms/esm/inventory.js';
import { checkPermissions, dedupeGrants, grantsOf, type Grant, type SourceStatus } from '../mechanisms/permission/grants.js';
import { readFunctionPolicyOf, sessionCall } from '../mechanisms/permission/plan.js';
import type { PolicyStatement } from '../mechanisms/permission/policy.js';
import { rateLimiter, readPolicy, type ReadPolicy } from '../mechanisms/permission/read.js';
import type { Discovery, ListScan, RegisteredType, SourceType, TriggerType, TriggerView } from '../sources/contract.js';
import { loadTriggerTypes, pushTraits, pushTypeOfPrincipal, sortTriggers, sourceTypeOfArn, TRIGGER_TYPES } from '../sources/registry.js';
import { belongsTo, type Finding, type FunctionTarget, type Inventory } from './model.js';

// `evsrc list`: who triggers a function, found from every place AWS keeps it. Each registered type
// discovers its own triggers; what several types read (the function's mappings, its policy, the
// region's functions) is read once, only when a type asks, and shared. The permission checks of push
// types and the "function is gone" check are the same for every push type, so they live here.

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

const each = <T, R>(items: readonly T[], fn: (item: T) => Promise<R>) => mapLimit(items, READ_CONCURRENCY, fn);

/** Memoises an async read: made on the first call only. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= read());
}

function keepType<T extends { sourceArn?: string; type?: SourceType }>(options: ListOptions, item: T): boolean {
  if (!options.types) return true;
  const type = item.type ?? (item.sourceArn ? sourceTypeOfArn(item.sourceArn) : undefined);
  return type === undefined || options.types.has(type);
}

function wantedTypes(options: ListOptions): RegisteredType[] {
  return TRIGGER_TYPES.filter((t) => !options.types || options.types.has(t.spec.type));
}

/** The finding with the type it is about, named right after its code. */
function withType(finding: Finding, type: SourceType): Finding {
  const { code, ...rest } = finding;
  return { code, type: finding.type ?? type, ...rest };
}

/** Runs every wanted type's discovery at once and gathers what they found. */
async function discoverAll(types: readonly TriggerType[], scan: ListScan): Promise<{ triggers: TriggerView[]; findings: Finding[]; sources: Map<string, SourceStatus> }> {
  const found: Discovery[] = await Promise.all(
    types.map(async (t) => {
      const d = await t.discover(scan);
      return { ...d, findings: d.findings.map((f) => withType(f, t.spec.type)) };
    }),
  );
  const sources = new Map<string, SourceStatus>();
  for (const d of found) for (const [arn, status] of d.sources ?? []) sources.set(arn, status);
  return { triggers: found.flatMap((d) => d.triggers), findings: found.flatMap((d) => d.findings), sources };
}

/** What a scan holds in either scope. */
function scanBase(ctx: ListContext, region: string): Pick<ListScan, 'aws' | 'reporter' | 'sleep' | 'each' | 'region' | 'partition'> {
  return { aws: ctx.aws, reporter: ctx.reporter, sleep: ctx.sleep, each, region, partition: partitionOf(region) };
}

const isPush = (trigger: TriggerView, push: ReadonlyMap<string, unknown>) => push.has(trigger.type);

/**
 * Loads the SDK clients the wanted types read while the first calls fly, rather than one by one after
 * them (when each would delay its type's calls past the next round). Once those calls answered, only
 * the clients of types that showed up are still loaded: mapping types with a mapping, push types with a
 * grant, and push types whose triggers need no grant to exist (EventBridge targets: `silent`), which
 * are always looked for.
 */
function preloadClients(
  aws: AwsSession,
  types: readonly RegisteredType[],
  early: { mappings?: Promise<EventSourceMappingConfiguration[]> | undefined; policy?: Promise<{ statements: PolicyStatement[] }> | undefined },
): void {
  let needed: Set<string> | undefined;
  const servicesOf = (list: readonly RegisteredType[]) => [...new Set(list.flatMap((t) => t.services ?? []))];
  // Those always read first, then the rest in registry order.
  const always = types.filter((t) => t.push?.silent);
  aws.preload(servicesOf([...always, ...types]), (service) => !needed || needed.has(service));
  void Promise.all([early.mappings ?? [], early.policy ?? { statements: [] }]).then(
    ([mappings, policy]) => {
      const granted = new Set(grantsOf(policy.statements, '', pushTypeOfPrincipal).map((g) => g.type));
      const present = types.filter(
        (t) => t.push?.silent || granted.has(t.spec.type) || (t.mapping && mappings.some((m) => t.ownsSourceArn(m.EventSourceArn ?? ''))),
      );
      needed = new Set(servicesOf(present));
    },
    () => {
      needed = new Set();
    },
  );
}

/** Every trigger of one function (and, unless a qualifier was named, of its aliases), with its problems. */
export async function listForFunction(ctx: ListContext, ref: FunctionRef, options: ListOptions = {}): Promise<Inventory> {
  const { aws } = ctx;
  const types = wantedTypes(options);
  // The types' implementations load while the first reads are in flight.
  const loaded = loadTriggerTypes(options.types);
  const push = pushTraits();
  const wantsMappings = types.some((t) => t.mapping);
  const wantsPolicy = types.some((t) => t.push);
  // What needs only the name given starts at once, beside GetFunctionConfiguration: the aliases, the
  // mappings listed by that name, the policy. A partial ARN (account:function:name) waits for the ARN.
  const fnP = resolveFunction(aws, ref);
  const partial = /^\d{12}:function:/.test(ref.name);
  const given = partial ? undefined : ref.qualifier ? `${ref.name}:${ref.qualifier}` : ref.name;
  const early = {
    aliases: given && !ref.qualifier ? listAliasArns(aws, ref.name, ref.region) : undefined,
    mappings: given && wantsMappings ? listFunctionMappings(aws, [given], ref.region) : undefined,
    policy: wantsPolicy ? readFunctionPolicyOf(sessionCall(aws), ref, fnP) : undefined,
  };
  // Used after the function resolved (or never, when it does not exist): no unhandled rejection meanwhile.
  for (const read of Object.values(early)) read?.catch(() => {});
  preloadClients(aws, types, early);
  const fn = await fnP;
  const target: FunctionTarget = { unqualifiedArn: fn.unqualifiedArn };
  if (fn.qualifier) target.qualifier = fn.qualifier;
  const region = fn.region;

  ctx.reporter.emit({ type: 'progress', message: `reading the triggers of ${fn.arn}` });
  const aliases = once(() => (fn.qualifier ? Promise.resolve([] as string[]) : (early.aliases ?? listAliasArns(aws, fn.unqualifiedArn, region))));
  // Mappings by ARN and by plain name (moto matches the creation string only), then for each alias.
  const names = fn.qualifier ? [fn.arn, `${fn.name}:${fn.qualifier}`] : [fn.arn, fn.name];
  const mappings = once(async () => {
    const rest = early.mappings ? names.filter((n) => n !== given) : names;
    const [first, base, perAlias] = await Promise.all([
      early.mappings ?? Promise.resolve([]),
      rest.length ? listFunctionMappings(aws, rest, region) : Promise.resolve([]),
      aliases().then((list) => each(list, (a) => listFunctionMappings(aws, [a], region))),
    ]);
    const byUuid = new Map<string, EventSourceMappingConfiguration>();
    for (const m of [...first, ...base, ...perAlias.flat()]) if (m.UUID && !byUuid.has(m.UUID)) byUuid.set(m.UUID, m);
    return revealEncryptedFilters(aws, [...byUuid.values()].filter((m) => belongsTo(m.FunctionArn ?? '', target)), region);
  });
  const policiesRead = new Set<string>();
  const grants = once(async () => {
    const own: Promise<ReadPolicy> = early.policy ? early.policy.then((p) => ({ functionArn: fn.arn, statements: p.statements })) : readPolicy(aws, fn.arn);
    const [base, perAlias] = await Promise.all([own, aliases().then((list) => each(list, (a) => readPolicy(aws, a)))]);
    const policies: ReadPolicy[] = [base, ...perAlias];
    for (const p of policies) policiesRead.add(p.functionArn);
    return dedupeGrants(policies.flatMap((p) => grantsOf(p.statements, p.functionArn, pushTypeOfPrincipal))).filter((g) => belongsTo(g.functionArn, target));
  });
  const scan: ListScan = {
    ...scanBase(ctx, region),
    fn,
    target,
    functions: async () => [fn.unqualifiedArn],
    aliases,
    account: async () => fn.account,
    mappings,
    grants,
  };
  const found = await discoverAll(await loaded, scan);
  // A push type's triggers are judged against the function's policy: orphaned, missing and unscoped permissions.
  const checked = types.some((t) => t.push);
  const permissionFindings = checked
    ? checkPermissions({ grants: await grants(), triggers: found.triggers.filter((t) => isPush(t, push)), sources: found.sources, policiesRead, push })
    : [];
  ctx.reporter.emit({ type: 'progress-end' });
  return {
    scope: 'function',
    region,
    functions: [fn.unqualifiedArn],
    triggers: sortTriggers(found.triggers.filter((t) => keepType(options, t))),
    warnings: [...found.findings, ...permissionFindings].filter((f) => keepType(options, f)),
    permissionsChecked: checked,
  };
}

/** AWS's documented GetPolicy quota: 15 requests a second per account, not raisable. */
export const GET_POLICY_PER_SECOND = 15;

/**
 * The functions whose policies a region-wide --check-permissions reads: those push triggers send to (as
 * named: an alias's policy is its own), and those with no trigger at all, where a permission left behind
 * by a removed trigger is most likely. A function with only mappings (SQS, streams) is not read: a stray
 * push permission on it shows with `list --function`.
 */
export function policyTargets(known: ReadonlySet<string>, triggers: readonly TriggerView[], pushTriggers: readonly TriggerView[]): string[] {
  const triggered = new Set(triggers.map((t) => unqualifiedFunctionArn(t.functionArn)));
  const pushed = pushTriggers.map((t) => t.functionArn).filter((a) => known.has(unqualifiedFunctionArn(a)));
  const idle = [...known].filter((f) => !triggered.has(f));
  return [...new Set([...pushed.map(unqualifiedFunctionArn), ...pushed, ...idle])];
}

/** Every trigger of every function in the region, read from the source side. */
export async function listRegion(ctx: ListContext, options: ListOptions = {}): Promise<Inventory> {
  // Its length grows with the account: the heap should not (keepHeapSmall).
  keepHeapSmall();
  const { aws } = ctx;
  const region = await aws.region();
  const types = wantedTypes(options);
  const loaded = loadTriggerTypes(options.types);
  const push = pushTraits();
  ctx.reporter.emit({ type: 'progress', message: `reading the triggers of every function in ${region}` });
  const functions = once(() =>
    aws
      .paginate<{ FunctionArn?: string }>('lambda', 'ListFunctions', { MaxItems: 50 }, { inputToken: 'Marker', outputToken: 'NextMarker', items: 'Functions' })
      .then((list) => list.map((f) => f.FunctionArn).filter((a): a is string => Boolean(a)).map(unqualifiedFunctionArn)),
  );
  const mappings = once(() => listAllMappings(aws).then((m) => revealEncryptedFilters(aws, m)));
  let mappingsAsked = false;
  const scan: ListScan = {
    ...scanBase(ctx, region),
    functions,
    aliases: async () => [],
    account: once(async () => {
      const first = (await functions())[0] ?? (mappingsAsked ? (await mappings())[0]?.FunctionArn : undefined);
      return parseArn(first ?? '')?.account || undefined;
    }),
    mappings: () => {
      mappingsAsked = true;
      return mappings();
    },
    grants: async () => undefined,
    checkPermissions: Boolean(options.checkPermissions),
  };
  // The functions are listed whatever the types: the summary counts them.
  const [known, found] = await Promise.all([functions().then((f) => new Set(f)), loaded.then((all) => discoverAll(all, scan))]);
  const account = await scan.account();
  const pushTriggers = found.triggers.filter((t) => isPush(t, push));

  // A push source that sends to a function that is gone: for S3 it also makes every later
  // PutBucketNotificationConfiguration on that bucket fail (S3 validates all destinations).
  const findings: Finding[] = [...found.findings];
  for (const t of pushTriggers) {
    const fnArn = unqualifiedFunctionArn(t.functionArn);
    if (account && parseArn(fnArn)?.account === account && !known.has(fnArn)) {
      findings.push({
        code: 'function-missing',
        type: t.type,
        message: `${push.get(t.type)?.noun ?? t.type} ${t.sourceName} sends to ${t.functionArn}, which does not exist`,
        functionArn: t.functionArn,
        sourceArn: t.sourceArn,
        triggerId: t.id,
      });
    }
  }

  let grants: Grant[] = [];
  const policiesRead = new Set<string>();
  if (options.checkPermissions && types.some((t) => t.push)) {
    const targets = policyTargets(known, found.triggers, pushTriggers);
    // GetPolicy is limited to 15 requests a second per account, not raisable: pace the reads, and say
    // how long that takes when it is more than a few seconds.
    const seconds = Math.ceil(targets.length / GET_POLICY_PER_SECOND);
    if (seconds > 3) {
      ctx.reporter.emit({
        type: 'progress',
        message: `checking the permissions of ${targets.length} functions: about ${seconds}s (GetPolicy is limited to ${GET_POLICY_PER_SECOND} a second)`,
      });
    }
    const acquire = rateLimiter(GET_POLICY_PER_SECOND, ctx.sleep);
    const policies = await each(targets, async (arn) => {
      await acquire();
      return readPolicy(aws, arn);
    });
    for (const p of policies) policiesRead.add(p.functionArn);
    grants = dedupeGrants(policies.flatMap((p) => grantsOf(p.statements, p.functionArn, pushTypeOfPrincipal)));
  }
  ctx.reporter.emit({ type: 'progress-end' });
  findings.push(...checkPermissions({ grants, triggers: pushTriggers, sources: found.sources, policiesRead, push }));
  return {
    scope: 'region',
    region,
    functions: [...known].sort(),
    triggers: sortTriggers(found.triggers.filter((t) => keepType(options, t))),
    warnings: findings.filter((f) => keepType(options, f)),
    permissionsChecked: Boolean(options.checkPermissions),
  };
}

import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { getMapping, resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn, qualifierOf } from '../../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../../core/concurrency.js';
import type { Action } from '../../core/plan.js';
import { NotFoundError, UsageError } from '../../core/errors.js';
import type { PlanWarning } from '../../core/reporter.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import type { AdapterContext, Discovery, ListScan, RemovalPlan, RemoveRequest, SourceType, TriggerType } from '../../sources/contract.js';
import { listAliasArns, listFunctionMappings, mappingFindings, mappingTrigger, type SourceCheck } from './inventory.js';
import { RESOURCE_IN_USE_RETRY, sourceKeyOf } from './settings.js';
import { readMappingTags } from './tags.js';

// What every event-source-mapping type (SQS, DynamoDB, Kinesis, and the Kafka, MQ and DocumentDB
// sources to come) shares for `list` and `remove`: a type states how it recognises its sources, how it
// checks them and how a `remove` names them; the reading, matching, deleting and waiting are here, once.

/** The source a `remove` names, once resolved: its ARN and name, and which mapping sources it covers. */
export interface SourceMatcher {
  arn: string;
  name: string;
  /** True for a mapping of this source; `sourceArn` is its source key (sourceKeyOf), `mapping` the whole mapping. */
  matches(sourceArn: string, mapping?: EventSourceMappingConfiguration): boolean;
}

/** What a mapping type tells the shared mechanism. `R` is its parsed `remove` source. */
export interface MappingTraits<R> {
  type: SourceType;
  /** The settings its mappings show. */
  settingKeys: readonly string[];
  ownsSourceArn(arn: string): boolean;
  /** The findings about its sources (gone, stale, unreadable). */
  checkSources: SourceCheck;
  /** Checks the source of `remove <type> <source>` and the type's remove flags (pure). */
  parseRemoveSource(source: string, raw?: Record<string, unknown>): R;
  /** Resolves it (read-only) into the mapping sources it covers, in the function's region and account. */
  matcher(aws: AwsSession, ref: R, fn: ResolvedFunction): Promise<SourceMatcher>;
}

/**
 * The matcher of a source named by ARN or by name, with `only` narrowing it to some of its mappings (a topic,
 * a queue). A name is resolved to the source's ARN (`resolve`); when the source is gone (`resolve` throws
 * NotFoundError) its mappings can still be removed: then every ARN starting with `prefix` (the name in the
 * function's region and account) matches.
 */
export async function namedSourceMatcher(source: {
  arn?: string;
  name: string;
  resolve(): Promise<string>;
  prefix: string;
  only?: { label: string; matches(mapping: EventSourceMappingConfiguration | undefined): boolean };
}): Promise<SourceMatcher> {
  const only = (m?: EventSourceMappingConfiguration) => source.only?.matches(m) ?? true;
  const name = source.only ? `${source.name} (${source.only.label})` : source.name;
  let arn = source.arn;
  if (arn === undefined) {
    try {
      arn = await source.resolve();
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      return { arn: `${source.prefix}*`, name, matches: (s, m) => s.startsWith(source.prefix) && only(m) };
    }
  }
  const exact = arn;
  return { arn: exact, name, matches: (s, m) => s === exact && only(m) };
}

/** The list and remove half of a mapping type, from its traits. */
export function mappingLifecycle<R>(traits: MappingTraits<R>): Pick<TriggerType<unknown, R>, 'ownsSourceArn' | 'mapping' | 'discover' | 'parseRemove' | 'planRemove'> {
  return {
    ownsSourceArn: traits.ownsSourceArn,
    mapping: { settingKeys: traits.settingKeys },
    discover: (scan) => discoverMappings(traits, scan),
    parseRemove: (source, raw) => traits.parseRemoveSource(source, raw),
    planRemove: (ctx, request) => planSourceMappingRemoval(ctx, traits, request),
  };
}

async function discoverMappings<R>(traits: MappingTraits<R>, scan: ListScan): Promise<Discovery> {
  const mappings = (await scan.mappings()).filter((m) => traits.ownsSourceArn(sourceKeyOf(m)));
  if (mappings.length === 0) return { triggers: [], findings: [] };
  const triggers = mappings.map((m) => mappingTrigger(traits.type, m, traits.settingKeys));
  const byId = new Map(triggers.map((t) => [t.id, t]));
  // Tags are not in the mapping itself (only ListTags has them): one read per mapping, beside the source checks.
  const [findings] = await Promise.all([
    traits.checkSources(scan, triggers).then((found) => [...triggers.flatMap(mappingFindings), ...found]),
    scan.each(mappings, async (m) => {
      const tags = await readMappingTags(scan.aws, m, parseArn(m.FunctionArn ?? '')?.region || undefined).catch(() => undefined);
      const trigger = m.UUID === undefined ? undefined : byId.get(m.UUID);
      if (trigger && tags && Object.keys(tags).length > 0) trigger.settings.tags = tags;
    }),
  ]);
  return { triggers, findings };
}

/** Deletes the mappings given (already narrowed to one source and function). */
export function planMappingRemoval(
  type: SourceType,
  source: { arn: string; name: string },
  functionArn: string,
  mappings: readonly EventSourceMappingConfiguration[],
  settingKeys: readonly string[],
  region?: string,
): RemovalPlan {
  const actions: Action[] = mappings.map((m) => {
    const action: Action = {
      api: 'lambda:DeleteEventSourceMapping',
      summary: `delete ${type} mapping ${m.UUID} (${sourceKeyOf(m)} → ${m.FunctionArn})`,
      input: { UUID: m.UUID },
      retry: [RESOURCE_IN_USE_RETRY],
      undo: CANNOT_UNDO,
    };
    if (region) action.region = region;
    return action;
  });
  const removed = mappings.map((m) => mappingTrigger(type, m, settingKeys));
  return { type, source, functionArn, actions, removed, notes: [], warnings: [], finish: (ctx) => waitForDeletions(ctx, actions) };
}

async function planSourceMappingRemoval<R>(ctx: AdapterContext, traits: MappingTraits<R>, request: RemoveRequest<R>): Promise<RemovalPlan> {
  const { aws } = ctx;
  const type = traits.type;
  const fn = await resolveFunction(aws, request.fn);
  const names = fn.qualifier ? [fn.arn, `${fn.name}:${fn.qualifier}`] : [fn.arn, fn.name];
  // Without a qualifier, the aliases' mappings are left alone but named in a note: Lambda lists them
  // only by alias ARN, so list each alias's mappings too (concurrently, while the source resolves).
  const [matcher, mappings, aliasReads] = await Promise.all([
    traits.matcher(aws, request.source, fn),
    listFunctionMappings(aws, names, fn.region),
    fn.qualifier
      ? Promise.resolve([] as [string, EventSourceMappingConfiguration[]][])
      : listAliasArns(aws, fn.unqualifiedArn, fn.region).then((aliases) =>
          mapLimit(aliases, READ_CONCURRENCY, async (alias): Promise<[string, EventSourceMappingConfiguration[]]> => [alias, await listFunctionMappings(aws, [alias], fn.region)]),
        ),
  ]);
  const ofSource = mappings.filter((m) => matcher.matches(sourceKeyOf(m), m));
  const mine = ofSource.filter((m) => m.FunctionArn === fn.arn);
  const plan = planMappingRemoval(type, { arn: matcher.arn, name: matcher.name }, fn.arn, mine, traits.settingKeys, fn.region);
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
  for (const [alias, list] of aliasReads) for (const m of list) if (matcher.matches(sourceKeyOf(m), m)) leave(alias, m);
  for (const [qualifiedArn, uuids] of left) {
    const qualifier = qualifierOf(qualifiedArn);
    const flag = qualifier ? `${fn.name}:${qualifier}` : qualifiedArn;
    plan.notes.push(`left: mappings of ${qualifiedArn} from ${matcher.name}: ${uuids.join(', ')} (remove them with --function ${flag})`);
  }
  return plan;
}

/**
 * `remove <mapping-uuid>`: reads the mapping and plans its deletion. `typeOf` finds the registered
 * type of its source; a mapping of a kind evsrc does not manage is refused with the AWS CLI command.
 */
export async function planUuidRemoval(ctx: AdapterContext, uuid: string, typeOf: (sourceArn: string) => TriggerType | undefined): Promise<RemovalPlan> {
  const mapping = await getMapping(ctx.aws, uuid);
  if (!mapping) {
    // Nothing is known about a mapping that does not exist: no type, source or function to report.
    const note = `no event source mapping ${uuid} in ${await ctx.aws.region()}`;
    return { type: null, id: uuid, source: null, functionArn: null, actions: [], removed: [], notes: [note], warnings: [] };
  }
  const sourceArn = sourceKeyOf(mapping);
  const type = typeOf(sourceArn);
  if (!type?.mapping) unmanaged(uuid, sourceArn);
  const trigger = mappingTrigger(type.spec.type, mapping, type.mapping.settingKeys);
  return {
    ...planMappingRemoval(type.spec.type, { arn: sourceArn, name: trigger.sourceName ?? sourceArn }, mapping.FunctionArn ?? '', [mapping], type.mapping.settingKeys),
    id: uuid,
  };
}

function unmanaged(uuid: string, sourceArn: string): never {
  throw new UsageError(`mapping ${uuid} reads ${sourceArn}, a kind of source evsrc does not manage; remove it with aws lambda delete-event-source-mapping --uuid ${uuid}`);
}

/** After DeleteEventSourceMapping: wait until the mappings are gone (unless --no-wait); a mapping stuck past 300 s is a warning. */
async function waitForDeletions(ctx: AdapterContext, actions: readonly Action[]): Promise<PlanWarning[]> {
  const warnings: PlanWarning[] = [];
  if (actions.length === 0 || !ctx.wait) return warnings;
  // Delete returns 202; the mapping stays in Deleting for a few seconds. No SDK waiter exists: poll.
  for (const action of actions) {
    const uuid = String(action.input.UUID);
    const started = Date.now();
    let delay = 1000;
    let current: EventSourceMappingConfiguration | undefined = await getMapping(ctx.aws, uuid, action.region);
    while (current) {
      if (Date.now() - started > 300_000) {
        warnings.push({ code: 'mapping-still-transitional', message: `mapping ${uuid} is still ${current.State} after 300s; not waiting longer` });
        break;
      }
      ctx.reporter.emit({ type: 'progress', message: `waiting for mapping ${uuid} to be deleted (${current.State ?? 'Deleting'})` });
      await ctx.sleep(delay);
      delay = Math.min(delay * 1.5, 5000);
      current = await getMapping(ctx.aws, uuid, action.region);
    }
  }
  ctx.reporter.emit({ type: 'progress-end', ok: true });
  return warnings;
}

import { parseFunctionRef } from '../core/arn.js';
import { UsageError } from '../core/errors.js';
import type { PlanWarning } from '../core/reporter.js';
import { planUuidRemoval } from '../mechanisms/esm/lifecycle.js';
import type { AdapterContext, OptionSpec, RemovalPlan, SourceType, TriggerType } from '../sources/contract.js';
import { triggerType, TRIGGER_TYPES, typeNames } from '../sources/registry.js';

// `evsrc remove`: validate the request, let the trigger type read what is there and plan; after the
// writes, let the plan check what it needs to (mappings gone, a bucket re-read). No type names here.

/** What remove needs: the same context as a type's. */
export type RemoveContext = AdapterContext;

/** A validated `remove` request (pure parse of argv). */
export type RemoveRequest = { kind: 'uuid'; uuid: string } | { kind: 'source'; type: SourceType; trigger: TriggerType; fn: ReturnType<typeof parseFunctionRef>; source: unknown };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Commander's attribute name of a flag: `--event-bus <bus>` → `eventBus`. */
export function flagKey(flags: string): string {
  const long = /--([a-z0-9-]+)/i.exec(flags)?.[1] ?? flags;
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Every type's `remove` flags, once each, with the types that take it (for the command's --help). */
export function removeFlags(): { option: OptionSpec; types: SourceType[] }[] {
  const out = new Map<string, { option: OptionSpec; types: SourceType[] }>();
  for (const t of TRIGGER_TYPES) {
    for (const option of t.spec.removeOptions ?? []) {
      const entry = out.get(option.flags) ?? { option, types: [] };
      entry.types.push(t.spec.type);
      out.set(option.flags, entry);
    }
  }
  return [...out.values()];
}

/** The first flag given that `type` does not take, with the types that do. */
function foreignFlag(type: TriggerType | undefined, raw: Record<string, unknown>): string | undefined {
  const own = new Set((type?.spec.removeOptions ?? []).map((o) => o.flags));
  for (const { option, types } of removeFlags()) {
    if (own.has(option.flags) || raw[flagKey(option.flags)] === undefined) continue;
    return `${/--[a-z0-9-]+/i.exec(option.flags)?.[0] ?? option.flags}: only for remove ${types.join(', ')}`;
  }
  return undefined;
}

/** Checks the arguments and flags of `remove` before any AWS call. */
export function parseRemoveRequest(first: string, source: string | undefined, raw: Record<string, unknown>): RemoveRequest {
  if (UUID.test(first)) {
    if (source !== undefined) throw new UsageError(`remove ${first}: a mapping UUID takes no source argument (got ${JSON.stringify(source)})`);
    if (raw.function !== undefined) throw new UsageError('remove <mapping-uuid>: --function is not needed with a UUID; leave it out');
    const foreign = foreignFlag(undefined, raw);
    if (foreign) throw new UsageError(foreign);
    return { kind: 'uuid', uuid: first };
  }
  const name = first.toLowerCase();
  const type = triggerType(name);
  if (!type) {
    throw new UsageError(`remove: ${JSON.stringify(first)} is neither a source type (${typeNames().join(', ')}) nor an event source mapping UUID`);
  }
  if (source === undefined) throw new UsageError(`remove ${name}: name the source, e.g. evsrc remove ${name} ${type.spec.argument} --function <fn>`);
  if (typeof raw.function !== 'string') throw new UsageError(`remove ${name}: --function <fn> is required: the function whose trigger to remove`);
  const foreign = foreignFlag(type, raw);
  if (foreign) throw new UsageError(foreign);
  const parsed = type.parseRemove(source, raw);
  return { kind: 'source', type: name, trigger: type, fn: parseFunctionRef(raw.function), source: parsed };
}

/** Reads what is there and plans the removal. */
export async function planRemoval(ctx: RemoveContext, request: RemoveRequest): Promise<RemovalPlan> {
  if (request.kind === 'uuid') return planUuidRemoval(ctx, request.uuid, (arn) => TRIGGER_TYPES.find((t) => t.ownsSourceArn(arn)));
  return request.trigger.planRemove(ctx, { fn: request.fn, source: request.source });
}

/** After the writes: what the plan checks (waiting for mappings to be gone, re-reading a bucket); returns warnings. */
export async function finishRemoval(ctx: RemoveContext, plan: RemovalPlan): Promise<PlanWarning[]> {
  return plan.finish ? plan.finish(ctx) : [];
}

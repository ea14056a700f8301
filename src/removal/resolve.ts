import { parseFunctionRef } from '../core/arn.js';
import { UsageError } from '../core/errors.js';
import type { PlanWarning } from '../core/reporter.js';
import { planUuidRemoval } from '../mechanisms/esm/lifecycle.js';
import type { AdapterContext, RemovalPlan, SourceType, TriggerType, TypeSpec } from '../sources/contract.js';
import { flagKey, loadTriggerType, loadTriggerTypes, removeFlags, triggerType, typeNames } from '../sources/registry.js';

export { flagKey, removeFlags } from '../sources/registry.js';

// `evsrc remove`: validate the request, let the trigger type read what is there and plan; after the
// writes, let the plan check what it needs to (mappings gone, a bucket re-read). No type names here.

/** What remove needs: the same context as a type's. */
export type RemoveContext = AdapterContext;

/** A validated `remove` request (pure parse of argv). */
export type RemoveRequest = { kind: 'uuid'; uuid: string } | { kind: 'source'; type: SourceType; trigger: TriggerType; fn: ReturnType<typeof parseFunctionRef>; source: unknown };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The first flag given that `type` does not take, with the types that do. */
function foreignFlag(type: TypeSpec | undefined, raw: Record<string, unknown>): string | undefined {
  const own = new Set((type?.spec.removeOptions ?? []).map((o) => o.flags));
  for (const { option, types } of removeFlags()) {
    if (own.has(option.flags) || raw[flagKey(option.flags)] === undefined) continue;
    return `${/--[a-z0-9-]+/i.exec(option.flags)?.[0] ?? option.flags}: only for remove ${types.join(', ')}`;
  }
  return undefined;
}

/**
 * Checks the arguments and flags of `remove` before any AWS call: the generic ones from the specs, then the
 * source with the type's own parse (which loads its implementation).
 */
export async function parseRemoveRequest(first: string, source: string | undefined, raw: Record<string, unknown>): Promise<RemoveRequest> {
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
  const trigger = (await loadTriggerType(name)) as TriggerType;
  const parsed = trigger.parseRemove(source, raw);
  return { kind: 'source', type: name, trigger, fn: parseFunctionRef(raw.function), source: parsed };
}

/** Reads what is there and plans the removal. */
export async function planRemoval(ctx: RemoveContext, request: RemoveRequest): Promise<RemovalPlan> {
  if (request.kind === 'uuid') {
    const types = await loadTriggerTypes();
    return planUuidRemoval(ctx, request.uuid, (arn) => types.find((t) => t.ownsSourceArn(arn)));
  }
  return request.trigger.planRemove(ctx, { fn: request.fn, source: request.source });
}

/** After the writes: what the plan checks (waiting for mappings to be gone, re-reading a bucket); returns warnings. */
export async function finishRemoval(ctx: RemoveContext, plan: RemovalPlan): Promise<PlanWarning[]> {
  return plan.finish ? plan.finish(ctx) : [];
}

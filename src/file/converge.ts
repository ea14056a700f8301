import { keepHeapSmall, LONG_RUN_ENTRIES } from '../core/heap.js';
import { toEvsrcError } from '../aws/errors.js';
import { unqualifiedFunctionArn } from '../core/arn.js';
import { mapLimit } from '../core/concurrency.js';
import { EvsrcError, UsageError } from '../core/errors.js';
import type { Change } from '../core/plan.js';
import { listForFunction, type ListContext } from '../inventory/collect.js';
import type { AddPlan, AdapterContext, TriggerView } from '../sources/contract.js';
import { sortTriggers } from '../sources/registry.js';
import { atPath, FileError, type FileEntry } from './format.js';

// What `diff -f` and `apply -f` share: every entry planned as `add` would plan it (concurrently, with a
// bound), and the triggers of the named functions that no entry describes. No writes here.

/** How many entries are planned (read) at once: each plan makes a few reads of its own. */
export const PLAN_CONCURRENCY = 4;

/** Where one entry stands against the account. */
export type EntryStatus = 'in-sync' | 'missing' | 'differs' | 'failed';

/** One entry, planned. */
export interface EntryPlan {
  entry: FileEntry;
  status: EntryStatus;
  plan?: AddPlan;
  /** Why it could not be planned (a source that does not exist, a precondition). */
  error?: EvsrcError;
}

/** One difference of an entry, as diff shows it: a field old → new, or a write that would be made. */
export interface Difference {
  field?: string;
  from?: unknown;
  to?: unknown;
  api: string;
  summary: string;
}

/** The key that ties a planned trigger to the same trigger found by `list`. */
export function triggerKey(view: Pick<TriggerView, 'type' | 'sourceArn' | 'id'>): string {
  return `${view.type}|${view.sourceArn}|${view.id}`;
}

/** Plans one entry as `add` would. Usage errors are the file's problems (thrown); others fail only this entry. */
export async function planEntry(ctx: AdapterContext, entry: FileEntry): Promise<EntryPlan> {
  try {
    const plan = await entry.trigger.planAdd(ctx, { source: entry.source, fn: entry.fn, options: entry.options });
    const status: EntryStatus = plan.actions.length === 0 ? 'in-sync' : plan.current ? 'differs' : 'missing';
    return { entry, status, plan };
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(atPath(error.message, entry.path, entry.trigger.spec), { hint: error.hint });
    return { entry, status: 'failed', error: toEvsrcError(error) };
  }
}

/** Plans every entry (PLAN_CONCURRENCY at once). A usage error in any entry refuses the whole file, naming each. */
export async function planEntries(ctx: AdapterContext, entries: readonly FileEntry[], file: string): Promise<EntryPlan[]> {
  // A large file makes a long run (apply, diff): its heap is kept small (keepHeapSmall).
  if (entries.length >= LONG_RUN_ENTRIES) keepHeapSmall();
  const problems: string[] = [];
  const plans = await mapLimit(entries, PLAN_CONCURRENCY, async (entry) => {
    try {
      return await planEntry(ctx, entry);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(error.message);
      return { entry, status: 'failed' as const };
    }
  });
  if (problems.length > 0) throw new FileError(file, problems.sort());
  return plans;
}

/** The differences of a planned entry: each field an update changes, else each write. */
export function differences(plan: AddPlan | undefined): Difference[] {
  if (!plan) return [];
  return plan.actions.flatMap((a): Difference[] =>
    a.changes && a.changes.length > 0
      ? a.changes.map((c: Change) => ({ field: c.field, from: c.from, to: c.to, api: a.api, summary: a.summary }))
      : [{ api: a.api, summary: a.summary }],
  );
}

/**
 * The triggers of the functions the file names that no entry describes (hand-made ones included): what
 * `diff` reports as extra and `apply --prune` removes. Functions the file does not name are never read.
 */
export async function extraTriggers(ctx: ListContext, entries: readonly FileEntry[], plans: readonly EntryPlan[]): Promise<TriggerView[]> {
  const described = new Set(plans.flatMap((p) => (p.plan?.current ? [triggerKey(p.plan.current)] : [])));
  const functions = [...new Map(entries.map((e) => [e.functionText, e.fn])).values()];
  const found = await mapLimit(functions, PLAN_CONCURRENCY, (fn) => listForFunction(ctx, fn));
  const seen = new Set<string>();
  const extra: TriggerView[] = [];
  for (const inventory of found) {
    for (const t of inventory.triggers) {
      const key = triggerKey(t);
      if (described.has(key) || seen.has(key)) continue;
      seen.add(key);
      extra.push(t);
    }
  }
  return sortTriggers(extra);
}

/** The keys of what a plan writes to that another plan may write to as well: its source and its function's policy. */
export function lockKeys(plan: AddPlan): string[] {
  return [...new Set([`source:${plan.source.arn}`, `function:${unqualifiedFunctionArn(plan.functionArn)}`])].sort();
}

/**
 * Orders work on shared resources: `acquire(keys)` resolves once every earlier holder of any of these keys
 * has released. Holders are queued in the order they ask, so no two wait on each other.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  acquire(keys: readonly string[]): Promise<() => void> {
    const before = keys.map((k) => this.tails.get(k) ?? Promise.resolve());
    let release: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const k of keys) this.tails.set(k, done);
    return Promise.all(before).then(() => release);
  }
}

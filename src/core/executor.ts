import { EvsrcError, PartialApplyError } from './errors.js';
import { InterruptedError, type Interrupt } from './interrupt.js';
import type { Action, RetryRule } from './plan.js';
import { toWarning, type Reporter, type Warning } from './reporter.js';

/** Performs one AWS write call: `api` is `service:Operation`. Supplied by the AWS layer (or a fake in tests). */
export type CallApi = (api: string, input: Record<string, unknown>, region?: string) => Promise<unknown>;

/** What the executor needs besides the plan. */
export interface ExecuteOptions {
  call: CallApi;
  reporter: Reporter;
  /** Turns a raw error into the EvsrcError shown to the user. */
  describeError: (error: unknown) => EvsrcError;
  /** The AWS error name of a raw error, for retry rules. */
  errorName: (error: unknown) => string;
  sleep?: (ms: number) => Promise<void>;
  /** Checked between and around actions: when raised, the plan stops and what it did is undone. */
  interrupt?: Interrupt;
}

/** Outcome of each action, in order, and the inputs really sent (after `bind`). */
export interface ExecuteResult {
  results: unknown[];
  inputs: Record<string, unknown>[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function matches(rule: RetryRule, name: string, message: string): boolean {
  if (rule.errorNames && !rule.errorNames.includes(name)) return false;
  if (rule.messageIncludes && !rule.messageIncludes.some((m) => message.includes(m))) return false;
  return true;
}

/**
 * For the error that ended a step: whether an earlier send of it by runAction (its retry rules send again)
 * may have been applied. Only an answer AWS gave to the SDK's one attempt with a 4xx status is a refusal
 * that certainly changed nothing.
 */
const EARLIER_MAY_HAVE_APPLIED = new WeakMap<object, boolean>();

/** The SDK's metadata of a failed call: the HTTP status of the answer and how many attempts the SDK made. */
function sdkMetadata(error: unknown): { httpStatusCode?: number; attempts?: number } | undefined {
  return (error as { $metadata?: { httpStatusCode?: number; attempts?: number } } | null | undefined)?.$metadata;
}

/** True when AWS refused the call outright: a 4xx answer to the SDK's only attempt (nothing was applied). */
function refusedOutright(error: unknown): boolean {
  const meta = sdkMetadata(error);
  const status = meta?.httpStatusCode ?? 0;
  return status >= 400 && status < 500 && meta?.attempts === 1;
}

/** Runs one action with its retry rules (bounded, exponential delay). */
export async function runAction(action: Action, input: Record<string, unknown>, options: ExecuteOptions): Promise<unknown> {
  const sleep = options.sleep ?? defaultSleep;
  const attemptsUsed = new Map<RetryRule, number>();
  let earlierMayHaveApplied = false;
  for (;;) {
    let answered = false;
    try {
      const result = await options.call(action.api, input, action.region);
      answered = true;
      action.check?.(result);
      return result;
    } catch (error) {
      const name = options.errorName(error);
      const message = error instanceof Error ? error.message : String(error);
      const rule = action.retry?.find((r) => matches(r, name, message));
      if (error !== null && typeof error === 'object') EARLIER_MAY_HAVE_APPLIED.set(error, earlierMayHaveApplied);
      // Once interrupted, a failed forward step is not retried: it is the point where the run stops.
      if (!rule || options.interrupt?.reason !== undefined) throw error;
      const used = attemptsUsed.get(rule) ?? 1;
      if (used >= rule.attempts) {
        if (rule.hint) {
          const described = options.describeError(error);
          throw new EvsrcError(described.message, described.exitCode, {
            hint: rule.hint,
            awsErrorName: described.awsErrorName,
            requestId: described.requestId,
            cause: error,
          });
        }
        throw error;
      }
      attemptsUsed.set(rule, used + 1);
      // Sent again below: this send counts as possibly applied unless AWS refused it outright.
      if (answered || !refusedOutright(error)) earlierMayHaveApplied = true;
      const delay = rule.delayMs * 2 ** (used - 1);
      options.reporter.emit({ type: 'progress', message: `${action.api}: ${rule.reason}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${used + 1} of ${rule.attempts})` });
      await sleep(delay);
      // An interrupt during the wait before a retry: no new attempt; the step failed here.
      if (options.interrupt?.reason !== undefined) throw error;
    }
  }
}

/**
 * The only place that calls write APIs. Runs the actions in order; when one fails, undoes the ones
 * already done (newest first). If an undo fails too, raises PartialApplyError listing what remains.
 */
export async function applyPlan(actions: readonly Action[], options: ExecuteOptions): Promise<ExecuteResult> {
  const results: unknown[] = [];
  const inputs: Record<string, unknown>[] = [];
  // Steps whose read-back found another writer's work: never undone by this run.
  const adopted = new Set<number>();
  const ledger = options.interrupt;
  // Read-only looks ahead (Action.prefetch): each starts beside the action before its own, so it costs no round.
  const prefetched = new Map<Action, Promise<unknown>>();
  const startPrefetch = (a: Action | undefined): void => {
    if (!a?.prefetch || prefetched.has(a)) return;
    const read = a.prefetch().catch(() => undefined);
    prefetched.set(a, read);
  };
  for (const [index, action] of actions.entries()) {
    // Between actions: an interrupt asked for during the last call stops the plan here.
    if (ledger?.reason !== undefined) await stopForInterrupt(actions, results, options, ledger.reason, adopted);
    startPrefetch(action);
    startPrefetch(actions[index + 1]);
    let input = action.bind ? action.bind(results, action.input) : action.input;
    inputs.push(input);
    const skip = action.skip?.();
    if (skip !== undefined) {
      const skipped = toWarning(skip);
      options.reporter.emit({ type: 'warning', ...skipped });
      results.push({ skipped });
      continue;
    }
    options.reporter.emit({ type: 'progress', message: action.summary });
    let result: unknown;
    let called = false;
    if (ledger) ledger.inFlight = action.summary;
    try {
      if (action.prepare) {
        input = await action.prepare(input, await prefetched.get(action));
        inputs[inputs.length - 1] = input;
      }
      const ran = await runOrRecover(action, input, options);
      result = ran.value;
      if (ran.adopted) adopted.add(index);
      called = true;
      if (action.settle) result = (await action.settle(result)) ?? result;
    } catch (raw) {
      if (ledger) ledger.inFlight = undefined;
      if (raw instanceof InterruptedError && called) {
        // Interrupted while waiting on a write that went through: it counts as done (undone with the others,
        // or kept when it was the last step).
        results.push(result);
        if (!adopted.has(index)) ledger?.changed.push(action.summary);
        await stopForInterrupt(actions, results, options, raw.signal, adopted);
      }
      const error = action.mapError?.(raw) ?? raw;
      options.reporter.emit({ type: 'progress-end', ok: false });
      await rollBack(actions.slice(0, results.length), results, options, error, adopted);
      throw error;
    }
    if (ledger) {
      ledger.inFlight = undefined;
      // Another writer's work found by the read-back is not a change of this run.
      if (!adopted.has(index)) ledger.changed.push(action.summary);
    }
    results.push(result);
  }
  // After the last action: the interrupt came during the writes; stopForInterrupt says the change is whole and kept.
  if (ledger?.reason !== undefined) await stopForInterrupt(actions, results, options, ledger.reason, adopted);
  options.reporter.emit({ type: 'progress-end', ok: true });
  return { results, inputs };
}

/**
 * Stops a plan for an interrupt: undoes what it did (newest first) and raises InterruptedError saying what
 * was done and undone. When an undo fails, rollBack raises PartialApplyError (exit 4) listing what remains.
 */
async function stopForInterrupt(actions: readonly Action[], results: readonly unknown[], options: ExecuteOptions, signal: string, adopted: ReadonlySet<number>): Promise<never> {
  options.reporter.emit({ type: 'progress-end', ok: false });
  const done = actions.slice(0, results.length);
  if (done.length === actions.length && done.length > 0) {
    // The call in flight was the last one and it completed: the change is whole. Planners give the last
    // step no undo (nothing follows it to fail), and undoing the earlier ones alone would leave it broken.
    const summaries = done.map((a) => a.summary);
    throw new InterruptedError(
      `interrupted (${signal}) during the last step, which completed: the change is complete and was kept; done: ${summaries.join('; ')}`,
      signal,
      summaries,
      [],
      'nothing was undone; run the same command again to see its state, or remove it',
    );
  }
  const stop = new InterruptedError(`interrupted (${signal})`, signal);
  await rollBack(done, results, options, stop, adopted);
  const undone = done.filter((a, i) => !adopted.has(i) && skippedWarning(results[i]) === undefined && a.undo?.(results[i]) !== undefined).map((a) => a.summary).reverse();
  const kept = done.filter((a, i) => a.undo === undefined && !adopted.has(i)).map((a) => a.summary);
  // Another writer's work found by a read-back: not this run's change, left as it was found.
  const found = done.filter((_, i) => adopted.has(i)).map((a) => a.summary);
  const summaries = done.filter((_, i) => !adopted.has(i)).map((a) => a.summary);
  const parts = [
    `interrupted (${signal}) after ${done.length} of ${actions.length} step${actions.length === 1 ? '' : 's'}`,
    `done: ${summaries.length > 0 ? summaries.join('; ') : 'nothing'}`,
  ];
  if (found.length > 0) parts.push(`found made by another writer and left as it was: ${found.join('; ')}`);
  if (undone.length > 0) parts.push(`undone: ${undone.join('; ')}`);
  const notRun = actions.slice(done.length).map((a) => a.summary);
  if (notRun.length > 0) parts.push(`not run: ${notRun.join('; ')}`);
  const left = kept.length > 0 ? undefined : 'nothing of this run is left';
  if (left) parts.push(left);
  throw new InterruptedError(parts.join('; '), signal, summaries, undone, kept.length > 0 ? undefined : 'the account is as it was before this run');
}

/**
 * True for a conflict (HTTP 409, "already exists") answered to the SDK's first attempt of a send, when no
 * earlier send of the step may have been applied (each was refused outright, e.g. 409 "update in progress"):
 * no attempt of this run made what is there, so what the read-back finds was made by someone else.
 */
function conflictOnFirstAttempt(error: unknown): boolean {
  if (error === null || typeof error !== 'object' || EARLIER_MAY_HAVE_APPLIED.get(error) !== false) return false;
  return sdkMetadata(error)?.httpStatusCode === 409 && refusedOutright(error);
}

/**
 * Runs an action; when it fails, lets its `recover` read back whether the write happened anyway. `adopted`:
 * the read-back found what another writer made (not this run's to undo).
 */
async function runOrRecover(action: Action, input: Record<string, unknown>, options: ExecuteOptions): Promise<{ value: unknown; adopted: boolean }> {
  try {
    return { value: await runAction(action, input, options), adopted: false };
  } catch (error) {
    if (!action.recover) throw error;
    let recovered: unknown;
    try {
      recovered = await action.recover(error, input);
    } catch (judged) {
      // What the read-back found is refused with a reason of its own (EvsrcError); otherwise the read-back
      // failed as well: report the original failure.
      throw judged instanceof EvsrcError ? judged : error;
    }
    if (recovered === undefined) throw error;
    const adopted = conflictOnFirstAttempt(error);
    options.reporter.emit({
      type: 'warning',
      message: adopted
        ? `${action.api}: ${options.describeError(error).message}; reading back shows another writer made it: this run carries on with it (and does not undo it if a later step fails)`
        : `${action.api} failed (${options.describeError(error).message}), but reading back shows the change was made; continuing`,
    });
    return { value: recovered, adopted };
  }
}

/** Why an action was skipped (Action.skip), from its recorded result; undefined when it ran. */
export function skippedWarning(result: unknown): Warning | undefined {
  const warning = (result as { skipped?: Warning } | null | undefined)?.skipped;
  return typeof warning?.message === 'string' ? warning : undefined;
}

async function rollBack(done: readonly Action[], results: readonly unknown[], options: ExecuteOptions, cause: unknown, adopted: ReadonlySet<number> = new Set()): Promise<void> {
  const remaining: string[] = [];
  for (let i = done.length - 1; i >= 0; i -= 1) {
    const action = done[i] as Action;
    // Never sent, or another writer's work found by the read-back: nothing of this run's to take back.
    if (skippedWarning(results[i]) !== undefined || adopted.has(i)) continue;
    const undo = action.undo?.(results[i]);
    if (!undo) {
      if (action.undo === undefined) continue;
      remaining.push(action.summary);
      continue;
    }
    options.reporter.emit({ type: 'progress', message: `rolling back: ${undo.summary}` });
    try {
      // An undo is retried as its rules say even after an interrupt: it is what puts the account back.
      await runAction(undo, undo.input, { ...options, interrupt: undefined });
      const at = options.interrupt?.changed.lastIndexOf(action.summary) ?? -1;
      if (at >= 0) options.interrupt?.changed.splice(at, 1);
    } catch (undoError) {
      remaining.push(`${action.summary} (undo ${undo.api} failed: ${options.describeError(undoError).message})`);
    }
  }
  if (remaining.length > 0) {
    const first = options.describeError(cause);
    throw new PartialApplyError(`${first.message}; the change was applied in part and could not be fully undone`, remaining, {
      hint: `these steps ran and were not undone: ${remaining.join('; ')}`,
      awsErrorName: first.awsErrorName,
      requestId: first.requestId,
      cause,
    });
  }
}

import type { PlanWarning } from './reporter.js';

/** One field an action changes on an existing resource: shown as old → new. */
export interface Change {
  field: string;
  from: unknown;
  to: unknown;
}

/** A retry rule: when an action fails with a matching error, wait and try again (bounded). */
export interface RetryRule {
  /** AWS error names that match (any, when absent). */
  errorNames?: string[];
  /** Substrings of the error message that match (any, when absent). */
  messageIncludes?: string[];
  /** Attempts in all, including the first. */
  attempts: number;
  /** First delay in milliseconds; doubles after each attempt. */
  delayMs: number;
  /** Why we retry, for progress output ("waiting for IAM propagation"). */
  reason: string;
  /** Turns the last error into a hint once the attempts run out. */
  hint?: string;
}

/**
 * One step of a plan: a single AWS write call, described as data.
 * `api` is `service:Operation` (e.g. `lambda:CreateEventSourceMapping`); `input` is what is sent.
 */
export interface Action {
  api: string;
  /** A one-line description a person can read. */
  summary: string;
  input: Record<string, unknown>;
  /** The region to call, when it is not the session's (the source's or the function's region). */
  region?: string;
  /** For updates: the fields that change. */
  changes?: Change[];
  retry?: RetryRule[];
  /**
   * When part of the input is only known once earlier actions ran (a stream ARN after UpdateTable),
   * `bind` builds the final input from their results. The planned `input` then shows placeholders.
   */
  bind?: (results: readonly unknown[], input: Record<string, unknown>) => Record<string, unknown>;
  /**
   * A read-only look (e.g. a fresh read of a configuration the action replaces whole), started beside the
   * action before this one, or with this one when it is first; its answer goes to `prepare`.
   */
  prefetch?: () => Promise<unknown>;
  /**
   * Builds the input really sent from the planned (bound) input and what `prefetch` read (undefined when
   * that read failed), just before the call; it may read again. A throw here fails the action (the earlier
   * ones are undone).
   */
  prepare?: (input: Record<string, unknown>, prefetched: unknown) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Asked just before the action runs (after the earlier ones): a warning (the reason, with its code) when
   * what was read since shows the action is no longer wanted (a removal's permission that an entry written
   * meanwhile still needs). The action is then not sent; the executor reports the warning and records
   * `{ skipped: warning }` as its result.
   */
  skip?: () => PlanWarning | undefined;
  /**
   * Raises the failure an answer reports without an error (PutTargets' FailedEntries): run inside the retry
   * loop, so the action's retry rules apply to it as to a thrown AWS error.
   */
  check?: (result: unknown) => void;
  /** A read-only wait that must finish before the next action (e.g. table ACTIVE); runs after the call. */
  settle?: (result: unknown) => Promise<unknown>;
  /** How to take this action back if a later one fails; built from the action's result. */
  undo?: (result: unknown) => Action | undefined;
  /**
   * When the call fails without a definite answer (connection lost, 5xx after the SDK's retries), the
   * write may still have happened. `recover` reads back (read-only) and returns a result when it did,
   * so the action counts as done (and can be undone); undefined means it did not happen. `input` is the
   * input really sent (after `bind`).
   */
  recover?: (error: unknown, input?: Record<string, unknown>) => Promise<unknown>;
  /**
   * Turns this action's final failure (after retries and recover) into the error shown to the user, e.g. an
   * AWS limit named in the user's terms with a precondition exit code; undefined keeps the original error.
   */
  mapError?: (error: unknown) => unknown;
}

/** The ordered actions of one command, and what they are about. */
export interface Plan {
  actions: Action[];
  warnings: string[];
}

/** What a plan looks like on the wire (JSON output, dry-run). */
export interface ActionView {
  api: string;
  summary: string;
  input: Record<string, unknown>;
  changes?: Change[];
}

/** Reduces an action to its printable data. */
export function viewAction(action: Action): ActionView {
  const view: ActionView = { api: action.api, summary: action.summary, input: action.input };
  if (action.changes && action.changes.length > 0) view.changes = action.changes;
  return view;
}

/** A placeholder shown in a planned input for a value only known at run time. */
export function placeholder(what: string): string {
  return `<${what}>`;
}

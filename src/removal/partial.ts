import { isUnknownOutcome, toEvsrcError } from '../aws/errors.js';
import { EvsrcError, PartialApplyError } from '../core/errors.js';
import type { Action } from '../core/plan.js';

// A removal cannot be undone, so a step failing after others ran leaves the trigger half removed.
// The person then needs to know exactly which steps ran and which did not: that is this error.

/**
 * Rewords the executor's PartialApplyError of a removal: which steps ran (removed) and which did not
 * (the failed one, then those never attempted). `remaining` lists the steps not done. `ran` holds the
 * inputs of the steps that went through. Any other error is returned as it is: nothing was removed.
 */
export function describePartialRemoval(error: unknown, actions: readonly Action[], ran: ReadonlySet<Record<string, unknown>>): unknown {
  if (!(error instanceof PartialApplyError)) return error;
  const removed = actions.filter((a) => ran.has(a.input));
  const notRemoved = actions.filter((a) => !ran.has(a.input));
  const failed = notRemoved[0];
  if (removed.length === 0 || !failed) return error;
  const first = error.cause ?? error;
  const cause = toEvsrcError(first);
  // A call that got no answer or a 5xx may have been carried out all the same.
  const raw = first instanceof EvsrcError && first.cause !== undefined ? first.cause : first;
  const maybe = isUnknownOutcome(raw) ? '; it may have been carried out even so' : '';
  const lines = notRemoved.map((a, i) => (i === 0 ? `${a.summary} (${a.api} failed${maybe})` : `${a.summary} (not attempted)`));
  return new PartialApplyError(
    `${cause.message}; the removal stopped partway: removed: ${removed.map((a) => a.summary).join('; ')}; not removed: ${lines.join('; ')}`,
    notRemoved.map((a) => a.summary),
    {
      hint: `${cause.hint ? `${cause.hint}; then ` : ''}run the same evsrc remove again: it removes only what is still there`,
      awsErrorName: cause.awsErrorName,
      requestId: cause.requestId,
      cause: error,
    },
  );
}

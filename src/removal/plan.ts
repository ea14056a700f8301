import type { RemovalPlan } from '../sources/contract.js';

// What every removal shares: a removal step cannot be undone.

export type { RemovalPlan };

/**
 * The `undo` of every removal step: a removal cannot be taken back (evsrc does not re-create what it
 * deleted), so the executor counts a step that ran before a later one failed as done and not undone,
 * and raises PartialApplyError (exit 4) instead of the bare error of the failed step.
 */
export const CANNOT_UNDO = (): undefined => undefined;

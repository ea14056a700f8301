import { resolveFunction, type ResolvedFunction } from '../../aws/lambda.js';
import type { AwsSession } from '../../aws/session.js';
import type { FunctionRef } from '../../core/arn.js';
import type { Action } from '../../core/plan.js';
import type { PlanWarning } from '../../core/reporter.js';
import type { PushTraits } from '../../sources/contract.js';
import { CANNOT_UNDO } from '../../removal/plan.js';
import { grantsOf, type Grant, type PushType } from './grants.js';
import { removePermissionInput } from './policy.js';
import { readPolicy } from './read.js';

// Removing a push source's permission: only the statements that grant exactly that source to exactly
// that function, never a statement shared with other sources.

/** Retry rule for Lambda's concurrent policy updates ("an update is in progress"). */
export const REMOVE_POLICY_CONFLICT_RETRY = {
  errorNames: ['ResourceConflictException', 'TooManyRequestsException'],
  attempts: 4,
  delayMs: 1000,
  reason: 'the function is being updated by another call',
};

/** The statements to remove for one source: only those granting exactly this source to exactly this function. */
export function permissionActions(
  type: PushType,
  grants: readonly Grant[],
  functionArn: string,
  sourceArn: string,
  sourceName: string,
  warnings: PlanWarning[],
): Action[] {
  const actions: Action[] = [];
  for (const g of grants) {
    if (g.type !== type || g.functionArn !== functionArn || !g.sourceArns.includes(sourceArn)) continue;
    if (!g.sid) continue;
    if (g.sourceArns.length > 1) {
      warnings.push({ code: 'shared-permission-kept', message: `statement ${g.sid} also lets other sources invoke ${functionArn} (${g.sourceArns.join(', ')}); it was left in place` });
      continue;
    }
    actions.push({
      api: 'lambda:RemovePermission',
      summary: `remove permission ${g.sid} (${g.principal} from ${sourceName}) from ${functionArn}`,
      input: removePermissionInput(functionArn, g.sid) as unknown as Record<string, unknown>,
      retry: [REMOVE_POLICY_CONFLICT_RETRY],
      undo: CANNOT_UNDO,
    });
  }
  return actions;
}

/** True when some statement lets the source invoke the function (removable or not). */
export function hasGrant(type: PushType, grants: readonly Grant[], functionArn: string, sourceArn: string): boolean {
  return grants.some((g) => g.type === type && g.functionArn === functionArn && g.sourceArns.includes(sourceArn));
}


/** The function's grants of one push type, from its own policy (GetPolicy). */
export async function functionGrants(aws: AwsSession, fn: ResolvedFunction, type: PushType, traits: PushTraits): Promise<Grant[]> {
  const policy = await readPolicy(aws, fn.arn);
  // moto answers every qualifier with the function's one policy: keep statements for this ARN only.
  return grantsOf(policy.statements, fn.arn, (p) => (traits.matchesPrincipal(p) ? type : undefined)).filter((g) => g.functionArn === fn.arn);
}

/**
 * Resolves the function and reads its grants while `read` (the source, which does not need the function)
 * runs at the same time. When both fail, the function's error is the one reported, as when the function
 * was resolved first.
 */
export async function withFunction<T>(
  aws: AwsSession,
  ref: FunctionRef,
  type: PushType,
  traits: PushTraits,
  read: Promise<T>,
): Promise<{ fn: ResolvedFunction; grants: Grant[]; read: T }> {
  const [fnSide, readSide] = await Promise.allSettled([resolveFunction(aws, ref).then(async (fn) => ({ fn, grants: await functionGrants(aws, fn, type, traits) })), read]);
  if (fnSide.status === 'rejected') throw fnSide.reason;
  if (readSide.status === 'rejected') throw readSide.reason;
  return { ...fnSide.value, read: readSide.value };
}

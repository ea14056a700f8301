import { isAwsError, shouldReadBack } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn, qualifierOf, unqualifiedFunctionArn, type FunctionRef } from '../../core/arn.js';
import { PreconditionError, UsageError } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action, RetryRule } from '../../core/plan.js';
import {
  addPermissionInput,
  findEquivalentStatement,
  findStatementById,
  findUnscopedStatements,
  parsePolicy,
  policyNearLimit,
  policySize,
  removePermissionInput,
  statementId,
  LAMBDA_POLICY_SIZE_LIMIT,
  type PermissionRequest,
  type PolicyStatement,
  type PushService,
} from './policy.js';

// The one place where push sources (S3, SNS) decide about the function's resource-based policy:
// read it, reuse an equivalent statement made by anyone, or plan an AddPermission with evsrc's
// deterministic statement id (undone by RemovePermission when a later step fails).

/** A function's resource-based policy as read by GetPolicy. */
export interface FunctionPolicy {
  /** The raw policy document; undefined when the function has none (GetPolicy ResourceNotFoundException). */
  raw?: string;
  statements: PolicyStatement[];
}

/** Refuses $LATEST before any AWS call: Lambda does not support adding policies to version $LATEST. */
export function checkPushQualifier(fn: FunctionRef): void {
  if (fn.qualifier === '$LATEST') {
    throw new UsageError(
      '--function: Lambda does not support adding permissions to version $LATEST; name the function without a qualifier (same thing), an alias or a published version',
    );
  }
}

/** The region in a function ARN (permissions are set in the function's region). */
function regionOfFunction(functionArn: string): string | undefined {
  return parseArn(functionArn)?.region || undefined;
}

/** GetPolicy input for a (possibly qualified) function ARN. */
function getPolicyInput(functionArn: string): Record<string, string> {
  const qualifier = qualifierOf(functionArn);
  return qualifier === undefined ? { FunctionName: functionArn } : { FunctionName: unqualifiedFunctionArn(functionArn), Qualifier: qualifier };
}

/** Reads the function's resource-based policy (read-only); no policy yet is an empty one. */
export async function readFunctionPolicy(call: CallApi, functionArn: string): Promise<FunctionPolicy> {
  try {
    const out = (await call('lambda:GetPolicy', getPolicyInput(functionArn), regionOfFunction(functionArn))) as { Policy?: string };
    return { raw: out.Policy, statements: parsePolicy(out.Policy) };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return { statements: [] };
    throw error;
  }
}

/**
 * The policy of a function as the user named it (name, name:qualifier or ARN), read before the function
 * is resolved so it can go beside GetFunctionConfiguration; a partial ARN is read after, by its ARN.
 */
export function readFunctionPolicyOf(call: CallApi, ref: FunctionRef, resolved: Promise<{ arn: string }>): Promise<FunctionPolicy> {
  if (/^\d{12}:function:/.test(ref.name)) return resolved.then((fn) => readFunctionPolicy(call, fn.arn));
  const input: Record<string, string> = { FunctionName: ref.name };
  if (ref.qualifier) input.Qualifier = ref.qualifier;
  return (call('lambda:GetPolicy', input, ref.region) as Promise<{ Policy?: string }>).then(
    (out) => ({ raw: out.Policy, statements: parsePolicy(out.Policy) }),
    (error: unknown) => {
      if (isAwsError(error, 'ResourceNotFoundException')) return { statements: [] };
      throw error;
    },
  );
}

/** A CallApi over a session: `service:Operation` to AwsSession.call. Reads in planners and settles use it. */
export function sessionCall(aws: AwsSession): CallApi {
  return (api, input, region) => {
    const [service, operation] = api.split(':') as [Parameters<AwsSession['call']>[0], string];
    return aws.call(service, operation, input, { region });
  };
}

/**
 * Lambda answers ResourceConflictException while another change to the function (or its policy) is in
 * progress; it passes in seconds. ("The function could not be updated due to a concurrent update
 * operation." / "An update is in progress for resource: ...").
 */
export const POLICY_CONFLICT_RETRY: RetryRule = {
  errorNames: ['ResourceConflictException'],
  messageIncludes: ['concurrent update', 'update is in progress'],
  attempts: 5,
  delayMs: 1000,
  reason: 'another update of the function is in progress',
};

/** What a push source needs to know about its permission. */
export interface PermissionPlan {
  /** evsrc's statement id for this function and source. */
  statementId: string;
  /** The AddPermission to run, when no equivalent statement exists yet. */
  action?: Action;
  /** The id of an existing equivalent statement that is reused. */
  reusedStatementId?: string;
  warnings: string[];
}

/** A permission to plan: the request plus which push service it is for. */
export interface PermissionPlanInput extends PermissionRequest {
  service: PushService;
  /** What the sources are called in messages ("rule", "log group"); default: "<SERVICE> resource". */
  noun?: string;
}

/**
 * Plans the permission (pure over what was read; `call` is only used by the action's read-back):
 * reuse an equivalent statement, even one made elsewhere; refuse when evsrc's statement id is taken by a
 * statement that grants something else; otherwise AddPermission with the deterministic id.
 * AddPermission is sent without RevisionId: it adds one statement atomically and refuses a duplicate id,
 * so no concurrent change can be lost, and a retry with a stale RevisionId could never succeed.
 */
export function planPermission(input: PermissionPlanInput, policy: FunctionPolicy, call?: CallApi): PermissionPlan {
  const sid = statementId(input.service, input.functionArn, input.sourceArn);
  const warnings: string[] = [];
  const request: PermissionRequest = { principal: input.principal, functionArn: input.functionArn, sourceArn: input.sourceArn };
  if (input.sourceAccount !== undefined) request.sourceAccount = input.sourceAccount;

  const unscoped = findUnscopedStatements(policy.statements, input.principal);
  if (unscoped.length > 0) {
    warnings.push(
      `the policy of ${input.functionArn} lets ${input.principal} invoke it without a source condition (statement ${unscoped.map((s) => s.sid ?? '(no id)').join(', ')}); any ${input.noun ?? `${input.service.toUpperCase()} resource`}, in any account, can then invoke the function`,
    );
  }
  const existing = findEquivalentStatement(policy.statements, request);
  if (existing) {
    const plan: PermissionPlan = { statementId: sid, warnings };
    if (existing.sid !== undefined) plan.reusedStatementId = existing.sid;
    return plan;
  }
  if (findStatementById(policy.statements, sid)) {
    throw new PreconditionError(
      `the policy of ${input.functionArn} has a statement ${sid} (evsrc's id for this source) that does not grant ${input.principal} access from ${input.sourceArn}${input.sourceAccount ? ` in account ${input.sourceAccount}` : ''}; evsrc does not replace it`,
      {
        hint: `inspect it with: aws lambda get-policy --function-name ${input.functionArn}; remove it with: aws lambda remove-permission --function-name ${input.functionArn} --statement-id ${sid}; then re-run`,
      },
    );
  }
  if (policyNearLimit(policy.raw)) {
    warnings.push(
      `the resource policy of ${input.functionArn} is ${policySize(policy.raw)} bytes, near Lambda's ${LAMBDA_POLICY_SIZE_LIMIT}-byte limit (PolicyLengthExceededException above it)`,
    );
  }
  const region = regionOfFunction(input.functionArn);
  const addInput = addPermissionInput({ ...request, statementId: sid });
  const account = input.sourceAccount ? ` (account ${input.sourceAccount})` : '';
  const action: Action = {
    api: 'lambda:AddPermission',
    summary: `allow ${input.principal} to invoke ${input.functionArn} from ${input.sourceArn}${account}`,
    input: addInput as unknown as Record<string, unknown>,
    retry: [POLICY_CONFLICT_RETRY],
    undo: () => {
      const undo: Action = {
        api: 'lambda:RemovePermission',
        summary: `remove statement ${sid} from ${input.functionArn}`,
        input: removePermissionInput(input.functionArn, sid) as unknown as Record<string, unknown>,
        retry: [POLICY_CONFLICT_RETRY],
      };
      if (region) undo.region = region;
      return undo;
    },
  };
  if (region) action.region = region;
  if (call) {
    // The answer was lost: the statement is there if Lambda made it.
    action.recover = async (error) => {
      if (!shouldReadBack(error)) return undefined;
      const after = await readFunctionPolicy(call, input.functionArn);
      const made = findStatementById(after.statements, sid);
      return made && findEquivalentStatement([made], request) ? { Statement: 'recovered' } : undefined;
    };
  }
  return { statementId: sid, action, warnings };
}

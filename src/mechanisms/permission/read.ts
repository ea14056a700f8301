import { isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn, qualifierOf, unqualifiedFunctionArn } from '../../core/arn.js';
import { parsePolicy, type PolicyStatement } from './policy.js';

/** A function's (or alias's) resource policy as read: its statements and revision. */
export interface ReadPolicy {
  functionArn: string;
  statements: PolicyStatement[];
  revisionId?: string;
}

/**
 * lambda:GetPolicy for a function ARN (its qualifier is sent as Qualifier); no policy at all
 * (ResourceNotFoundException) is an empty one. AWS documents GetPolicy at 15 requests per second
 * per account, not raisable, so callers read it only where a check needs it.
 */
export async function readPolicy(aws: AwsSession, functionArn: string): Promise<ReadPolicy> {
  const input: Record<string, string> = { FunctionName: unqualifiedFunctionArn(functionArn) };
  const qualifier = qualifierOf(functionArn);
  if (qualifier) input.Qualifier = qualifier;
  try {
    const out = await aws.call<{ Policy?: string; RevisionId?: string }>('lambda', 'GetPolicy', input, { region: parseArn(functionArn)?.region || undefined });
    const policy: ReadPolicy = { functionArn, statements: parsePolicy(out.Policy) };
    if (out.RevisionId) policy.revisionId = out.RevisionId;
    return policy;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return { functionArn, statements: [] };
    throw error;
  }
}

/** Spaces calls to at most `perSecond` (token bucket, bursts of `perSecond`): for GetPolicy's fixed 15/s quota. */
export function rateLimiter(perSecond: number, sleep: (ms: number) => Promise<void>): () => Promise<void> {
  const interval = 1000 / perSecond;
  let tokens = perSecond;
  let last = Date.now();
  let queue = Promise.resolve();
  return () => {
    const turn = queue.then(async () => {
      const now = Date.now();
      tokens = Math.min(perSecond, tokens + (now - last) / interval);
      last = now;
      if (tokens < 1) {
        const wait = (1 - tokens) * interval;
        await sleep(wait);
        tokens = 1;
        last = Date.now();
      }
      tokens -= 1;
    });
    queue = turn;
    return turn;
  };
}

import { parseArn, unqualifiedFunctionArn } from '../../core/arn.js';
import type { PolicyStatement } from './policy.js';
import type { PushTraits, TriggerView } from '../../sources/contract.js';
import { sourceNameOfArn, type Finding } from '../../inventory/model.js';

// Pure checks between a function's resource policy and the push triggers (S3, SNS, EventBridge, Logs…)
// found on the source side: a permission with no trigger behind it, and a trigger whose permission is
// missing. Which principal belongs to which type is the types' own knowledge (PushTraits), passed in.
// No SDK imports.

/** The name of a push type whose permissions `list` checks. */
export type PushType = string;

/** Tells which push type a service principal belongs to (undefined: none evsrc knows). */
export type ClassifyPrincipal = (principal: string) => PushType | undefined;

/** One Allow statement that lets a push service invoke a function, read into what the checks need. */
export interface Grant {
  sid?: string;
  type: PushType;
  principal: string;
  /** The function (or alias/version) ARN the statement applies to. */
  functionArn: string;
  /** SourceArn condition values; empty means any bucket or topic (unscoped). */
  sourceArns: string[];
  /** SourceAccount condition values, if any. */
  sourceAccounts: string[];
}

/**
 * The S3/SNS grants of a policy. `policyFunctionArn` is the ARN the policy was read for; a statement's own
 * Resource wins when it names a function, so a policy read twice (moto answers every qualifier with the
 * function's one policy) still attributes each statement to the right alias.
 */
export function grantsOf(statements: readonly PolicyStatement[], policyFunctionArn: string, classify: ClassifyPrincipal): Grant[] {
  const grants: Grant[] = [];
  for (const statement of statements) {
    if (statement.effect !== 'Allow') continue;
    if (!statement.actions.some((a) => ['lambda:invokefunction', 'lambda:*', '*'].includes(a.toLowerCase()))) continue;
    const resource = statement.resources.find((r) => parseArn(r)?.resource.startsWith('function:'));
    const functionArn = resource ? (resource.endsWith(':$LATEST') ? unqualifiedFunctionArn(resource) : resource) : policyFunctionArn;
    const sourceArns = statement.conditions.filter((c) => c.key === 'aws:sourcearn').flatMap((c) => c.values);
    const sourceAccounts = statement.conditions.filter((c) => c.key === 'aws:sourceaccount').flatMap((c) => c.values);
    for (const principal of statement.servicePrincipals) {
      const type = classify(principal);
      if (!type) continue;
      const grant: Grant = { type, principal, functionArn, sourceArns, sourceAccounts };
      if (statement.sid !== undefined) grant.sid = statement.sid;
      grants.push(grant);
    }
  }
  return grants;
}

/** Drops grants read twice (same statement id, principal and function), keeping the first. */
export function dedupeGrants(grants: readonly Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter((g) => {
    const key = JSON.stringify([g.sid ?? null, g.principal, g.functionArn, g.sourceArns]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** IAM ArnLike matching: `*` any run of characters, `?` any one character. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === arn;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(arn);
}

/** True when some grant lets `type`'s service invoke exactly `functionArn` from `sourceArn`. */
export function isCovered(grants: readonly Grant[], type: PushType, functionArn: string, sourceArn: string): boolean {
  return grants.some(
    (g) => g.type === type && g.functionArn === functionArn && (g.sourceArns.length === 0 || g.sourceArns.some((p) => arnMatches(p, sourceArn))),
  );
}

/** The one source a grant names exactly (no wildcard, a single value), if it does. */
export function exactSource(grant: Grant): string | undefined {
  const [only, ...rest] = grant.sourceArns;
  if (only === undefined || rest.length > 0 || /[*?]/.test(only)) return undefined;
  return only;
}

/** What evsrc learned about a source it read: it exists, or it does not. Sources not in the map were not read. */
export type SourceStatus = 'exists' | 'missing';

/** Everything the permission checks need. */
export interface PermissionCheckInput {
  grants: readonly Grant[];
  /** Push triggers found on the source side. */
  triggers: readonly TriggerView[];
  /** Sources read, by ARN. A grant for a source not read is not judged. */
  sources: ReadonlyMap<string, SourceStatus>;
  /** Function ARNs (as triggers name them) whose policy was read; other triggers are not judged. */
  policiesRead: ReadonlySet<string>;
  /** The push types by name: their principal and the noun of their sources. */
  push: ReadonlyMap<PushType, PushTraits>;
}

/**
 * Orphaned permissions (a grant for a source that sends nothing to that function, or no longer exists),
 * unscoped grants, and push triggers whose permission is missing.
 */
export function checkPermissions(input: PermissionCheckInput): Finding[] {
  const findings: Finding[] = [];
  const nounOf = (type: PushType) => input.push.get(type)?.noun ?? 'source';
  const nameOf = (type: PushType, arn: string) => input.push.get(type)?.nameOf?.(arn) ?? sourceNameOfArn(arn);
  for (const grant of input.grants) {
    const sid = grant.sid ?? '(no Sid)';
    const what = nounOf(grant.type);
    if (grant.sourceArns.length === 0) {
      findings.push({
        code: 'unscoped-permission',
        type: grant.type,
        message: `statement ${sid} lets any ${what} (${grant.principal}, no SourceArn) invoke ${grant.functionArn}; scope it to one source`,
        functionArn: grant.functionArn,
        statementId: sid,
      });
      continue;
    }
    const source = input.push.get(grant.type)?.exactSource?.(grant) ?? exactSource(grant);
    if (!source) continue;
    const status = input.sources.get(source);
    if (status === undefined) continue;
    const name = nameOf(grant.type, source);
    const used = input.triggers.some((t) => t.type === grant.type && t.sourceArn === source && t.functionArn === grant.functionArn);
    if (status === 'missing') {
      findings.push({
        code: 'orphan-permission',
        type: grant.type,
        message: `statement ${sid} lets ${what} ${name} invoke ${grant.functionArn}, but that ${what} does not exist`,
        functionArn: grant.functionArn,
        sourceArn: source,
        statementId: sid,
      });
    } else if (!used) {
      findings.push({
        code: 'orphan-permission',
        type: grant.type,
        message: `statement ${sid} lets ${what} ${name} invoke ${grant.functionArn}, but nothing on that ${what} sends to it`,
        functionArn: grant.functionArn,
        sourceArn: source,
        statementId: sid,
      });
    }
  }
  for (const trigger of input.triggers) {
    const traits = input.push.get(trigger.type);
    if (!traits) continue;
    if (!input.policiesRead.has(trigger.functionArn)) continue;
    if (isCovered(input.grants, trigger.type, trigger.functionArn, trigger.sourceArn)) continue;
    const name = trigger.sourceName ?? nameOf(trigger.type, trigger.sourceArn);
    findings.push({
      code: 'missing-permission',
      type: trigger.type,
      message: `${traits.noun} ${name} sends to ${trigger.functionArn} (${trigger.id || 'no id'}), but the function's policy does not let ${traits.principal} invoke it from there: deliveries fail${traits.silent ? ' silently' : ''}`,
      functionArn: trigger.functionArn,
      sourceArn: trigger.sourceArn,
      triggerId: trigger.id,
    });
  }
  return findings;
}

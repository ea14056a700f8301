import { createHash } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { parseArn, qualifierOf, unqualifiedFunctionArn } from '../../core/arn.js';

// Pure logic for the Lambda resource-based policy that push sources (S3, SNS) need: evsrc's own
// deterministic statement ids, reading a GetPolicy document, deciding whether a statement that is
// already there (made by anyone) grants what we need, and the exact AddPermission input.

/** The push service a permission is for (s3, sns, eventbridge, …): part of evsrc's statement ids. */
export type PushService = string;

/** Lambda's documented limit on a function's resource-based policy, in bytes (PolicyLengthExceededException above it). */
export const LAMBDA_POLICY_SIZE_LIMIT = 20480;

/** Share of LAMBDA_POLICY_SIZE_LIMIT at which the caller should warn before the policy fills up. */
export const POLICY_SIZE_WARN_RATIO = 0.8;

/** The action evsrc grants. */
export const INVOKE_ACTION = 'lambda:InvokeFunction';

/** AddPermission StatementId limit: 1-100 characters matching ([a-zA-Z0-9-_]+) (Lambda API reference). */
export const STATEMENT_ID_MAX = 100;
const SOURCE_NAME_MAX = 64;

/** The service principal of a push service in the standard form (SNS topics in opt-in regions use sns.<region>.amazonaws.com instead). */
export function servicePrincipal(service: PushService): string {
  return `${service}.amazonaws.com`;
}

/**
 * Deterministic statement id `evsrc-<service>-<source name>-<hash8>`, within AddPermission's
 * [a-zA-Z0-9-_]{1,100}. The source name (bucket or topic) is sanitised (bucket names have dots) and
 * truncated; the hash over service, function ARN and source ARN keeps truncated names apart.
 */
export function statementId(service: PushService, functionArn: string, sourceArn: string): string {
  const hash = createHash('sha256').update(JSON.stringify([service, functionArn, sourceArn])).digest('hex').slice(0, 8);
  const name = sourceName(sourceArn)
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, SOURCE_NAME_MAX);
  // At most 6 + 3 + 1 + SOURCE_NAME_MAX + 1 + 8 = 83 characters, under STATEMENT_ID_MAX.
  return `evsrc-${service}-${name}-${hash}`;
}

/** One condition test of a statement, e.g. ArnLike / aws:SourceArn / [arn]. */
export interface PolicyCondition {
  operator: string;
  /** Condition keys are case-insensitive in IAM, so this is lower-cased (`aws:sourcearn`). */
  key: string;
  values: string[];
}

/** A policy statement read into predictable shapes, whatever form (string or list, object or string principal) it came in. */
export interface PolicyStatement {
  sid?: string;
  effect: string;
  /** Service principals such as s3.amazonaws.com. */
  servicePrincipals: string[];
  /** Account and ARN principals. */
  awsPrincipals: string[];
  /** Principal "*" (or {"AWS": "*"}). */
  anyPrincipal: boolean;
  actions: string[];
  resources: string[];
  conditions: PolicyCondition[];
}

/** What a push source needs from the function's policy. */
export interface PermissionRequest {
  /** s3.amazonaws.com, sns.amazonaws.com, or sns.<opt-in region>.amazonaws.com. */
  principal: string;
  functionArn: string;
  sourceArn: string;
  /** Asked for S3, whose bucket ARNs carry no account: a deleted bucket's name can be taken by another account. */
  sourceAccount?: string;
}

/** The input of lambda:AddPermission, in the SDK's field names. */
export interface AddPermissionInput {
  FunctionName: string;
  StatementId: string;
  Action: string;
  Principal: string;
  SourceArn: string;
  SourceAccount?: string;
  Qualifier?: string;
  RevisionId?: string;
}

/** The input of lambda:RemovePermission, in the SDK's field names. */
export interface RemovePermissionInput {
  FunctionName: string;
  StatementId: string;
  Qualifier?: string;
  RevisionId?: string;
}

/** Reads the Policy string of lambda:GetPolicy into statements; an absent policy (ResourceNotFound) is no statements. */
export function parsePolicy(policyJson: string | undefined): PolicyStatement[] {
  if (policyJson === undefined || policyJson.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(policyJson);
  } catch (error) {
    throw new Error(`the function's resource policy is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(doc)) return [];
  // IAM allows a single statement object as well as a list.
  const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  return raw.filter(isRecord).map(readStatement);
}

/**
 * True when `statement` already lets `request.principal` invoke the function from exactly `request.sourceArn`:
 * Allow, lambda:InvokeFunction (or lambda:* / *), the function (or *) as resource, every SourceArn condition
 * naming the source ARN, the SourceAccount when one is asked for, and no condition evsrc does not understand.
 * Whoever created it (console, CloudFormation, another tool) does not matter.
 */
export function isEquivalentStatement(statement: PolicyStatement, request: PermissionRequest): boolean {
  if (!grantsInvoke(statement, request.principal)) return false;
  if (statement.resources.length > 0 && !statement.resources.some((r) => r === '*' || r === request.functionArn)) return false;
  const sourceArnTests = statement.conditions.filter(isSourceArnCondition);
  // No SourceArn means any bucket/topic of that service may invoke: too broad to count as ours.
  if (sourceArnTests.length === 0) return false;
  // Condition blocks are ANDed, values within a block ORed; a wildcard pattern is not an exact match and is not reused.
  if (!sourceArnTests.every((c) => c.values.includes(request.sourceArn))) return false;
  const accountTests = statement.conditions.filter(isSourceAccountCondition);
  const account = request.sourceAccount ?? accountOf(request.sourceArn);
  // A SourceAccount asked for is needed only where the source ARN does not name the account (S3 buckets);
  // a grant on a rule or log group ARN alone already names it.
  if (request.sourceAccount !== undefined && accountTests.length === 0 && accountOf(request.sourceArn) === undefined) return false;
  if (account !== undefined && !accountTests.every((c) => c.values.includes(account))) return false;
  return statement.conditions.every((c) => isSourceArnCondition(c) || isSourceAccountCondition(c));
}

/** The first existing statement equivalent to what `request` needs, or undefined (see isEquivalentStatement). */
export function findEquivalentStatement(statements: readonly PolicyStatement[], request: PermissionRequest): PolicyStatement | undefined {
  return statements.find((statement) => isEquivalentStatement(statement, request));
}

/**
 * Allow statements that let `principal` invoke the function with no SourceArn condition at all. The Lambda API
 * reference warns that such a grant lets other accounts configure their own resources to invoke the function,
 * so the caller should warn about them; evsrc never reuses them.
 */
export function findUnscopedStatements(statements: readonly PolicyStatement[], principal: string): PolicyStatement[] {
  return statements.filter((s) => grantsInvoke(s, principal) && !s.conditions.some(isSourceArnCondition));
}

/** The statement with this Sid, if any (AddPermission fails with ResourceConflictException when the id is taken). */
export function findStatementById(statements: readonly PolicyStatement[], sid: string): PolicyStatement | undefined {
  return statements.find((s) => s.sid === sid);
}

/**
 * Input for lambda:AddPermission. A qualified function ARN is sent as the unqualified ARN plus Qualifier;
 * $LATEST is refused because Lambda does not support adding policies to version $LATEST.
 */
export function addPermissionInput(request: PermissionRequest & { statementId: string; revisionId?: string }): AddPermissionInput {
  const target = functionTarget(request.functionArn);
  const input: AddPermissionInput = {
    FunctionName: target.functionName,
    StatementId: request.statementId,
    Action: INVOKE_ACTION,
    Principal: request.principal,
    SourceArn: request.sourceArn,
  };
  if (request.sourceAccount !== undefined) input.SourceAccount = request.sourceAccount;
  if (target.qualifier !== undefined) input.Qualifier = target.qualifier;
  if (request.revisionId !== undefined) input.RevisionId = request.revisionId;
  return input;
}

/** Input for lambda:RemovePermission of one statement, qualified the same way as addPermissionInput. */
export function removePermissionInput(functionArn: string, sid: string, revisionId?: string): RemovePermissionInput {
  const target = functionTarget(functionArn);
  const input: RemovePermissionInput = { FunctionName: target.functionName, StatementId: sid };
  if (target.qualifier !== undefined) input.Qualifier = target.qualifier;
  if (revisionId !== undefined) input.RevisionId = revisionId;
  return input;
}

/**
 * Service principal → source ARNs its Allow statements name in SourceArn conditions, sorted and unique.
 * There is no API listing which buckets or topics invoke a function, so `evsrc list` starts from this.
 */
export function sourceArnsByService(statements: readonly PolicyStatement[]): Record<string, string[]> {
  const found = new Map<string, Set<string>>();
  for (const statement of statements) {
    if (statement.effect !== 'Allow') continue;
    const arns = statement.conditions.filter(isSourceArnCondition).flatMap((c) => c.values);
    if (arns.length === 0) continue;
    for (const principal of statement.servicePrincipals) {
      const set = found.get(principal) ?? new Set<string>();
      for (const arn of arns) set.add(arn);
      found.set(principal, set);
    }
  }
  return Object.fromEntries([...found.keys()].sort().map((principal) => [principal, [...(found.get(principal) ?? [])].sort()]));
}

/** Size of a policy document in UTF-8 bytes, the unit of LAMBDA_POLICY_SIZE_LIMIT; 0 when there is none. */
export function policySize(policyJson: string | undefined): number {
  return policyJson === undefined ? 0 : Buffer.byteLength(policyJson, 'utf8');
}

/** True when the policy has reached `ratio` (default 80%) of Lambda's 20480-byte limit. */
export function policyNearLimit(policyJson: string | undefined, ratio = POLICY_SIZE_WARN_RATIO): boolean {
  return policySize(policyJson) >= LAMBDA_POLICY_SIZE_LIMIT * ratio;
}

// --- helpers -------------------------------------------------------------------------------------

// Lambda writes the SourceArn test as ArnLike (the API reference says StringLike); other tools and people use
// ArnEquals or StringEquals. All four compare equal strings equal, which is all evsrc relies on.
const SOURCE_ARN_OPERATORS = new Set(['ArnLike', 'ArnEquals', 'StringLike', 'StringEquals']);
const SOURCE_ACCOUNT_OPERATORS = new Set(['StringEquals', 'StringLike']);

/** Reads one raw statement object. */
function readStatement(raw: Record<string, unknown>): PolicyStatement {
  const statement: PolicyStatement = {
    effect: typeof raw.Effect === 'string' ? raw.Effect : '',
    servicePrincipals: [],
    awsPrincipals: [],
    anyPrincipal: false,
    actions: stringList(raw.Action),
    resources: stringList(raw.Resource),
    conditions: [],
  };
  if (typeof raw.Sid === 'string') statement.sid = raw.Sid;
  const principal = raw.Principal;
  if (typeof principal === 'string') {
    if (principal === '*') statement.anyPrincipal = true;
    else if (looksLikeServicePrincipal(principal)) statement.servicePrincipals.push(principal);
    else statement.awsPrincipals.push(principal);
  } else if (isRecord(principal)) {
    statement.servicePrincipals.push(...stringList(principal.Service));
    for (const aws of stringList(principal.AWS)) {
      if (aws === '*') statement.anyPrincipal = true;
      else statement.awsPrincipals.push(aws);
    }
  }
  if (isRecord(raw.Condition)) {
    for (const [operator, tests] of Object.entries(raw.Condition)) {
      if (!isRecord(tests)) continue;
      for (const [key, values] of Object.entries(tests)) {
        statement.conditions.push({ operator, key: key.toLowerCase(), values: stringList(values) });
      }
    }
  }
  return statement;
}

/** Allow + the principal (service names compare case-insensitively) + an action that covers InvokeFunction. */
function grantsInvoke(statement: PolicyStatement, principal: string): boolean {
  if (statement.effect !== 'Allow') return false;
  const wanted = principal.toLowerCase();
  if (!statement.servicePrincipals.some((p) => p.toLowerCase() === wanted)) return false;
  // IAM action names are case-insensitive.
  return statement.actions.some((a) => ['lambda:invokefunction', 'lambda:*', '*'].includes(a.toLowerCase()));
}

function isSourceArnCondition(c: PolicyCondition): boolean {
  return c.key === 'aws:sourcearn' && SOURCE_ARN_OPERATORS.has(c.operator);
}

function isSourceAccountCondition(c: PolicyCondition): boolean {
  return c.key === 'aws:sourceaccount' && SOURCE_ACCOUNT_OPERATORS.has(c.operator);
}

/** The account in an ARN's account field (SNS topics have one, S3 buckets do not). */
function accountOf(arn: string): string | undefined {
  const account = parseArn(arn)?.account;
  return account ? account : undefined;
}

/** Bucket or topic name from a source ARN (the last resource segment), or the text itself when it is not an ARN. */
function sourceName(sourceArn: string): string {
  const parsed = parseArn(sourceArn);
  if (!parsed) return sourceArn;
  return parsed.resource.split(/[:/]/).filter((part) => part !== '' && part !== '*').at(-1) ?? parsed.resource;
}

/** Splits a function ARN into what AddPermission/RemovePermission take. */
function functionTarget(functionArn: string): { functionName: string; qualifier?: string } {
  const qualifier = qualifierOf(functionArn);
  if (qualifier === '$LATEST') {
    throw new UsageError(
      `${functionArn}: Lambda does not support adding policies to version $LATEST; name the function without a qualifier, or an alias or published version`,
    );
  }
  return qualifier === undefined ? { functionName: functionArn } : { functionName: unqualifiedFunctionArn(functionArn), qualifier };
}

function looksLikeServicePrincipal(principal: string): boolean {
  return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/i.test(principal);
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

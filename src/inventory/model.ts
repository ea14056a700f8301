import { parseArn, qualifierOf, unqualifiedFunctionArn } from '../core/arn.js';
import type { TriggerView } from '../sources/contract.js';


// What `evsrc list` produces: the triggers found and the problems flagged, plus the small pure
// helpers that read a source's kind and name from its ARN. No SDK imports.

/** The kinds of problem `list` flags (what `list --fail-on` takes). */
export const FINDING_CODES = [
  /** A permission lets a bucket or topic invoke the function, but nothing on that source does. */
  'orphan-permission',
  /** An S3 or SNS trigger exists but the function's policy does not let the source invoke it. */
  'missing-permission',
  /** A permission lets any bucket or topic invoke the function (no SourceArn): evsrc cannot tell which. */
  'unscoped-permission',
  /** Lambda (not a user) disabled the mapping. */
  'disabled-by-lambda',
  /** The mapping reports a processing problem (LastProcessingResult PROBLEM: …). */
  'mapping-problem',
  /** The mapping's queue, table or stream no longer exists. */
  'source-missing',
  /** A DynamoDB mapping reads a stream that is no longer the table's current stream. */
  'stale-stream',
  /** A bucket notification or subscription sends to a function that does not exist. */
  'function-missing',
  /** An SNS subscription is still pending confirmation. */
  'pending-subscription',
  /** A source could not be read (access denied, other region). */
  'unreadable-source',
] as const;

/** One of FINDING_CODES. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** One problem `list` flags; `triggerId` or `statementId` says what it is about. */
export interface Finding {
  code: FindingCode;
  /** The trigger type the finding is about (`list --type` filters on it). */
  type?: string;
  message: string;
  functionArn: string;
  sourceArn?: string;
  triggerId?: string;
  statementId?: string;
}

/** The result of `evsrc list`. */
export interface Inventory {
  /** One function (with --function) or the whole region. */
  scope: 'function' | 'region';
  region: string;
  /** The functions looked at (unqualified ARNs). */
  functions: string[];
  triggers: TriggerView[];
  warnings: Finding[];
  /** Whether function policies were read (orphaned and missing permissions checked). */
  permissionsChecked: boolean;
}

/** The short name of a source: queue, table, stream (consumer ARNs give the stream), bucket or topic. */
export function sourceNameOfArn(sourceArn: string): string {
  // A self-managed Kafka cluster has no ARN; evsrc keys it by its bootstrap servers.
  if (sourceArn.startsWith('kafka-bootstrap-servers:')) return sourceArn.slice('kafka-bootstrap-servers:'.length);
  const arn = parseArn(sourceArn);
  if (!arn) return sourceArn;
  if (arn.service === 'dynamodb' || arn.service === 'kinesis' || arn.service === 'kafka') return arn.resource.split('/')[1] ?? arn.resource;
  // Amazon MQ: broker:<name>:<id>; DocumentDB (the RDS namespace): cluster:<name>.
  if (arn.service === 'mq' || arn.service === 'rds') return arn.resource.split(':')[1] ?? arn.resource;
  return arn.resource.split(':')[0] ?? arn.resource;
}

/** A function as `list` and `remove` match triggers against it. */
export interface FunctionTarget {
  unqualifiedArn: string;
  /** Only this alias or version, when the user named one. */
  qualifier?: string;
}

/** True when a trigger's function ARN is the target (any qualifier of it, unless the target names one). */
export function belongsTo(functionArn: string, target: FunctionTarget): boolean {
  if (unqualifiedFunctionArn(functionArn) !== target.unqualifiedArn) return false;
  return target.qualifier === undefined || qualifierOf(functionArn) === target.qualifier;
}


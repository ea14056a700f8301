import { parseArn } from '../../core/arn.js';
import type { Grant } from '../../mechanisms/permission/grants.js';
import type { PushTraits, SourceSpec, TypeSpec } from '../contract.js';

// The CloudWatch Logs type as --help and the registry see it; the implementation is index.ts.

/** The principal CloudWatch Logs invokes functions as (the current CloudWatch Logs User Guide uses it). */
export const LOGS_PRINCIPAL = 'logs.amazonaws.com';

/** PutSubscriptionFilter filterPattern: 0-1024 characters (API reference; empty matches every event). */
export const FILTER_PATTERN_MAX = 1024;

/** The log group name of a log group ARN (with or without `:*`), or undefined for other ARNs. */
export function logGroupNameOfArn(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'logs' || !parsed.resource.startsWith('log-group:')) return undefined;
  const name = parsed.resource.slice('log-group:'.length).split(':')[0];
  return name ? name : undefined;
}

/** The flags of `evsrc add logs`. */
export const logsSpec: SourceSpec = {
  type: 'logs',
  argument: '<log-group>',
  argumentDescription: "log group name (in the function's region) or log group ARN",
  summary: 'Send a CloudWatch Logs log group to a Lambda function (subscription filter + invoke permission)',
  options: [
    { flags: '--filter-pattern <pattern>', description: `CloudWatch Logs filter pattern, at most ${FILTER_PATTERN_MAX} characters (default: a new filter takes every log event, an existing one keeps its pattern)` },
    { flags: '--filter-name <name>', description: 'subscription filter name (default: the filter that already sends to the function, else evsrc-<function>-<hash>)' },
  ],
  examples: [
    'evsrc add logs /aws/lambda/orders --function ship-logs',
    'evsrc add logs /app/api --function alerts --filter-pattern \'{ $.level = "ERROR" }\'',
    "evsrc add logs 'arn:aws:logs:eu-west-1:123456789012:log-group:/app/api:*' --function audit --filter-name audit",
  ],
  removeOptions: [{ flags: '--filter-name <name>', description: 'remove only this subscription filter (default: every filter of the group that sends to the function)' }],
  removeExamples: ['evsrc remove logs /app/api --function ship-logs --dry-run'],
};

const push: PushTraits = {
  principal: LOGS_PRINCIPAL,
  noun: 'log group',
  // Older docs and many tools grant logs.<region>.amazonaws.com; the current docs use logs.amazonaws.com.
  matchesPrincipal: (p) => {
    const lower = p.toLowerCase();
    return lower === LOGS_PRINCIPAL || /^logs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(lower);
  },
  nameOf: (arn) => logGroupNameOfArn(arn) ?? arn,
  exactSource: logGroupOfGrant,
};

/** The one log group a grant names: a single log group ARN whose only `*` is the trailing `:*` of the format. */
export function logGroupOfGrant(grant: Grant): string | undefined {
  const [only, ...rest] = grant.sourceArns;
  if (only === undefined || rest.length > 0) return undefined;
  return /^arn:[^:*?]+:logs:[^:*?]+:\d{12}:log-group:[.\-_/#A-Za-z0-9]+(:\*)?$/.test(only) ? only : undefined;
}

/** The CloudWatch Logs type's spec: a push type whose sources are log group ARNs. */
export const logsTypeSpec: TypeSpec & { push: PushTraits } = {
  spec: logsSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'logs' && parsed.resource.startsWith('log-group:');
  },
  push,
  services: ['logs'],
};

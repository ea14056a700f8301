import { UsageError } from './errors.js';

/** The six parts of an ARN: arn:partition:service:region:account:resource. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

const ARN_PARTS = 6;

/** An AWS account id: exactly 12 digits. */
export const ACCOUNT = /^\d{12}$/;

/** Parses an ARN string, or returns undefined when it is not one. */
export function parseArn(value: string): Arn | undefined {
  if (!value.startsWith('arn:')) return undefined;
  const parts = value.split(':');
  if (parts.length < ARN_PARTS) return undefined;
  const [, partition, service, region, account, ...rest] = parts as [string, string, string, string, string, ...string[]];
  if (!partition || !service) return undefined;
  return { partition, service, region, account, resource: rest.join(':') };
}

/** Formats ARN parts back into a string. */
export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;
}

/** The partition that holds a region (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** How the user named an SQS queue, normalised. */
export type QueueRef =
  | { kind: 'name'; name: string }
  | { kind: 'url'; url: string; name: string; account?: string; region?: string }
  | { kind: 'arn'; arn: string; name: string; region: string; account: string };

// SQS queue names: 1-80 characters, alphanumerics, hyphens and underscores; FIFO names end in ".fifo".
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** Parses a queue name, queue URL or queue ARN; throws a UsageError naming `label` otherwise. */
export function parseQueueRef(value: string, label = '<queue>'): QueueRef {
  const arn = parseArn(value);
  if (arn) {
    if (arn.service !== 'sqs' || !QUEUE_NAME.test(arn.resource) || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue-name>)`);
    }
    return { kind: 'arn', arn: value, name: arn.resource, region: arn.region, account: arn.account };
  }
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not a valid queue URL`);
    }
    // A queue URL is <scheme>://<host>/<12-digit account>/<queue-name>, nothing before or after.
    const segments = url.pathname.split('/').filter(Boolean);
    const [account, name] = segments;
    const shape = `(https://sqs.<region>.amazonaws.com/<account>/<queue-name>)`;
    if (segments.length !== 2 || !account || !ACCOUNT.test(account) || !name || !QUEUE_NAME.test(name) || url.search || url.hash || url.username) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not a queue URL ${shape}`);
    }
    const ref: QueueRef = { kind: 'url', url: value, name, account };
    // sqs.<region>.amazonaws.com (and .com.cn), or the legacy <region>.queue.amazonaws.com.
    const host = url.hostname.toLowerCase();
    const region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
    if (region) ref.region = region;
    return ref;
  }
  if (!QUEUE_NAME.test(value)) {
    throw new UsageError(
      `${label}: ${JSON.stringify(value)} is not a queue name, URL or ARN (names are 1-80 letters, digits, - and _, FIFO names end in .fifo)`,
    );
  }
  return { kind: 'name', name: value };
}

/** How the user named a Lambda function, normalised. */
export interface FunctionRef {
  /** What to send as FunctionName: the user's text without its qualifier. */
  name: string;
  /** Alias or version, when the user named one. */
  qualifier?: string;
  /** Region from an ARN, when the user gave one. */
  region?: string;
  /** Account from an ARN or partial ARN. */
  account?: string;
}

// Function names: 1-64 letters, digits, hyphens, underscores. Qualifiers: $LATEST, a version number or an alias.
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[0-9]+|[A-Za-z0-9_-]{1,128})$/;

/** Parses a function name, name:qualifier, full or partial ARN; throws a UsageError naming --function otherwise. */
export function parseFunctionRef(value: string, flag = '--function'): FunctionRef {
  const bad = (why: string) =>
    new UsageError(
      `${flag}: ${JSON.stringify(value)} ${why}; give a function name, name:alias, name:version, an ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]) or a partial ARN (<account>:function:<name>)`,
    );
  if (!value) throw bad('is empty');
  let account: string | undefined;
  let region: string | undefined;
  let rest: string;
  const arn = parseArn(value);
  if (arn) {
    if (arn.service !== 'lambda' || !arn.resource.startsWith('function:')) throw bad('is not a Lambda function ARN');
    if (!ACCOUNT.test(arn.account)) throw bad(`has a malformed account ${JSON.stringify(arn.account)} (accounts are 12 digits)`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(arn.region)) throw bad(`has a malformed region ${JSON.stringify(arn.region)}`);
    region = arn.region;
    account = arn.account;
    rest = arn.resource.slice('function:'.length);
  } else if (/^\d{12}:function:/.test(value)) {
    account = value.slice(0, 12);
    rest = value.slice('123456789012:function:'.length);
  } else {
    rest = value;
  }
  const [name, qualifier, ...extra] = rest.split(':');
  if (extra.length > 0 || !name || !FUNCTION_NAME.test(name)) throw bad('is not a valid function name');
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) throw bad(`has an invalid qualifier ${JSON.stringify(qualifier)}`);
  // Keep the account of a full or partial ARN in what is sent: a bare name would resolve in the caller's account.
  const sent = arn ? `arn:${arn.partition}:lambda:${arn.region}:${arn.account}:function:${name}` : account ? `${account}:function:${name}` : name;
  const ref: FunctionRef = { name: sent };
  if (qualifier !== undefined) ref.qualifier = qualifier;
  if (region) ref.region = region;
  if (account) ref.account = account;
  return ref;
}

/** The short name of a function from its ARN or name (no qualifier). */
export function functionNameOf(functionArnOrName: string): string {
  const arn = parseArn(functionArnOrName);
  const rest = arn ? arn.resource.replace(/^function:/, '') : functionArnOrName;
  return rest.split(':')[0] ?? rest;
}

/** Strips an alias or version from a function ARN. */
export function unqualifiedFunctionArn(functionArn: string): string {
  const arn = parseArn(functionArn);
  if (!arn) return functionArn;
  const name = functionNameOf(functionArn);
  return formatArn({ ...arn, resource: `function:${name}` });
}

/** The qualifier of a function ARN, if it has one. */
export function qualifierOf(functionArn: string): string | undefined {
  const arn = parseArn(functionArn);
  if (!arn) return undefined;
  return arn.resource.split(':')[2];
}

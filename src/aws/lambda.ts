import type { EventSourceMappingConfiguration, FunctionConfiguration } from '@aws-sdk/client-lambda';
import { partitionOf, unqualifiedFunctionArn, type FunctionRef } from '../core/arn.js';
import { NotFoundError } from '../core/errors.js';
import { isAwsError } from './errors.js';
import type { AwsSession } from './session.js';

/** A Lambda function as evsrc needs it: its ARN (qualified when the user named a qualifier) and configuration. */
export interface ResolvedFunction {
  arn: string;
  unqualifiedArn: string;
  name: string;
  qualifier?: string;
  region: string;
  account: string;
  timeout: number;
  role?: string;
}

/** Resolves a function reference with one GetFunctionConfiguration call; a missing function is exit 3. */
export async function resolveFunction(aws: AwsSession, ref: FunctionRef): Promise<ResolvedFunction> {
  // A partial ARN (account:function:name) becomes a full one in the session's region: the same function for AWS.
  const partial = /^(\d{12}):function:(.+)$/.exec(ref.name);
  let functionName = ref.name;
  if (partial) {
    const region = await aws.region();
    functionName = `arn:${partitionOf(region)}:lambda:${region}:${partial[1]}:function:${partial[2]}`;
  }
  const input: Record<string, string> = { FunctionName: functionName };
  if (ref.qualifier) input.Qualifier = ref.qualifier;
  let config: FunctionConfiguration;
  try {
    config = await aws.call<FunctionConfiguration>('lambda', 'GetFunctionConfiguration', input, { region: ref.region });
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      const shown = ref.qualifier ? `${ref.name}:${ref.qualifier}` : ref.name;
      throw new NotFoundError(`function ${shown} not found in ${ref.region ?? (await aws.region())}`, {
        awsErrorName: 'ResourceNotFoundException',
        hint: 'check --function and --region (aws lambda list-functions lists the functions of a region)',
      });
    }
    throw error;
  }
  const unqualifiedArn = unqualifiedFunctionArn(config.FunctionArn ?? '');
  const parts = unqualifiedArn.split(':');
  // An ARN names an account; never settle for a same-named function in another one.
  if (ref.account && parts[4] && parts[4] !== ref.account) {
    throw new NotFoundError(`function ${ref.name} not found: AWS answered with ${unqualifiedArn}, in account ${parts[4]}`, {
      hint: 'give the function ARN of the account it lives in, with credentials that can read it',
    });
  }
  const resolved: ResolvedFunction = {
    arn: ref.qualifier ? `${unqualifiedArn}:${ref.qualifier}` : unqualifiedArn,
    unqualifiedArn,
    name: config.FunctionName ?? parts[6] ?? ref.name,
    region: parts[3] ?? '',
    account: parts[4] ?? '',
    timeout: config.Timeout ?? 3,
  };
  if (ref.qualifier) resolved.qualifier = ref.qualifier;
  if (config.Role) resolved.role = config.Role;
  return resolved;
}

/** Every event source mapping that reads `sourceArn` (all pages). */
export function listMappingsForSource(aws: AwsSession, sourceArn: string, region?: string): Promise<EventSourceMappingConfiguration[]> {
  return aws.paginate<EventSourceMappingConfiguration>(
    'lambda',
    'ListEventSourceMappings',
    { EventSourceArn: sourceArn, MaxItems: 100 },
    { inputToken: 'Marker', outputToken: 'NextMarker', items: 'EventSourceMappings' },
    { region },
  );
}

/** Reads one mapping by UUID; undefined when it does not exist (any more). */
export async function getMapping(aws: AwsSession, uuid: string, region?: string): Promise<EventSourceMappingConfiguration | undefined> {
  try {
    return await aws.call<EventSourceMappingConfiguration>('lambda', 'GetEventSourceMapping', { UUID: uuid }, { region });
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/**
 * Every mapping of a function (all pages), matched on FunctionArn. Asks by the function's ARN first and,
 * when nothing comes back, by its name: some emulators filter on the exact string used at creation.
 */
export async function listMappingsForFunction(aws: AwsSession, fn: ResolvedFunction): Promise<EventSourceMappingConfiguration[]> {
  const list = (name: string) =>
    aws.paginate<EventSourceMappingConfiguration>(
      'lambda',
      'ListEventSourceMappings',
      { FunctionName: name, MaxItems: 100 },
      { inputToken: 'Marker', outputToken: 'NextMarker', items: 'EventSourceMappings' },
      { region: fn.region || undefined },
    );
  let found = await list(fn.arn);
  if (found.length === 0) found = await list(fn.qualifier ? `${fn.name}:${fn.qualifier}` : fn.name);
  return found.filter((m) => m.FunctionArn === fn.arn);
}

import { isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn, partitionOf } from '../../core/arn.js';
import type { TriggerView } from '../contract.js';
import { logGroupNameOfArn } from './spec.js';

export { logGroupNameOfArn } from './spec.js';

// CloudWatch Logs for `add`, `list` and `remove`: log group ARNs and names, a group's subscription filters.

/** A subscription filter as DescribeSubscriptionFilters returns it. */
export interface SubscriptionFilter {
  filterName?: string;
  logGroupName?: string;
  filterPattern?: string;
  destinationArn?: string;
  roleArn?: string;
  distribution?: string;
  applyOnTransformedLogs?: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFields?: string[];
  creationTime?: number;
}

/** DescribeSubscriptionFilters / DescribeLogGroups page through `nextToken`; 50 is the most a page holds (API reference). */
export const PAGE_LIMIT = 50;
const FILTER_PAGE = { inputToken: 'nextToken', outputToken: 'nextToken', items: 'subscriptionFilters' };
const GROUP_PAGE = { inputToken: 'nextToken', outputToken: 'nextToken', items: 'logGroups' };

/**
 * The log group ARN as Lambda permissions name it: with the trailing `:*` that CloudWatch Logs sends as
 * aws:SourceArn (DescribeLogGroups' `arn`; `logGroupArn` is the same without it).
 */
export function logGroupArn(region: string, account: string, name: string): string {
  return `arn:${partitionOf(region)}:logs:${region}:${account}:log-group:${name}:*`;
}

/** A subscription filter to a function, as a trigger; `groupArn` is the log group ARN with `:*`. */
export function filterView(filter: SubscriptionFilter, groupArn: string): TriggerView {
  const settings: Record<string, unknown> = {};
  if (filter.filterPattern) settings.filterPattern = filter.filterPattern;
  settings.filterName = filter.filterName ?? '';
  return {
    type: 'logs',
    id: filter.filterName ?? '',
    sourceArn: groupArn,
    sourceName: filter.logGroupName ?? logGroupNameOfArn(groupArn) ?? groupArn,
    functionArn: filter.destinationArn ?? '',
    settings,
  };
}

/** What reading a log group's filters gave. */
export type GroupRead = { status: 'exists'; filters: SubscriptionFilter[] } | { status: 'missing' } | { status: 'unreadable'; error: string };

/** Every subscription filter of a log group (DescribeSubscriptionFilters, all pages). Throws ResourceNotFoundException for a missing group. */
export function describeFilters(aws: AwsSession, name: string, region?: string): Promise<SubscriptionFilter[]> {
  return aws.paginate<SubscriptionFilter>('logs', 'DescribeSubscriptionFilters', { logGroupName: name, limit: PAGE_LIMIT }, FILTER_PAGE, { region });
}

/** The filters of a log group; a missing group is `missing`, a refused read `unreadable`. */
export async function readGroupFilters(aws: AwsSession, name: string, region?: string): Promise<GroupRead> {
  try {
    return { status: 'exists', filters: await describeFilters(aws, name, region) };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return { status: 'missing' };
    if (isAwsError(error, 'AccessDeniedException')) return { status: 'unreadable', error: (error as Error).name };
    throw error;
  }
}

/** A log group as DescribeLogGroups returns it. */
export interface LogGroup {
  logGroupName?: string;
  /** With the trailing `:*`. */
  arn?: string;
  logGroupArn?: string;
}

/** Every log group of the region (DescribeLogGroups, 50 a page), or those whose name starts with `prefix`. */
export function listLogGroups(aws: AwsSession, region?: string, prefix?: string): Promise<LogGroup[]> {
  const input: Record<string, unknown> = { limit: PAGE_LIMIT };
  if (prefix) input.logGroupNamePrefix = prefix;
  return aws.paginate<LogGroup>('logs', 'DescribeLogGroups', input, GROUP_PAGE, { region });
}

/**
 * The log group name prefix a wildcard grant covers: `log-group:/aws/lambda/*` covers the groups whose name
 * starts with `/aws/lambda/`; `log-group:*`, another pattern, or no SourceArn at all covers every group ('').
 * Undefined when the grant names another account or region (those groups cannot send to the function).
 */
export function wildcardPrefix(sourceArn: string | undefined, region: string, account: string): string | undefined {
  if (sourceArn === undefined) return '';
  const parsed = parseArn(sourceArn);
  if (!parsed || parsed.service !== 'logs') return undefined;
  if (!/^[*?]*$/.test(parsed.region) && parsed.region !== region) return undefined;
  if (!/^[*?]*$/.test(parsed.account) && parsed.account !== account) return undefined;
  if (!parsed.resource.startsWith('log-group:')) return '';
  const name = parsed.resource.slice('log-group:'.length);
  const cut = name.search(/[*?]/);
  return cut < 0 ? name.split(':')[0] ?? '' : name.slice(0, cut);
}

/** True when a destination ARN is a Lambda function (subscription filters also send to Kinesis, Firehose, OpenSearch, logical destinations). */
export function isFunctionArn(arn: string | undefined): boolean {
  const parsed = parseArn(arn ?? '');
  return parsed?.service === 'lambda' && parsed.resource.startsWith('function:');
}

/** CloudWatch Logs resources made directly through the AWS SDK (not through evsrc) for integration tests. */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig } from './fixtures.js';

async function withLogs<T>(endpoint: string, region: string, fn: (logs: CloudWatchLogsClient) => Promise<T>): Promise<T> {
  const logs = new CloudWatchLogsClient(clientConfig(endpoint, region));
  try {
    return await fn(logs);
  } finally {
    logs.destroy();
  }
}

/** Creates a log group and returns its ARN with the trailing `:*` (as Lambda permissions name it). */
export async function createLogGroup(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  await withLogs(endpoint, region, (logs) => logs.send(new CreateLogGroupCommand({ logGroupName: name })));
  return `arn:aws:logs:${region}:123456789012:log-group:${name}:*`;
}

/** A subscription filter as the tests look at it. */
export interface FilterState {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
}

/** The subscription filters of a log group, sorted by name. */
export async function filtersOf(endpoint: string, group: string, region = 'us-east-1'): Promise<FilterState[]> {
  const out = await withLogs(endpoint, region, (logs) => logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: group })));
  return (out.subscriptionFilters ?? [])
    .map((f) => ({ filterName: f.filterName ?? '', filterPattern: f.filterPattern ?? '', destinationArn: f.destinationArn ?? '' }))
    .sort((a, b) => a.filterName.localeCompare(b.filterName));
}

/** Puts a subscription filter directly (a filter "made elsewhere"). */
export async function putFilter(endpoint: string, group: string, filterName: string, destinationArn: string, filterPattern = '', region = 'us-east-1'): Promise<void> {
  await withLogs(endpoint, region, (logs) => logs.send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName, filterPattern, destinationArn })));
}

/** Deletes a subscription filter directly (by hand, behind evsrc's back). */
export async function deleteFilter(endpoint: string, group: string, filterName: string, region = 'us-east-1'): Promise<void> {
  await withLogs(endpoint, region, (logs) => logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: group, filterName })));
}

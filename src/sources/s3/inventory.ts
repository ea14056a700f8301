import { awsErrorName, isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { entryFilter, toNotificationConfiguration, type NotificationConfiguration } from './notifications.js';
import type { TriggerView } from '../contract.js';

// S3 for `list` and `remove`: a bucket's notification configuration read, its Lambda entries shown as
// triggers, and the buckets of a region.

/** The ARN of a bucket (S3 ARNs carry no region or account). */
export function bucketArn(bucket: string, partition = 'aws'): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** The bucket named by a bucket ARN or name. */
export function bucketNameOf(value: string): string {
  const match = /^arn:[^:]+:s3:::([^/]+)$/.exec(value);
  return match ? (match[1] as string) : value;
}

/** The Lambda entries of a bucket's configuration as triggers (every function; the caller filters). */
export function s3Triggers(bucket: string, config: NotificationConfiguration, partition = 'aws'): TriggerView[] {
  return (config.LambdaFunctionConfigurations ?? []).map((entry) => {
    const filter = entryFilter(entry);
    const settings: Record<string, unknown> = { events: [...(entry.Events ?? [])] };
    if (filter.prefix !== undefined) settings.prefix = filter.prefix;
    if (filter.suffix !== undefined) settings.suffix = filter.suffix;
    return { type: 's3', id: entry.Id ?? '', sourceArn: bucketArn(bucket, partition), sourceName: bucket, functionArn: entry.LambdaFunctionArn, settings };
  });
}

/** What reading a bucket's notification configuration gave. */
export type BucketRead =
  | { status: 'exists'; config: NotificationConfiguration }
  | { status: 'missing' }
  | { status: 'unreadable'; error: string };

/** GetBucketNotificationConfiguration; NoSuchBucket is `missing`, access denied and redirects are `unreadable`. */
export async function readNotifications(aws: AwsSession, bucket: string, region?: string): Promise<BucketRead> {
  try {
    const out = await aws.call<object>('s3', 'GetBucketNotificationConfiguration', { Bucket: bucket }, { region });
    return { status: 'exists', config: toNotificationConfiguration(out) };
  } catch (error) {
    if (isAwsError(error, 'NoSuchBucket')) return { status: 'missing' };
    if (isAwsError(error, 'AccessDenied', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException')) {
      return { status: 'unreadable', error: awsErrorName(error) };
    }
    throw error;
  }
}

/** The region of a bucket from GetBucketLocation (an empty LocationConstraint means us-east-1, "EU" eu-west-1). */
export async function bucketRegion(aws: AwsSession, bucket: string): Promise<string | undefined> {
  try {
    const out = await aws.call<{ LocationConstraint?: string }>('s3', 'GetBucketLocation', { Bucket: bucket });
    const c = out.LocationConstraint;
    if (!c) return 'us-east-1';
    return c === 'EU' ? 'eu-west-1' : c;
  } catch (error) {
    if (isAwsError(error, 'NoSuchBucket', 'AccessDenied')) return undefined;
    throw error;
  }
}

/**
 * The account's buckets in `region`. ListBuckets is asked for that region only (BucketRegion) and paged
 * (ContinuationToken; AWS requires paging above 10,000 buckets); buckets whose entry does not say its
 * region (emulators) get one GetBucketLocation each, so a server that ignores the filter is still right.
 */
export async function listRegionBuckets(
  aws: AwsSession,
  region: string,
  each: <T, R>(items: readonly T[], fn: (item: T) => Promise<R>) => Promise<R[]>,
): Promise<string[]> {
  const buckets = await aws.paginate<{ Name?: string; BucketRegion?: string }>(
    's3',
    'ListBuckets',
    { BucketRegion: region, MaxBuckets: 1000 },
    { inputToken: 'ContinuationToken', outputToken: 'ContinuationToken', items: 'Buckets' },
  );
  const regions = await each(buckets, async (b) => (b.BucketRegion ? b.BucketRegion : b.Name ? await bucketRegion(aws, b.Name) : undefined));
  return buckets.filter((b, i) => b.Name && regions[i] === region).map((b) => b.Name as string);
}

/**
 * The flags mapping types share, as data: what --help and argument parsing need, with nothing of the
 * checks or the planning (mapping-options.ts, streams.ts), so that a type's spec loads without them.
 */
import type { OptionSpec } from '../../sources/contract.js';

/**
 * SQS provisioned mode: MinimumPollers 2-200 (default 2, "minimum 2 required" for SQS); MaximumPollers
 * 2-10000 for SQS (default 200). Older API models and CDK say at most 2000; above that evsrc warns.
 */
export const SQS_POLLERS = { min: { low: 2, high: 200 }, max: { low: 2, high: 10000 }, olderMax: 2000 } as const;

/**
 * Kafka provisioned mode (Amazon MSK and self-managed Apache Kafka): MinimumPollers 1-200 (default 1);
 * MaximumPollers 1-2000 (default 200).
 */
export const KAFKA_POLLERS = { min: { low: 1, high: 200 }, max: { low: 1, high: 2000 }, olderMax: 2000 } as const;

/** Which provisioned mode a source takes: none, SQS's, or Kafka's (their ranges and defaults differ). */
export type PollerKind = false | 'sqs' | 'kafka';

/** The poller ranges of a provisioned mode, its name in messages and its default minimum. */
export const pollerRanges = (kind: PollerKind) => (kind === 'kafka' ? { ...KAFKA_POLLERS, name: 'Kafka', min0: 1 } : { ...SQS_POLLERS, name: 'SQS', min0: 2 });

/** The switches every mapping source takes the same way: filters off, partial batch failures, enabled state. */
export function mappingSwitchSpecs(): OptionSpec[] {
  return [
    { flags: '--no-filter', description: 'remove all filters from an existing mapping' },
    { flags: '--report-batch-item-failures', description: 'let the function report partial batch failures' },
    { flags: '--no-report-batch-item-failures', description: 'turn partial batch failure reporting off' },
    { flags: '--disabled', description: 'create or set the mapping disabled' },
    { flags: '--enabled', description: 'enable a disabled mapping' },
  ];
}

// MetricsConfig.Metrics, from the Lambda API 2015-03-31 (@aws-sdk/client-lambda 3.1162, EventSourceMappingMetricsConfig).
/** MetricsConfig.Metrics values, and the sources that may ask each. */
export const MAPPING_METRICS = {
  /** "EventCount to receive metrics related to the number of events processed": every mapping source. */
  EventCount: 'all',
  /** "ErrorCount (Amazon MSK and self-managed Apache Kafka)". */
  ErrorCount: 'kafka',
  /** "KafkaMetrics (Amazon MSK and self-managed Apache Kafka)". */
  KafkaMetrics: 'kafka',
} as const;

/** The flags of the shared mapping options; `pollers` only for sources that take provisioned mode ('kafka': Kafka's ranges and metrics). */
export function mappingOptionSpecs(pollers: PollerKind): OptionSpec[] {
  const kafka = pollers === 'kafka';
  const metrics = (Object.keys(MAPPING_METRICS) as (keyof typeof MAPPING_METRICS)[]).filter((m) => kafka || MAPPING_METRICS[m] === 'all');
  const specs: OptionSpec[] = [
    { flags: '--metrics <list>', description: `mapping metrics to produce, comma-separated: ${metrics.join(', ')}`, values: metrics },
    { flags: '--no-metrics', description: 'turn the mapping metrics off' },
  ];
  if (pollers) {
    const r = pollerRanges(pollers);
    specs.push(
      { flags: '--min-pollers <n>', description: `provisioned mode: minimum event pollers, ${r.min.low}-${r.min.high} (AWS default ${r.min0})` },
      { flags: '--max-pollers <n>', description: `provisioned mode: maximum event pollers, ${r.max.low}-${r.max.high} (AWS default 200)${kafka ? '' : '; not with --max-concurrency'}` },
      { flags: '--no-provisioned-pollers', description: 'turn provisioned mode off' },
    );
  } else {
    specs.push(
      { flags: '--min-pollers <n>', description: 'SQS (and Kafka) only', hidden: true },
      { flags: '--max-pollers <n>', description: 'SQS (and Kafka) only', hidden: true },
      { flags: '--no-provisioned-pollers', description: 'SQS (and Kafka) only', hidden: true },
    );
  }
  specs.push(
    { flags: '--filter-kms-key <key-arn>', description: 'customer managed KMS key (ARN) that encrypts the filter criteria' },
    { flags: '--no-filter-kms-key', description: 'encrypt the filter criteria with the AWS owned key again' },
    { flags: '--tag <key=value>', description: 'tag the mapping (repeatable); other tags are left alone', repeatable: true },
    { flags: '--no-tags', description: 'remove the tags evsrc gave the mapping (the keys recorded in its evsrc:tags tag)' },
  );
  return specs;
}

/** The two stream sources. */
export type StreamType = 'dynamodb' | 'kinesis';

/** Starting positions each source accepts (Lambda: AT_TIMESTAMP only for Kinesis among these two). */
export const STARTING_POSITIONS: Record<StreamType, readonly string[]> = {
  dynamodb: ['TRIM_HORIZON', 'LATEST'],
  kinesis: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
};

/** The mapping settings a stream mapping shows, in this order. */
export const STREAM_SETTING_KEYS = [
  'startingPosition',
  'startingPositionTimestamp',
  'batchSize',
  'batchingWindow',
  'parallelization',
  'retryAttempts',
  'maxRecordAge',
  'bisectOnError',
  'tumblingWindow',
  'onFailure',
  'filters',
  'reportBatchItemFailures',
  'metrics',
  'filterKmsKey',
  'enabled',
] as const;

/** The flags both stream commands take, worded for `type`. */
export function streamOptionSpecs(type: StreamType): OptionSpec[] {
  const positions = STARTING_POSITIONS[type].join('|');
  const filterExample = type === 'dynamodb' ? '{"eventName":["INSERT"]}' : '{"data":{"kind":["order"]}}';
  const specs: OptionSpec[] = [
    { flags: '--starting-position <position>', description: `where to start reading (required): ${positions}`, values: STARTING_POSITIONS[type] },
  ];
  if (type === 'kinesis') {
    specs.push({
      flags: '--starting-position-timestamp <time>',
      description: 'with AT_TIMESTAMP: ISO-8601 time or unix seconds, not in the future',
    });
  } else {
    specs.push({ flags: '--starting-position-timestamp <time>', description: 'not valid for DynamoDB', hidden: true });
  }
  specs.push(
    { flags: '--batch-size <n>', description: 'records per batch: 1-10000 (AWS default 100)' },
    { flags: '--batching-window <seconds>', description: 'seconds to gather records before invoking: 0-300' },
    { flags: '--parallelization <n>', description: 'batches processed per shard at once: 1-10' },
    { flags: '--retry-attempts <n>', description: 'retries of a failed batch: -1 (until the record expires) or 0-10000' },
    { flags: '--max-record-age <seconds>', description: 'discard older records: -1 (never) or 60-604800' },
    { flags: '--bisect-on-error', description: 'split a failed batch in two and retry each half' },
    { flags: '--no-bisect-on-error', description: 'stop splitting failed batches' },
    { flags: '--tumbling-window <seconds>', description: 'aggregation window: 0 (off) to 900' },
    {
      flags: '--on-failure <destination>',
      description: 'where discarded batches go: an SQS queue (name, URL or ARN), sns:<topic>, s3:<bucket>, or an SNS/S3 ARN',
    },
    { flags: '--filter <json|@file>', description: `Lambda filter pattern, e.g. '${filterExample}' (repeatable)`, repeatable: true },
    ...mappingSwitchSpecs(),
    { flags: '--replace', description: 'delete and recreate the mapping when its starting position or source must change (settings and tags are kept)' },
    ...mappingOptionSpecs(false),
    { flags: '--max-concurrency <n>', description: 'SQS only', hidden: true },
  );
  return specs;
}


// --- Kafka (msk, kafka), and the starting positions Kafka and DocumentDB mappings take ----------------

/** What names a self-managed Kafka cluster where other mappings have an EventSourceArn: its bootstrap servers. */
export const SELF_MANAGED_KAFKA_PREFIX = 'kafka-bootstrap-servers:';

/** Starting positions of Kafka and DocumentDB mappings (Lambda API: TRIM_HORIZON, LATEST, AT_TIMESTAMP). */
export const KAFKA_STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;

/** The two Kafka sources. */
export type KafkaKind = 'msk' | 'kafka';

/** The settings a Kafka mapping shows, in this order. */
export const KAFKA_SETTING_KEYS = [
  'topic',
  'startingPosition',
  'startingPositionTimestamp',
  'consumerGroupId',
  'batchSize',
  'batchingWindow',
  'provisionedPollers',
  'retryAttempts',
  'maxRecordAge',
  'bisectOnError',
  'reportBatchItemFailures',
  'onFailure',
  'sourceAccess',
  'filters',
  'metrics',
  'filterKmsKey',
  'enabled',
] as const;

/** The flags of `add msk` / `add kafka` that are the same for both (authentication and VPC are the type's own). */
export function kafkaOptionSpecs(kind: KafkaKind): OptionSpec[] {
  return [
    { flags: '--topic <topic>', description: 'the Kafka topic to read (required; one per mapping)' },
    { flags: '--starting-position <position>', description: `where to start reading (required): ${KAFKA_STARTING_POSITIONS.join('|')}`, values: KAFKA_STARTING_POSITIONS },
    { flags: '--starting-position-timestamp <time>', description: 'with AT_TIMESTAMP: ISO-8601 time or unix seconds, not in the future' },
    { flags: '--consumer-group-id <id>', description: 'the consumer group to join: 1-200 letters, digits and -/*:_+=.@ (AWS default: the mapping UUID)' },
    { flags: '--batch-size <n>', description: 'records per batch: 1-10000 (AWS default 100)' },
    { flags: '--batching-window <seconds>', description: 'seconds to gather records before invoking: 0-300 (AWS default 500 ms, which cannot be set back once changed)' },
    { flags: '--retry-attempts <n>', description: 'provisioned mode: retries of a failed batch, -1 (until the record expires) or 0-10000' },
    { flags: '--max-record-age <seconds>', description: 'provisioned mode: discard older records, -1 (never) or 60-604800' },
    { flags: '--bisect-on-error', description: 'provisioned mode: split a failed batch in two and retry each half' },
    { flags: '--no-bisect-on-error', description: 'stop splitting failed batches' },
    {
      flags: '--on-failure <destination>',
      description: 'where discarded batches go: kafka://<topic> (same cluster), an SQS queue (name, URL or ARN), sns:<topic>, s3:<bucket>, or an SNS/S3 ARN',
    },
    { flags: '--filter <json|@file>', description: `Lambda filter pattern on the record, e.g. '{"value":{"kind":["order"]}}' (repeatable)`, repeatable: true },
    ...mappingSwitchSpecs(),
    { flags: '--replace', description: `delete and recreate the mapping when its starting position, consumer group${kind === 'kafka' ? ' or bootstrap servers' : ''} must change (settings and tags are kept)` },
    ...mappingOptionSpecs('kafka'),
    { flags: '--parallelization <n>', description: 'Kinesis and DynamoDB only', hidden: true },
    { flags: '--tumbling-window <seconds>', description: 'Kinesis and DynamoDB only', hidden: true },
    { flags: '--max-concurrency <n>', description: 'SQS only', hidden: true },
  ];
}


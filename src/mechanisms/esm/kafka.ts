/**
 * What `evsrc add msk` and `evsrc add kafka` share: the Kafka mapping flags and their checks, the rules
 * Lambda has for Kafka mappings, and converging one mapping per cluster, topic and function.
 *
 * Lambda API 2015-03-31 and the Lambda developer guide (Amazon MSK and self-managed Apache Kafka): one topic
 * per mapping; StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP, create-only; a consumer group id of
 * 1-200 characters, create-only; batch size 1-10000 (default 100); batching window 0-300 s (default 500 ms);
 * provisioned pollers minimum 1-200, maximum 1-2000; metrics EventCount, ErrorCount, KafkaMetrics. The error
 * handling controls (retry attempts, record age, split batch on error, partial batch response) are
 * configured in provisioned mode. On failure: an SQS queue, SNS topic, S3 bucket, or `kafka://<topic>` on the
 * same cluster (not the source topic).
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { ResolvedFunction } from '../../aws/lambda.js';
import type { AwsSession } from '../../aws/session.js';
import { UsageError, invalidFlag } from '../../core/errors.js';
import type { AdapterContext, AddPlan } from '../../sources/contract.js';
import { parseChoice, parseFilters, parseIntFlag } from '../../sources/options.js';
import { KAFKA_SETTING_KEYS, KAFKA_STARTING_POSITIONS, type KafkaKind } from './flags.js';
import { parseMappingOptions } from './mapping-options.js';
import { KAFKA_DEFAULTS, KAFKA_POLLER_DEFAULTS, type EsmSettings } from './settings.js';
import {
  destinationActions,
  parseDestinationRef,
  parseTimestamp,
  planKeyedMapping,
  resolveDestination,
  type DestinationRef,
  type KeyedPlanInput,
  type ResolvedDestination,
} from './streams.js';
import { tagsAsked, type TagOptions } from './tags.js';

export { KAFKA_SETTING_KEYS, kafkaOptionSpecs, type KafkaKind } from './flags.js';

export { KAFKA_DEFAULTS } from './settings.js';

/** What AWS cannot change on a Kafka mapping (the refusal names them). */
const CREATE_ONLY = 'StartingPosition, StartingPositionTimestamp, Topics, ConsumerGroupId or the bootstrap servers';

// Kafka topic names as Lambda's Topics takes them: 1-249 characters, pattern ^[^.]([a-zA-Z0-9\-_.]+).
const TOPIC = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]{1,248}$/;
// Consumer group ids: 1-200 characters of [a-zA-Z0-9-/*:_+=.@-].
const CONSUMER_GROUP = /^[a-zA-Z0-9/*:_+=.@-]{1,200}$/;

/** Checks a Kafka topic name given to `flag`. */
export function parseTopic(flag: string, value: unknown): string {
  const text = String(value ?? '').trim();
  if (!TOPIC.test(text)) {
    throw invalidFlag(flag, value, 'allowed: a Kafka topic name of 2-249 letters, digits, ., _ and -, not starting with . (Lambda Topics pattern)');
  }
  return text;
}

/** The on-failure destination of a Kafka mapping: a Kafka topic of the same cluster, or SQS, SNS or S3. */
export type KafkaDestinationRef = DestinationRef | { kind: 'kafka'; text: string; topic: string };

/** Validated options of `add msk` and `add kafka`. */
export interface KafkaOptions {
  settings: EsmSettings;
  onFailure?: KafkaDestinationRef;
  replace: boolean;
  tags?: TagOptions;
  warnings?: string[];
}

const STREAM_ONLY = ['parallelization', 'tumblingWindow'] as const;

/** Validates the Kafka flags both sources share (pure). Authentication and VPC are added by the type. */
export function parseKafkaOptions(kind: KafkaKind, raw: Record<string, unknown>, now: Date = new Date()): KafkaOptions {
  for (const key of STREAM_ONLY) {
    if (raw[key] !== undefined) {
      const flag = key === 'parallelization' ? '--parallelization' : '--tumbling-window';
      throw invalidFlag(flag, raw[key], `not valid for ${kind}: Lambda takes it for Kinesis and DynamoDB streams only; provisioned mode (--min-pollers/--max-pollers) scales a Kafka mapping`);
    }
  }
  if (raw.maxConcurrency !== undefined) {
    throw invalidFlag('--max-concurrency', raw.maxConcurrency, `not valid for ${kind}: maximum concurrency is an SQS setting; use --max-pollers (provisioned mode) for Kafka`);
  }
  if (raw.disabled && raw.enabled) throw new UsageError('--disabled and --enabled: give one or the other, not both');
  if (raw.topic === undefined) throw new UsageError(`--topic <topic> is required for ${kind}: the one Kafka topic the mapping reads`);
  const topic = parseTopic('--topic', raw.topic);
  const settings: EsmSettings = { topic, ...parsePosition(kind, raw, now, 'what the topic still holds') };
  if (raw.consumerGroupId !== undefined) {
    const id = String(raw.consumerGroupId).trim();
    if (!CONSUMER_GROUP.test(id)) throw invalidFlag('--consumer-group-id', raw.consumerGroupId, 'allowed: 1-200 letters, digits and - / * : _ + = . @');
    settings.consumerGroupId = id;
  }
  const ints: [keyof EsmSettings, string, unknown, number, number, string][] = [
    ['batchSize', '--batch-size', raw.batchSize, 1, 10000, 'allowed: a whole number from 1 to 10000 (AWS default 100)'],
    ['batchingWindow', '--batching-window', raw.batchingWindow, 0, 300, 'allowed: whole seconds from 0 to 300'],
    ['retryAttempts', '--retry-attempts', raw.retryAttempts, -1, 10000, 'allowed: -1 (retry until the record expires, the AWS default) or a whole number from 0 to 10000'],
    ['maxRecordAge', '--max-record-age', raw.maxRecordAge, -1, 604800, 'allowed: -1 (no limit, the AWS default) or whole seconds from 60 to 604800 (7 days)'],
  ];
  for (const [key, flag, value, min, max, allowed] of ints) {
    const n = parseIntFlag(flag, value, min, max, allowed);
    if (n !== undefined) (settings as Record<string, unknown>)[key] = n;
  }
  if (settings.maxRecordAge !== undefined && settings.maxRecordAge >= 0 && settings.maxRecordAge < 60) {
    throw invalidFlag('--max-record-age', raw.maxRecordAge, 'allowed: -1 (no limit, the AWS default) or whole seconds from 60 to 604800 (7 days)');
  }
  if (typeof raw.bisectOnError === 'boolean') settings.bisectOnError = raw.bisectOnError;
  if (raw.filter === false) settings.filters = [];
  else {
    const filters = parseFilters(raw.filter, '--filter', '{"value":{"kind":["order"]}}');
    if (filters) settings.filters = filters;
  }
  if (typeof raw.reportBatchItemFailures === 'boolean') settings.reportBatchItemFailures = raw.reportBatchItemFailures;
  if (raw.disabled) settings.enabled = false;
  if (raw.enabled) settings.enabled = true;
  const shared = parseMappingOptions(kind, raw, 'kafka');
  Object.assign(settings, shared.settings);
  const options: KafkaOptions = { settings, replace: Boolean(raw.replace) };
  if (tagsAsked(shared.tags)) options.tags = shared.tags;
  if (shared.warnings.length > 0) options.warnings = shared.warnings;
  if (raw.onFailure !== undefined) options.onFailure = parseKafkaDestination(String(raw.onFailure), topic);
  return options;
}

/**
 * Parses the required `--starting-position` (TRIM_HORIZON, LATEST or AT_TIMESTAMP, the three Lambda takes for
 * Kafka and DocumentDB) and `--starting-position-timestamp` (only with AT_TIMESTAMP, not in the future).
 */
export function parsePosition(type: string, raw: Record<string, unknown>, now: Date, holds: string): Pick<EsmSettings, 'startingPosition' | 'startingPositionTimestamp'> {
  if (raw.startingPosition === undefined) {
    throw new UsageError(`--starting-position is required for ${type}: TRIM_HORIZON, LATEST or AT_TIMESTAMP (TRIM_HORIZON reads ${holds}, LATEST only new records)`);
  }
  const startingPosition = parseChoice('--starting-position', raw.startingPosition, KAFKA_STARTING_POSITIONS) as string;
  const out: Pick<EsmSettings, 'startingPosition' | 'startingPositionTimestamp'> = { startingPosition };
  if (raw.startingPositionTimestamp !== undefined) {
    if (startingPosition !== 'AT_TIMESTAMP') {
      throw invalidFlag('--starting-position-timestamp', raw.startingPositionTimestamp, `only valid with --starting-position AT_TIMESTAMP (got ${startingPosition})`);
    }
    out.startingPositionTimestamp = parseTimestamp('--starting-position-timestamp', raw.startingPositionTimestamp, now);
  } else if (startingPosition === 'AT_TIMESTAMP') {
    throw new UsageError('--starting-position AT_TIMESTAMP needs --starting-position-timestamp <ISO-8601 time or unix seconds>');
  }
  return out;
}

/** Parses `--on-failure` of a Kafka mapping: `kafka://<topic>` (not the source topic), or what streams take. */
export function parseKafkaDestination(value: string, sourceTopic: string): KafkaDestinationRef {
  const text = value.trim();
  const m = /^kafka:\/\/(.*)$/i.exec(text);
  if (!m) return parseDestinationRef(text);
  const topic = parseTopic('--on-failure', m[1]);
  if (topic === sourceTopic) {
    throw invalidFlag('--on-failure', value, `the destination topic is the source topic ${sourceTopic}; Lambda refuses it (failed records would loop): name another topic of the cluster`);
  }
  return { kind: 'kafka', text, topic };
}

/** The flags that are error handling controls, which Lambda configures for Kafka in provisioned mode. */
const PROVISIONED_ONLY: [keyof EsmSettings, string][] = [
  ['retryAttempts', '--retry-attempts'],
  ['maxRecordAge', '--max-record-age'],
  ['bisectOnError', '--bisect-on-error'],
  ['reportBatchItemFailures', '--report-batch-item-failures'],
];

/**
 * Fills in the poller bounds a Kafka mapping ends with (a bound left out keeps the mapping's, else AWS's
 * default), checks minimum ≤ maximum, and refuses error handling controls outside provisioned mode.
 */
export function planKafkaModes(asked: EsmSettings, existing: EventSourceMappingConfiguration | undefined): EsmSettings {
  const out: EsmSettings = { ...asked };
  const current = existing?.ProvisionedPollerConfig;
  const hasCurrent = current !== undefined && (current.MinimumPollers !== undefined || current.MaximumPollers !== undefined);
  if (asked.provisionedPollers) {
    const min = asked.provisionedPollers.min ?? current?.MinimumPollers ?? KAFKA_POLLER_DEFAULTS.min;
    const max = asked.provisionedPollers.max ?? current?.MaximumPollers ?? KAFKA_POLLER_DEFAULTS.max;
    if (min > max) {
      const flag = asked.provisionedPollers.min !== undefined ? '--min-pollers' : '--max-pollers';
      throw invalidFlag(flag, String(flag === '--min-pollers' ? min : max), `the minimum pollers (${min}) must not exceed the maximum (${max})`);
    }
    out.provisionedPollers = { min, max };
  }
  const provisioned = asked.provisionedPollers === undefined ? hasCurrent : asked.provisionedPollers !== null;
  if (!provisioned) {
    for (const [key, flag] of PROVISIONED_ONLY) {
      const value = asked[key];
      const on = key === 'retryAttempts' || key === 'maxRecordAge' ? value !== undefined && value !== -1 : value === true;
      if (on) {
        throw invalidFlag(flag, String(value), 'Lambda configures the error handling of a Kafka mapping in provisioned mode only: add --min-pollers and/or --max-pollers');
      }
    }
  }
  return out;
}

/** The destination ARN (or kafka:// URI) and what the execution role needs for it. */
export async function resolveKafkaDestination(aws: AwsSession, ref: KafkaDestinationRef, fn: ResolvedFunction): Promise<{ uri: string; actions?: string }> {
  if (ref.kind === 'kafka') return { uri: `kafka://${ref.topic}` };
  const d: ResolvedDestination = await resolveDestination(aws, ref, fn);
  return { uri: d.arn, actions: destinationActions(d) };
}

/** Everything planKafkaMapping needs. */
export type KafkaPlanInput = Omit<KeyedPlanInput, 'type' | 'keys' | 'defaults' | 'createOnlyNote'> & { kind: KafkaKind };

/** Converges one Kafka mapping (the error handling and poller rules first) and builds the add plan. */
export async function planKafkaMapping(ctx: AdapterContext, input: KafkaPlanInput): Promise<AddPlan> {
  const existing = input.readers.find((m) => m.FunctionArn === input.fn.arn);
  const { kind, ...rest } = input;
  return planKeyedMapping(ctx, {
    ...rest,
    type: kind,
    keys: KAFKA_SETTING_KEYS,
    defaults: KAFKA_DEFAULTS,
    createOnlyNote: CREATE_ONLY,
    asked: planKafkaModes(input.asked, existing),
  });
}

/** The execution role actions every Kafka mapping needs for a secret, and for the on-failure destination. */
export function secretActions(entries: readonly string[]): string {
  const secrets = entries.filter((e) => /_AUTH=|ROOT_CA_CERTIFICATE=/.test(e)).map((e) => e.slice(e.indexOf('=') + 1));
  return secrets.length ? `, secretsmanager:GetSecretValue on ${secrets.join(' and ')} (plus kms:Decrypt if the secret uses a customer managed key)` : '';
}

/** The `--topic` of `remove msk|kafka` (pure): only that topic's mapping. */
export function removeTopic(raw: Record<string, unknown>): { topic?: string } {
  return raw.topic === undefined ? {} : { topic: parseTopic('--topic', raw.topic) };
}

/** Narrows a remove to the mappings of one topic, when one is named. */
export function topicOnly(topic: string | undefined): { only?: { label: string; matches(m: EventSourceMappingConfiguration | undefined): boolean } } {
  return topic === undefined ? {} : { only: { label: `topic ${topic}`, matches: (m) => Boolean(m?.Topics?.includes(topic)) } };
}

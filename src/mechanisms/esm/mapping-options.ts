/**
 * The mapping options every mapping source shares beyond its own (metrics, provisioned pollers, the filter
 * encryption key, tags): their flags, their checks, and the lists and ranges AWS gives for them.
 */
import { UsageError, invalidFlag } from '../../core/errors.js';
import type { OptionSpec } from '../../sources/contract.js';
import { parseIntFlag } from '../../sources/options.js';
import type { EsmSettings, PollerConfig } from './settings.js';
import { parseTagFlags, type TagOptions } from './tags.js';

// The lists and ranges below come from the Lambda API 2015-03-31 as AWS SDK for JavaScript v3
// (@aws-sdk/client-lambda 3.1162) documents it: EventSourceMappingMetricsConfig, ProvisionedPollerConfig,
// CreateEventSourceMapping.KMSKeyArn. Keep them here, and only here.

/** MetricsConfig.Metrics values, and the sources that may ask each. */
export const MAPPING_METRICS = {
  /** "EventCount to receive metrics related to the number of events processed": every mapping source. */
  EventCount: 'all',
  /** "ErrorCount (Amazon MSK and self-managed Apache Kafka)". */
  ErrorCount: 'kafka',
  /** "KafkaMetrics (Amazon MSK and self-managed Apache Kafka)". */
  KafkaMetrics: 'kafka',
} as const;

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
export type PollerKind = false | true | 'sqs' | 'kafka';

const pollerRanges = (kind: PollerKind) => (kind === 'kafka' ? { ...KAFKA_POLLERS, name: 'Kafka', min0: 1 } : { ...SQS_POLLERS, name: 'SQS', min0: 2 });

/** Options shared by mapping sources, parsed. */
export interface MappingOptions {
  settings: Pick<EsmSettings, 'metrics' | 'provisionedPollers' | 'filterKmsKey'>;
  tags: TagOptions;
  warnings: string[];
}

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

/** The flags of the shared mapping options; `pollers` only for sources that take provisioned mode. */
export function mappingOptionSpecs(pollers: PollerKind): OptionSpec[] {
  const metrics = pollers === 'kafka' ? 'EventCount, ErrorCount, KafkaMetrics' : 'EventCount';
  const specs: OptionSpec[] = [
    { flags: '--metrics <list>', description: `mapping metrics to produce, comma-separated: ${metrics}` },
    { flags: '--no-metrics', description: 'turn the mapping metrics off' },
  ];
  if (pollers) {
    const r = pollerRanges(pollers);
    specs.push(
      { flags: '--min-pollers <n>', description: `provisioned mode: minimum event pollers, ${r.min.low}-${r.min.high} (AWS default ${r.min0})` },
      { flags: '--max-pollers <n>', description: `provisioned mode: maximum event pollers, ${r.max.low}-${r.max.high} (AWS default 200)${pollers === 'kafka' ? '' : '; not with --max-concurrency'}` },
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

// KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<key-id>. CreateEventSourceMapping takes an ARN.
const KMS_KEY_ARN = /^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;

/** Parses `--filter-kms-key`: a key ARN (Lambda's KMSKeyArn takes an ARN; ids and aliases are refused with how to get it). */
export function parseKmsKey(value: unknown): string {
  const text = String(value).trim();
  if (KMS_KEY_ARN.test(text)) return text;
  const how = 'give the key ARN (arn:aws:kms:<region>:<account>:key/<key-id>); aws kms describe-key --key-id <id-or-alias> --query KeyMetadata.Arn prints it';
  if (/^arn:[^:]*:kms:[^:]*:[^:]*:alias\//.test(text) || text.startsWith('alias/')) {
    throw invalidFlag('--filter-kms-key', value, `an alias is not accepted: Lambda stores the key ARN (KMSKeyArn), and evsrc does not resolve aliases; ${how}`);
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text) || /^mrk-[0-9a-f]{32}$/i.test(text)) {
    throw invalidFlag('--filter-kms-key', value, `a key id is not accepted: Lambda takes the key ARN (KMSKeyArn); ${how}`);
  }
  throw invalidFlag('--filter-kms-key', value, `not a KMS key ARN; ${how}`);
}

/** Parses `--metrics` (comma-separated and/or repeated): the metrics a mapping of `type` may produce. */
export function parseMetrics(value: unknown, type: string, kafka = false): string[] {
  const names = Object.keys(MAPPING_METRICS) as (keyof typeof MAPPING_METRICS)[];
  const given = String(value)
    .split(',')
    .map((v) => v.trim());
  const allowed = kafka ? names.join(', ') : 'EventCount';
  if (given.some((v) => v === '')) throw invalidFlag('--metrics', value, `give one or more of: ${allowed} (or --no-metrics to turn them off)`);
  const out: string[] = [];
  for (const g of given) {
    const found = names.find((n) => n.toLowerCase() === g.toLowerCase());
    if (!found) throw invalidFlag('--metrics', g, `allowed for ${type}: ${allowed}`);
    if (MAPPING_METRICS[found] === 'kafka' && !kafka) {
      throw invalidFlag('--metrics', g, `${found} is produced only for Kafka mappings (Amazon MSK and self-managed Apache Kafka); allowed for ${type}: EventCount`);
    }
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

/** Parses the pollers flags of an SQS mapping (pure). A bound left out is filled in at planning. */
export function parsePollers(raw: Record<string, unknown>, warnings: string[], kind: PollerKind = 'sqs'): PollerConfig | null | undefined {
  const off = raw.provisionedPollers === false;
  const r = pollerRanges(kind);
  const min = parseIntFlag('--min-pollers', raw.minPollers, r.min.low, r.min.high,
    `allowed: a whole number from ${r.min.low} to ${r.min.high} (${r.name} provisioned mode; AWS default ${r.min0})`);
  const max = parseIntFlag('--max-pollers', raw.maxPollers, r.max.low, r.max.high,
    `allowed: a whole number from ${r.max.low} to ${r.max.high} (${r.name} provisioned mode; AWS default 200)`);
  if (off && (min !== undefined || max !== undefined)) {
    const flag = min !== undefined ? '--min-pollers' : '--max-pollers';
    throw new UsageError(`${flag} and --no-provisioned-pollers: give one or the other, not both`);
  }
  if (off) return null;
  if (min === undefined && max === undefined) return undefined;
  if (min !== undefined && max !== undefined && min > max) {
    throw invalidFlag('--min-pollers', raw.minPollers, `the minimum (${min}) is above --max-pollers (${max}); AWS needs minimum ≤ maximum`);
  }
  if (max !== undefined && max > r.olderMax) {
    warnings.push(`--max-pollers ${max}: older Lambda API versions allow at most ${r.olderMax}; a region not yet on the current API may refuse it`);
  }
  const out: PollerConfig = {};
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  return out;
}

/** Parses the shared mapping flags of `type` (pure). `pollers`: whether the source takes provisioned mode. */
export function parseMappingOptions(type: string, raw: Record<string, unknown>, pollers: PollerKind): MappingOptions {
  const warnings: string[] = [];
  const settings: MappingOptions['settings'] = {};
  if (raw.metrics === false) settings.metrics = [];
  else if (raw.metrics !== undefined) settings.metrics = parseMetrics(raw.metrics, type, pollers === 'kafka');
  if (!pollers) {
    const flag = raw.minPollers !== undefined ? '--min-pollers' : raw.maxPollers !== undefined ? '--max-pollers' : raw.provisionedPollers === false ? '--no-provisioned-pollers' : undefined;
    if (flag) {
      const value = flag === '--min-pollers' ? raw.minPollers : flag === '--max-pollers' ? raw.maxPollers : true;
      const streams = type === 'dynamodb' || type === 'kinesis' ? '; use --parallelization for streams' : '';
      throw invalidFlag(flag, value, `provisioned mode is for SQS (and Kafka) mappings, not ${type}${streams}`);
    }
  } else {
    const p = parsePollers(raw, warnings, pollers);
    if (p !== undefined) settings.provisionedPollers = p;
    if (p && raw.maxConcurrency !== undefined && raw.maxConcurrency !== false) {
      throw invalidFlag('--max-concurrency', raw.maxConcurrency, 'not with --min-pollers/--max-pollers: AWS takes maximum concurrency (on-demand mode) or provisioned pollers, not both');
    }
  }
  if (raw.filterKmsKey === false) settings.filterKmsKey = '';
  else if (raw.filterKmsKey !== undefined) settings.filterKmsKey = parseKmsKey(raw.filterKmsKey);
  return { settings, tags: parseTagFlags(raw.tag, raw.tags === false), warnings };
}

/**
 * The mapping options every mapping source shares beyond its own (metrics, provisioned pollers, the filter
 * encryption key, tags): their flags, their checks, and the lists and ranges AWS gives for them.
 */
import { UsageError, invalidFlag } from '../../core/errors.js';
import { parseIntFlag } from '../../sources/options.js';
import type { EsmSettings, PollerConfig } from './settings.js';
import { parseTagFlags, type TagOptions } from './tags.js';
import { MAPPING_METRICS, pollerRanges, type PollerKind } from './flags.js';

// The flags themselves are data for --help, in flags.ts (loaded without this module).
export { KAFKA_POLLERS, MAPPING_METRICS, mappingOptionSpecs, mappingSwitchSpecs, SQS_POLLERS, type PollerKind } from './flags.js';

// The lists and ranges below come from the Lambda API 2015-03-31 as AWS SDK for JavaScript v3
// (@aws-sdk/client-lambda 3.1162) documents it: EventSourceMappingMetricsConfig, ProvisionedPollerConfig,
// CreateEventSourceMapping.KMSKeyArn. Keep them here, and only here.


/** Options shared by mapping sources, parsed. */
export interface MappingOptions {
  settings: Pick<EsmSettings, 'metrics' | 'provisionedPollers' | 'filterKmsKey'>;
  tags: TagOptions;
  warnings: string[];
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

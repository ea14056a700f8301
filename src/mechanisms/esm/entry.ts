import { parseArn } from '../../core/arn.js';
import type { EntryDefault, ExportScope, TriggerView } from '../../sources/contract.js';
import { definedFlags, jsonValue, nameOrArn } from '../../sources/entry.js';
import { epochSeconds, KAFKA_DEFAULTS, type EsmSettings } from './settings.js';

// A mapping's settings as the `add` flags of its type, for `evsrc export`, and the defaults a file entry's
// left-out settings mean. One table for every mapping type; each type says its own defaults (SQS batches 10
// records, streams 100).

/** An on-failure destination ARN as `--on-failure` takes it: a queue name, sns:<topic>, s3:<bucket>, or the ARN. */
export function destinationFlag(arn: string, scope: Pick<ExportScope, 'account' | 'region'>): string {
  const parsed = parseArn(arn);
  if (!parsed) return arn;
  if (parsed.service === 's3') return `s3:${parsed.resource}`;
  if (parsed.service === 'sns') return nameOrArn(arn, `sns:${parsed.resource}`, scope);
  if (parsed.service === 'sqs') return nameOrArn(arn, parsed.resource, scope);
  return arn;
}

/** The `add` flags of a mapping's settings; a setting equal to `defaults` is left out. */
export function mappingFlags(view: TriggerView, defaults: EsmSettings, scope: Pick<ExportScope, 'account' | 'region'>): Record<string, unknown> {
  const s = view.settings as EsmSettings & { tags?: unknown };
  const differs = <K extends keyof EsmSettings>(key: K) => s[key] !== undefined && s[key] !== null && s[key] !== defaults[key];
  const pollers = s.provisionedPollers ?? undefined;
  const timestamp = epochSeconds(s.startingPositionTimestamp);
  return definedFlags({
    startingPosition: s.startingPosition,
    startingPositionTimestamp: timestamp !== undefined && s.startingPosition === 'AT_TIMESTAMP' ? new Date(timestamp * 1000).toISOString() : undefined,
    batchSize: differs('batchSize') ? s.batchSize : undefined,
    batchingWindow: differs('batchingWindow') ? s.batchingWindow : undefined,
    maxConcurrency: typeof s.maxConcurrency === 'number' ? s.maxConcurrency : undefined,
    minPollers: pollers?.min,
    maxPollers: pollers?.max,
    parallelization: differs('parallelization') ? s.parallelization : undefined,
    retryAttempts: differs('retryAttempts') ? s.retryAttempts : undefined,
    maxRecordAge: differs('maxRecordAge') ? s.maxRecordAge : undefined,
    bisectOnError: s.bisectOnError ? true : undefined,
    tumblingWindow: differs('tumblingWindow') ? s.tumblingWindow : undefined,
    onFailure: typeof s.onFailure === 'string' && s.onFailure ? destinationFlag(s.onFailure, scope) : undefined,
    filter: s.filters && s.filters.length > 0 ? s.filters.map(jsonValue) : undefined,
    reportBatchItemFailures: s.reportBatchItemFailures ? true : undefined,
    metrics: s.metrics && s.metrics.length > 0 ? s.metrics.join(',') : undefined,
    filterKmsKey: s.filterKmsKey ? s.filterKmsKey : undefined,
    disabled: s.enabled === false ? true : undefined,
  });
}

/** The switches every mapping type sets back to AWS's default when a file entry leaves them out. */
export function mappingDefaults(numbers: Record<string, number>, pollers: boolean): EntryDefault[] {
  const out: EntryDefault[] = Object.entries(numbers).map(([key, value]) => ({ unless: [key], flags: { [key]: value } }));
  out.push(
    { unless: ['filter'], flags: { filter: false } },
    { unless: ['reportBatchItemFailures'], flags: { reportBatchItemFailures: false } },
    { unless: ['enabled', 'disabled'], flags: { enabled: true } },
    { unless: ['metrics'], flags: { metrics: false } },
    { unless: ['filterKmsKey'], flags: { filterKmsKey: false } },
  );
  if (pollers) out.push({ unless: ['minPollers', 'maxPollers', 'provisionedPollers', 'maxConcurrency'], flags: { provisionedPollers: false } });
  return out;
}

/** What a stream mapping's file entry means by the numbers and switches it leaves out (Lambda's defaults for streams). */
export function streamDefaults(): EntryDefault[] {
  const numbers = { batchSize: 100, batchingWindow: 0, parallelization: 1, retryAttempts: -1, maxRecordAge: -1, tumblingWindow: 0 };
  return [...mappingDefaults(numbers, false), { unless: ['bisectOnError'], flags: { bisectOnError: false } }];
}

/** SourceAccessConfigurations Types back to the method names of `--auth <method>=<secret-arn>`. */
const AUTH_FLAG_OF: Record<string, string> = {
  BASIC_AUTH: 'basic',
  SASL_SCRAM_256_AUTH: 'sasl-scram-256',
  SASL_SCRAM_512_AUTH: 'sasl-scram-512',
  CLIENT_CERTIFICATE_TLS_AUTH: 'client-cert',
};

/**
 * A mapping's source access entries (`TYPE=URI`) as the flags of Kafka, Amazon MQ and DocumentDB: `secret`
 * names the flag a BASIC_AUTH secret is given with (`secret` for mq and documentdb, else `--auth basic=`).
 */
export function accessFlags(view: TriggerView, secretFlag?: 'secret'): Record<string, unknown> {
  const entries = (view.settings as EsmSettings).sourceAccess ?? [];
  const flags: Record<string, unknown> = {};
  const subnets: string[] = [];
  const groups: string[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const type = entry.slice(0, at);
    const uri = entry.slice(at + 1);
    if (type === 'BASIC_AUTH' && secretFlag) flags.secret = uri;
    else if (AUTH_FLAG_OF[type]) flags.auth = `${AUTH_FLAG_OF[type]}=${uri}`;
    else if (type === 'SERVER_ROOT_CA_CERTIFICATE') flags.rootCa = uri;
    else if (type === 'VPC_SUBNET') subnets.push(uri.replace(/^subnet:/, ''));
    else if (type === 'VPC_SECURITY_GROUP') groups.push(uri.replace(/^security_group:/, ''));
  }
  if (subnets.length > 0) flags.subnet = subnets;
  if (groups.length > 0) flags.securityGroup = groups;
  return flags;
}

/** The flags of a Kafka mapping (msk, kafka) beyond its source: topic, consumer group, settings, secrets and VPC. */
export function kafkaEntryFlags(view: TriggerView, scope: Pick<ExportScope, 'account' | 'region'>): Record<string, unknown> {
  const s = view.settings as EsmSettings;
  // AWS's default consumer group is the mapping's UUID: left out, as a new mapping gets its own.
  const group = s.consumerGroupId && s.consumerGroupId !== view.id ? { consumerGroupId: s.consumerGroupId } : {};
  return { topic: s.topic, ...group, ...mappingFlags(view, KAFKA_DEFAULTS, scope), ...accessFlags(view) };
}

/** What a Kafka mapping's file entry (msk, kafka) means by what it leaves out (Lambda's defaults for Kafka). */
export function kafkaDefaults(): EntryDefault[] {
  return [
    ...mappingDefaults({ batchSize: 100, batchingWindow: 0, retryAttempts: -1, maxRecordAge: -1 }, true),
    { unless: ['bisectOnError'], flags: { bisectOnError: false } },
  ];
}

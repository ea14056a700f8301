/**
 * What `evsrc add dynamodb` and `evsrc add kinesis` share: their flags and validation, the on-failure
 * destination, the execution-role hint, and converging a stream mapping (create, update, replace).
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { getMapping, type ResolvedFunction } from '../../aws/lambda.js';
import { isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { ACCOUNT, parseArn, parseQueueRef, partitionOf, type QueueRef } from '../../core/arn.js';
import { NotFoundError, PreconditionError, UsageError, invalidFlag } from '../../core/errors.js';
import type { Action, Change, RetryRule } from '../../core/plan.js';
import { pollUntil } from '../../core/poll.js';
import type { PlanWarning } from '../../core/reporter.js';
import {
  ASKED_SETTINGS,
  ESM_FIELDS,
  RESOURCE_IN_USE_RETRY,
  diffMapping,
  mappingView,
  planEsm,
  readSettings,
  settingsToInput,
  waitForMapping,
  type EsmSettings,
} from './settings.js';
import { parseChoice, parseFilters, parseIntFlag } from '../../sources/options.js';
import { parseMappingOptions } from './mapping-options.js';
import { applyTagPlan, readMappingTags, tagsAsked, withTagView, type TagOptions } from './tags.js';
import { resolveQueue } from '../../sources/sqs.js';
import type { AdapterContext, AddPlan, TriggerView } from '../../sources/contract.js';
import { STARTING_POSITIONS, STREAM_SETTING_KEYS, type StreamType } from './flags.js';

// The flags themselves are data for --help, in flags.ts (loaded without this module).
export { STARTING_POSITIONS, STREAM_SETTING_KEYS, streamOptionSpecs, type StreamType } from './flags.js';

/** AWS's values for a stream mapping's settings when they are not set (Lambda developer guide parameter tables). */
export const STREAM_DEFAULTS: EsmSettings = {
  batchSize: 100,
  batchingWindow: 0,
  parallelization: 1,
  retryAttempts: -1,
  maxRecordAge: -1,
  bisectOnError: false,
  tumblingWindow: 0,
  filters: [],
  reportBatchItemFailures: false,
  metrics: [],
  enabled: true,
};

/** How the user named an on-failure destination, normalised. */
export type DestinationRef =
  | { kind: 'sqs'; text: string; queue: QueueRef }
  | { kind: 'sns'; text: string; name: string; arn?: string }
  | { kind: 's3'; text: string; bucket: string };

/** A destination that exists, by ARN. */
export interface ResolvedDestination {
  kind: 'sqs' | 'sns' | 's3';
  arn: string;
  name: string;
}

/** Validated options of a stream source: mapping settings plus what is not a mapping setting. */
export interface StreamOptions {
  /** Settings that go on the mapping; `onFailure` is filled in once the destination is resolved. */
  settings: EsmSettings;
  onFailure?: DestinationRef;
  /** Delete and recreate a mapping when an immutable field (or the source) differs. */
  replace: boolean;
  /** --tag / --no-tags, when given. */
  tags?: TagOptions;
  /** Warnings found while checking the flags (shown with the plan). */
  warnings?: string[];
}

const RANGE = {
  batchSize: 'allowed: a whole number from 1 to 10000 (AWS default 100)',
  batchingWindow: 'allowed: whole seconds from 0 to 300 (AWS default 0)',
  parallelization: 'allowed: a whole number from 1 to 10 (AWS default 1)',
  retryAttempts: 'allowed: -1 (retry until the record expires, the AWS default) or a whole number from 0 to 10000',
  maxRecordAge: 'allowed: -1 (no limit, the AWS default) or whole seconds from 60 to 604800 (7 days)',
  tumblingWindow: 'allowed: whole seconds from 0 (off, the AWS default) to 900',
} as const;

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads an ISO-8601 date or time. A time without a zone is UTC, as a date alone is (never the machine's
 * local time, so CI and a laptop ask for the same instant). Impossible dates (2024-02-30) are refused.
 */
export function parseIsoUtc(text: string): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac, zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  const utc = new Date(Date.UTC(...parts, ms));
  const roundTrip = [utc.getUTCFullYear(), utc.getUTCMonth(), utc.getUTCDate(), utc.getUTCHours(), utc.getUTCMinutes(), utc.getUTCSeconds()];
  if (roundTrip.some((v, i) => v !== parts[i])) return undefined;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z || Number(z[2]) > 23 || Number(z[3]) > 59) return undefined;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  return new Date(utc.getTime() - offsetMinutes * 60_000);
}

/** Parses a time given as ISO-8601 or unix seconds; refuses other text and times in the future. */
export function parseTimestamp(flag: string, value: unknown, now: Date): Date {
  const text = String(value).trim();
  const allowed = 'allowed: an ISO-8601 time such as 2024-05-01T12:00:00Z, or unix seconds such as 1714564800, not in the future';
  let date: Date;
  if (/^\d{1,11}(\.\d+)?$/.test(text)) date = new Date(Number(text) * 1000);
  else date = parseIsoUtc(text) ?? (() => { throw invalidFlag(flag, value, allowed); })();
  if (Number.isNaN(date.getTime())) throw invalidFlag(flag, value, allowed);
  if (date.getTime() > now.getTime()) {
    throw invalidFlag(flag, value, `the time ${date.toISOString()} lies in the future (now ${now.toISOString()}); AWS refuses a starting position timestamp in the future`);
  }
  return date;
}

// SNS topic names: 1-256 letters, digits, hyphens and underscores (FIFO topics end in .fifo).
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
// S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `--on-failure`: an SQS queue name/URL/ARN, `sns:<topic>`, `s3:<bucket>`, or an SNS or S3 ARN. */
export function parseDestinationRef(value: string, flag = '--on-failure'): DestinationRef {
  const allowed =
    'allowed: an SQS queue (name, URL or ARN), sns:<topic-name>, s3:<bucket-name>, or the ARN of an SNS topic or S3 bucket';
  const text = value.trim();
  const arn = parseArn(text);
  if (arn) {
    if (arn.service === 'sqs') return { kind: 'sqs', text, queue: parseQueueRef(text, flag) };
    if (arn.service === 'sns') {
      if (!TOPIC_NAME.test(arn.resource) || !arn.region || !ACCOUNT.test(arn.account)) throw invalidFlag(flag, value, `not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>); ${allowed}`);
      return { kind: 'sns', text, name: arn.resource, arn: text };
    }
    if (arn.service === 's3') {
      if (!BUCKET_NAME.test(arn.resource) || arn.region || arn.account) throw invalidFlag(flag, value, `not an S3 bucket ARN (arn:aws:s3:::<bucket>); ${allowed}`);
      return { kind: 's3', text, bucket: arn.resource };
    }
    throw invalidFlag(flag, value, `Lambda sends discarded stream batches only to SQS, SNS or S3; ${allowed}`);
  }
  const prefixed = /^(sns|s3|sqs):(.*)$/i.exec(text);
  if (prefixed) {
    const kind = (prefixed[1] ?? '').toLowerCase();
    const name = prefixed[2] ?? '';
    if (kind === 'sns') {
      if (!TOPIC_NAME.test(name)) throw invalidFlag(flag, value, `${JSON.stringify(name)} is not an SNS topic name (1-256 letters, digits, - and _)`);
      return { kind: 'sns', text, name };
    }
    if (kind === 's3') {
      if (!BUCKET_NAME.test(name)) throw invalidFlag(flag, value, `${JSON.stringify(name)} is not an S3 bucket name (3-63 lowercase letters, digits, . and -)`);
      return { kind: 's3', text, bucket: name };
    }
    return { kind: 'sqs', text, queue: parseQueueRef(name, flag) };
  }
  if (/^https?:\/\//i.test(text)) return { kind: 'sqs', text, queue: parseQueueRef(text, flag) };
  if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(text)) throw invalidFlag(flag, value, allowed);
  return { kind: 'sqs', text, queue: parseQueueRef(text, flag) };
}

function destinationIsFifo(ref: DestinationRef): boolean {
  if (ref.kind === 'sqs') return ref.queue.name.endsWith('.fifo');
  if (ref.kind === 'sns') return ref.name.endsWith('.fifo');
  return false;
}

/** Validates the raw flags shared by both stream commands (pure: no AWS). `now` is for the timestamp rule. */
export function parseStreamOptions(type: StreamType, raw: Record<string, unknown>, now: Date = new Date()): StreamOptions {
  if (raw.maxConcurrency !== undefined) {
    throw new UsageError(`--max-concurrency: not valid for ${type} (got ${JSON.stringify(raw.maxConcurrency)}); maximum concurrency is an SQS setting, use --parallelization for streams`);
  }
  if (raw.disabled && raw.enabled) throw new UsageError('--disabled and --enabled: give one or the other, not both');
  const positions = STARTING_POSITIONS[type];
  if (raw.startingPosition === undefined) {
    throw new UsageError(
      `--starting-position is required for ${type}: ${positions.join(', ')} (TRIM_HORIZON reads the records the stream still holds, LATEST only new ones)`,
    );
  }
  let startingPosition: string | undefined;
  if (type === 'dynamodb' && String(raw.startingPosition).trim().toUpperCase() === 'AT_TIMESTAMP') {
    throw invalidFlag('--starting-position', raw.startingPosition, 'AT_TIMESTAMP is not valid for DynamoDB Streams (Lambda accepts it for Kinesis); allowed: TRIM_HORIZON, LATEST');
  }
  startingPosition = parseChoice('--starting-position', raw.startingPosition, positions);
  const settings: EsmSettings = { startingPosition };
  if (raw.startingPositionTimestamp !== undefined) {
    if (type === 'dynamodb') {
      throw invalidFlag('--starting-position-timestamp', raw.startingPositionTimestamp, 'DynamoDB Streams take no timestamp; allowed starting positions: TRIM_HORIZON, LATEST');
    }
    if (startingPosition !== 'AT_TIMESTAMP') {
      throw invalidFlag('--starting-position-timestamp', raw.startingPositionTimestamp, `only valid with --starting-position AT_TIMESTAMP (got ${startingPosition})`);
    }
    settings.startingPositionTimestamp = parseTimestamp('--starting-position-timestamp', raw.startingPositionTimestamp, now);
  } else if (startingPosition === 'AT_TIMESTAMP') {
    throw new UsageError('--starting-position AT_TIMESTAMP needs --starting-position-timestamp <ISO-8601 time or unix seconds>');
  }

  const ints: [keyof EsmSettings, string, unknown, number, number, string][] = [
    ['batchSize', '--batch-size', raw.batchSize, 1, 10000, RANGE.batchSize],
    ['batchingWindow', '--batching-window', raw.batchingWindow, 0, 300, RANGE.batchingWindow],
    ['parallelization', '--parallelization', raw.parallelization, 1, 10, RANGE.parallelization],
    ['retryAttempts', '--retry-attempts', raw.retryAttempts, -1, 10000, RANGE.retryAttempts],
    ['maxRecordAge', '--max-record-age', raw.maxRecordAge, -1, 604800, RANGE.maxRecordAge],
    ['tumblingWindow', '--tumbling-window', raw.tumblingWindow, 0, 900, RANGE.tumblingWindow],
  ];
  for (const [key, flag, value, min, max, allowed] of ints) {
    const n = parseIntFlag(flag, value, min, max, allowed);
    if (n !== undefined) (settings as Record<string, unknown>)[key] = n;
  }
  // AWS: 0-59 lie inside the parameter's absolute range but are refused; the minimum age is 60 seconds.
  if (settings.maxRecordAge !== undefined && settings.maxRecordAge >= 0 && settings.maxRecordAge < 60) {
    throw invalidFlag('--max-record-age', raw.maxRecordAge, RANGE.maxRecordAge);
  }
  if (typeof raw.bisectOnError === 'boolean') settings.bisectOnError = raw.bisectOnError;
  if (raw.filter === false) settings.filters = [];
  else {
    const filters = parseFilters(raw.filter, '--filter', type === 'dynamodb' ? '{"eventName":["INSERT"]}' : '{"data":{"kind":["order"]}}');
    if (filters) settings.filters = filters;
  }
  if (typeof raw.reportBatchItemFailures === 'boolean') settings.reportBatchItemFailures = raw.reportBatchItemFailures;
  if (raw.disabled) settings.enabled = false;
  if (raw.enabled) settings.enabled = true;

  const shared = parseMappingOptions(type, raw, false);
  Object.assign(settings, shared.settings);
  const options: StreamOptions = { settings, replace: Boolean(raw.replace) };
  if (tagsAsked(shared.tags)) options.tags = shared.tags;
  if (shared.warnings.length > 0) options.warnings = shared.warnings;
  if (raw.onFailure !== undefined) {
    const ref = parseDestinationRef(String(raw.onFailure));
    // Lambda developer guide (DynamoDB parameters): "Standard Amazon SQS queue or standard Amazon SNS topic".
    if (type === 'dynamodb' && destinationIsFifo(ref)) {
      throw invalidFlag('--on-failure', raw.onFailure, 'DynamoDB Streams send discarded batches to a standard SQS queue or SNS topic (or an S3 bucket), not a FIFO one');
    }
    options.onFailure = ref;
  }
  return options;
}

/** Resolves an on-failure destination to its ARN and checks it exists (read-only calls). */
export async function resolveDestination(aws: AwsSession, ref: DestinationRef, fn: Pick<ResolvedFunction, 'region' | 'account'>): Promise<ResolvedDestination> {
  const missing = (what: string, hint: string, awsErrorName: string) =>
    new NotFoundError(`--on-failure: ${what} does not exist`, { hint, awsErrorName });
  if (ref.kind === 'sqs') {
    try {
      const queue = await resolveQueue(aws, ref.queue);
      return { kind: 'sqs', arn: queue.arn, name: queue.name };
    } catch (error) {
      if (error instanceof NotFoundError) throw missing(`queue ${ref.queue.name}`, 'create the queue first, or name another one (aws sqs list-queues lists them)', 'QueueDoesNotExist');
      throw error;
    }
  }
  if (ref.kind === 'sns') {
    const region = fn.region || (await aws.region());
    const arn = ref.arn ?? `arn:${partitionOf(region)}:sns:${region}:${fn.account}:${ref.name}`;
    try {
      await aws.call('sns', 'GetTopicAttributes', { TopicArn: arn }, { region: parseArn(arn)?.region || undefined });
    } catch (error) {
      if (isAwsError(error, 'NotFound', 'NotFoundException')) {
        throw missing(`topic ${arn}`, 'create the topic first, or name another one (aws sns list-topics lists them)', 'NotFound');
      }
      throw error;
    }
    return { kind: 'sns', arn, name: ref.name };
  }
  const region = fn.region || (await aws.region());
  try {
    await aws.call('s3', 'HeadBucket', { Bucket: ref.bucket }, { region });
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NoSuchBucket')) {
      throw missing(`bucket ${ref.bucket}`, 'create the bucket first, or name another one', 'NoSuchBucket');
    }
    throw error;
  }
  return { kind: 's3', arn: `arn:${partitionOf(region)}:s3:::${ref.bucket}`, name: ref.bucket };
}

/** The IAM actions the execution role needs for an on-failure destination (Lambda developer guide). */
export function destinationActions(destination: ResolvedDestination): string {
  if (destination.kind === 'sqs') return `sqs:SendMessage on ${destination.arn}`;
  if (destination.kind === 'sns') return `sns:Publish on ${destination.arn}`;
  return `s3:PutObject and s3:ListBucket on ${destination.arn}`;
}

/** Mappings without repeats (the same mapping found by source and by function). */
export function dedupeMappings(mappings: EventSourceMappingConfiguration[]): EventSourceMappingConfiguration[] {
  const seen = new Set<string>();
  return mappings.filter((m) => {
    const key = m.UUID ?? JSON.stringify(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Everything planStreamMapping needs, read beforehand. */
export interface StreamPlanInput {
  /** The type of source (the stream types, and the Kafka, MQ and DocumentDB sources that converge the same way). */
  type: string;
  /** The settings its mappings show and AWS's values for them when unset (default: a stream's). */
  keys?: readonly string[];
  defaults?: EsmSettings;
  /** Turns the create's input into what AWS takes for this source (a self-managed Kafka cluster has no EventSourceArn). */
  rewriteCreate?: (input: Record<string, unknown>) => Record<string, unknown>;
  /** What AWS cannot change on an existing mapping of this source, for the refusal (default: a stream's). */
  createOnlyNote?: string;
  /** The EventSourceArn to map; undefined when a preparing action produces it. */
  sourceArn?: string;
  /** What the plan shows for the source while its ARN is unknown. */
  sourcePlaceholder: string;
  functionArn: string;
  /** Mappings that read sourceArn (any function). */
  readers: EventSourceMappingConfiguration[];
  /** This function's mappings on another source of the same stream (other consumer, older stream label). */
  related: EventSourceMappingConfiguration[];
  asked: EsmSettings;
  replace: boolean;
  retry: RetryRule[];
  region?: string;
  /** Actions that make the source (enable a stream, register a consumer); the last one's result gives its ARN. */
  prepare?: { actions: Action[]; sourceArnOf(result: unknown): string | undefined };
  /** Builds the wait after a DeleteEventSourceMapping (poll until it is gone). */
  mappingGone(uuid: string): (result: unknown) => Promise<unknown>;
}

/** The plan of a stream mapping: what to do, what to warn, and the mapping it starts from. */
export interface StreamPlan {
  actions: Action[];
  warnings: string[];
  existing?: EventSourceMappingConfiguration;
  /** Mappings of other functions that read the same source. */
  others: EventSourceMappingConfiguration[];
}

function describePosition(m: EventSourceMappingConfiguration): string {
  const ts = m.StartingPositionTimestamp ? ` ${new Date(m.StartingPositionTimestamp).toISOString()}` : '';
  return `${m.StartingPosition ?? 'unknown'}${ts}`;
}

/** The settings a replacement mapping gets: the old one's non-default mutable settings, then the asked ones. */
export function carriedSettings(
  old: EventSourceMappingConfiguration | undefined,
  asked: EsmSettings,
  keys: readonly string[] = STREAM_SETTING_KEYS,
  defaults: EsmSettings = STREAM_DEFAULTS,
): EsmSettings {
  const merged: Record<string, unknown> = {};
  if (old) {
    const current = readSettings(old, keys as readonly (keyof EsmSettings)[]) as Record<string, unknown>;
    for (const field of ESM_FIELDS) {
      if (field.createOnly) continue;
      const value = current[field.key];
      if (value === undefined) continue;
      const fallback = (defaults as Record<string, unknown>)[field.key];
      const same = field.equal ? field.equal(value, fallback) : value === fallback;
      if (!same) merged[field.key] = value;
    }
  }
  for (const [k, v] of Object.entries(asked)) if (v !== undefined) merged[k] = v;
  return merged as EsmSettings;
}

/**
 * Converges a stream mapping (pure): create, update in place, nothing, or, when the starting position or
 * the source must change, refuse (exit 3) or with --replace delete the old mapping(s), wait, and create.
 */
export function planStreamMapping(input: StreamPlanInput): StreamPlan {
  const warnings: string[] = [];
  const mine = input.sourceArn ? input.readers.filter((m) => m.FunctionArn === input.functionArn) : [];
  const others = input.sourceArn ? input.readers.filter((m) => m.FunctionArn !== input.functionArn) : [];
  const existing = mine[0];
  if (mine.length > 1) {
    warnings.push(`${mine.length} mappings already connect this source to ${input.functionArn} (${mine.map((m) => m.UUID).join(', ')}); evsrc manages the first`);
  }
  let asked = input.asked;
  const source = input.sourceArn ?? input.sourcePlaceholder;

  const toDelete: EventSourceMappingConfiguration[] = [];
  const reasons: string[] = [];
  let immutable: Change[] = [];
  if (existing) {
    // An emulator (or an old API version) may leave the timestamp out: then it cannot be compared.
    if (asked.startingPositionTimestamp !== undefined && existing.StartingPosition === 'AT_TIMESTAMP' && existing.StartingPositionTimestamp === undefined) {
      const { startingPositionTimestamp: _unknown, ...rest } = asked;
      asked = rest;
      warnings.push(`AWS did not return the StartingPositionTimestamp of mapping ${existing.UUID}; evsrc cannot tell whether it differs from the one asked`);
    }
    immutable = diffMapping(existing, asked).immutable;
    if (immutable.length > 0) {
      toDelete.push(existing);
      const what = immutable.map((c) => `${c.field} ${formatChange(c.from)} → ${formatChange(c.to)}`).join(', ');
      reasons.push(`mapping ${existing.UUID} (${existing.EventSourceArn}) starts at ${describePosition(existing)}; asked: ${what}`);
    }
  } else {
    for (const m of input.related) {
      toDelete.push(m);
      reasons.push(`mapping ${m.UUID} already connects ${m.EventSourceArn} to this function; asked source: ${source}`);
    }
  }
  if (existing && input.related.length > 0) {
    warnings.push(
      `${input.functionArn} also reads this stream through ${input.related.map((m) => `mapping ${m.UUID} (${m.EventSourceArn})`).join(', ')}; evsrc leaves it alone`,
    );
  }

  if (toDelete.length === 0) {
    if (!existing) return { actions: [...(input.prepare?.actions ?? []), createAction(input, asked)], warnings, others };
    const { actions } = planEsm({
      type: input.type,
      sourceArn: source,
      functionArn: input.functionArn,
      existing: [existing],
      asked,
      retry: input.retry,
      region: input.region,
    });
    return { actions, warnings, existing, others };
  }

  if (!input.replace) {
    const uuids = toDelete.map((m) => m.UUID).join(', ');
    throw new PreconditionError(
      `${reasons.join('; ')}. AWS cannot change ${input.createOnlyNote ?? 'StartingPosition, StartingPositionTimestamp or the source (EventSourceArn)'} of an existing mapping`,
      {
        hint:
          `re-run with --replace to delete mapping ${uuids}, wait until it is gone and create a new one ` +
          '(records arriving in between are read from the new starting position, so some may be skipped or read twice)' +
          (existing && immutable.length > 0 ? `, or keep the current starting position (--starting-position ${existing.StartingPosition})` : ''),
      },
    );
  }
  const deletes: Action[] = toDelete.map((m) => {
    const action: Action = {
      api: 'lambda:DeleteEventSourceMapping',
      summary: `delete mapping ${m.UUID} (${m.EventSourceArn}, from ${describePosition(m)}) and wait until it is gone`,
      input: { UUID: m.UUID },
      retry: [RESOURCE_IN_USE_RETRY],
      settle: input.mappingGone(m.UUID ?? ''),
      // A deleted mapping cannot be brought back as it was (its position in the stream is lost): report it.
      undo: () => undefined,
    };
    if (input.region) action.region = input.region;
    return action;
  });
  const settings = carriedSettings(toDelete[0], asked, input.keys, input.defaults);
  warnings.push(`--replace: mapping ${toDelete.map((m) => m.UUID).join(', ')} will be deleted and a new one created in its place`);
  // Settings evsrc does not manage are carried over as they are, so the new mapping keeps them too.
  // The filter key and the metrics are mapping fields (ESM_FIELDS), carried by carriedSettings; the tags are
  // read and carried by tagStreamPlan.
  const create = createAction(input, settings);
  return {
    actions: [...(input.prepare?.actions ?? []), ...deletes, create],
    warnings,
    ...(existing ? { existing } : {}),
    others,
  };
}

function formatChange(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined || value === null) return '(none)';
  return String(value);
}

function createAction(input: StreamPlanInput, settings: EsmSettings): Action {
  const source = input.sourceArn ?? input.sourcePlaceholder;
  const created = { FunctionName: input.functionArn, EventSourceArn: source, ...settingsToInput(settings, true) };
  const action: Action = {
    api: 'lambda:CreateEventSourceMapping',
    summary: `create ${input.type} mapping ${source} → ${input.functionArn}`,
    input: input.rewriteCreate ? input.rewriteCreate(created) : created,
    retry: input.retry,
  };
  if (input.region) action.region = input.region;
  ASKED_SETTINGS.set(action, settings);
  const prepare = input.prepare;
  if (!input.sourceArn && prepare) {
    const at = prepare.actions.length - 1;
    action.bind = (results, planned) => {
      const arn = prepare.sourceArnOf(results[at]);
      if (!arn) throw new Error(`internal: the source ARN is still unknown after ${prepare.actions[at]?.api ?? 'preparing'}`);
      return { ...planned, EventSourceArn: arn };
    };
  }
  return action;
}

/** The wait after DeleteEventSourceMapping: poll GetEventSourceMapping until AWS answers ResourceNotFound. */
export function waitUntilMappingGone(ctx: AdapterContext, region?: string): (uuid: string) => (result: unknown) => Promise<unknown> {
  return (uuid) => async (result) => {
    await pollUntil(
      ctx,
      `mapping ${uuid} to be deleted`,
      () => getMapping(ctx.aws, uuid, region),
      (m) => m === undefined,
      { describe: (m) => m?.State ?? 'gone' },
    );
    return result;
  };
}

/** The `finish` of a stream plan: wait for the written mapping to settle and show it. */
export function finishStream(type: string, planned: StreamPlan, region?: string, keys: readonly string[] = STREAM_SETTING_KEYS): AddPlan['finish'] {
  return async (ctx, results) => {
    const written = results.at(-1) as EventSourceMappingConfiguration | undefined;
    const mapping = written?.UUID ? written : planned.existing;
    if (!mapping) return undefined;
    const settled = written?.UUID ? await waitForMapping(ctx, written, region) : mapping;
    return mappingView(type, settled, keys as readonly (keyof EsmSettings)[]) as TriggerView;
  };
}

/** The AddPlan of a stream source from its planner's output (shared by dynamodb and kinesis). */
export function streamAddPlan(
  type: string,
  name: string,
  functionArn: string,
  planned: { actions: Action[]; warnings: PlanWarning[]; existing?: EventSourceMappingConfiguration; sourceArn: string },
  region?: string,
  keys: readonly string[] = STREAM_SETTING_KEYS,
): AddPlan {
  const stream: StreamPlan = { actions: planned.actions, warnings: [], others: [], ...(planned.existing ? { existing: planned.existing } : {}) };
  const plan: AddPlan = {
    type,
    source: { arn: planned.sourceArn, name },
    functionArn,
    actions: planned.actions,
    warnings: planned.warnings,
    finish: finishStream(type, stream, region, keys),
  };
  if (planned.existing) plan.current = mappingView(type, planned.existing, keys as readonly (keyof EsmSettings)[]);
  return plan;
}

/**
 * Adds the tags to a stream plan: on a create, Tags (over the old mapping's tags, read with ListTags, when
 * --replace deletes one); on a kept mapping with --tag or --no-tags, TagResource/UntagResource after reading
 * its tags. Nothing is read when no tag flag is given and nothing is replaced.
 */
export async function tagStreamPlan(
  ctx: AdapterContext,
  plan: AddPlan,
  kept: EventSourceMappingConfiguration | undefined,
  options: Pick<StreamOptions, 'tags' | 'warnings'>,
  region?: string,
): Promise<AddPlan> {
  if (options.warnings) plan.warnings = [...plan.warnings, ...options.warnings];
  const asked = options.tags ?? {};
  const deleted = plan.actions.find((a) => a.api === 'lambda:DeleteEventSourceMapping');
  const deletedUuid = String(deleted?.input.UUID ?? '');
  // The mapping whose tags count: the one --replace deletes first (its tags are carried), else the kept one.
  const existing: EventSourceMappingConfiguration | undefined = deleted
    ? kept?.UUID === deletedUuid
      ? kept
      : { UUID: deletedUuid, FunctionArn: plan.functionArn }
    : kept;
  if (!tagsAsked(asked) && !deleted) return plan;
  const current = existing ? await readMappingTags(ctx.aws, existing, region) : undefined;
  const mappingActions = plan.actions.length;
  const tagged = applyTagPlan(plan.actions, deleted ? undefined : existing, current, asked, region);
  plan.actions = tagged.actions;
  if (plan.current && current && !deleted) plan.current.settings.tags = current;
  withTagView(plan, mappingActions, tagged.tags);
  return plan;
}

/** Everything planKeyedMapping needs: a source that has one mapping per function and source key (and topic, queue, …). */
export interface KeyedPlanInput {
  type: string;
  keys: readonly string[];
  defaults: EsmSettings;
  /** What AWS cannot change on an existing mapping of this source, for the refusal. */
  createOnlyNote: string;
  /** The EventSourceArn, or the source key of a source without one (sourceKeyOf). */
  sourceKey: string;
  /** What the plan and the output call the source. */
  sourceName: string;
  fn: ResolvedFunction;
  /** Mappings of this source (and topic, queue, database) of any function. */
  readers: EventSourceMappingConfiguration[];
  asked: EsmSettings;
  options: { replace: boolean; tags?: TagOptions; warnings?: string[] };
  retry: RetryRule[];
  region?: string;
  /** Warnings found while reading the source. */
  warnings: string[];
  rewriteCreate?: (input: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * The add plan of a mapping source other than the streams (Kafka, Amazon MQ, DocumentDB): converge the one
 * mapping of this function (create, update, nothing, or the create-only rule with --replace), then its tags.
 */
export async function planKeyedMapping(ctx: AdapterContext, input: KeyedPlanInput): Promise<AddPlan> {
  const planned = planStreamMapping({
    type: input.type,
    keys: input.keys,
    defaults: input.defaults,
    createOnlyNote: input.createOnlyNote,
    sourceArn: input.sourceKey,
    sourcePlaceholder: input.sourceKey,
    functionArn: input.fn.arn,
    readers: input.readers,
    related: [],
    asked: input.asked,
    replace: input.options.replace,
    retry: input.retry,
    ...(input.region ? { region: input.region } : {}),
    ...(input.rewriteCreate ? { rewriteCreate: input.rewriteCreate } : {}),
    mappingGone: waitUntilMappingGone(ctx, input.region),
  });
  const plan = streamAddPlan(
    input.type,
    input.sourceName,
    input.fn.arn,
    { actions: planned.actions, warnings: [...input.warnings, ...planned.warnings], ...(planned.existing ? { existing: planned.existing } : {}), sourceArn: input.sourceKey },
    input.region,
    input.keys,
  );
  return tagStreamPlan(ctx, plan, planned.existing, input.options, input.region);
}

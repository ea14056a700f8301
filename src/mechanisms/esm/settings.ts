import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { SELF_MANAGED_KAFKA_PREFIX } from './flags.js';
import { getMapping } from '../../aws/lambda.js';
import { UsageError } from '../../core/errors.js';
import { throwIfInterrupted } from '../../core/interrupt.js';
import { settleDelay } from '../../core/poll.js';
import type { Action, Change, RetryRule } from '../../core/plan.js';
import { canonicalJson, comparableJson } from '../../sources/options.js';
import type { AdapterContext, SourceType, TriggerView } from '../../sources/contract.js';

/**
 * The settings of an event source mapping that evsrc manages, by evsrc's own names.
 * A field left undefined means "not asked": a create leaves AWS's default, an update keeps what is there.
 */
export interface EsmSettings {
  batchSize?: number;
  batchingWindow?: number;
  /** SQS: ScalingConfig.MaximumConcurrency; null removes it (provisioned mode replaces it). */
  maxConcurrency?: number | null;
  filters?: string[];
  reportBatchItemFailures?: boolean;
  enabled?: boolean;
  startingPosition?: string;
  startingPositionTimestamp?: Date;
  parallelization?: number;
  retryAttempts?: number;
  maxRecordAge?: number;
  bisectOnError?: boolean;
  tumblingWindow?: number;
  onFailure?: string;
  /** MetricsConfig.Metrics; an empty list turns the metrics off. */
  metrics?: string[];
  /** SQS provisioned mode (ProvisionedPollerConfig); null turns it off. A bound left out is AWS's default. */
  provisionedPollers?: PollerConfig | null;
  /** KMSKeyArn: the key that encrypts the filter criteria; '' removes it (AWS's own key again). */
  filterKmsKey?: string;
  /** Kafka: the one topic (Topics); create-only. */
  topic?: string;
  /** Amazon MQ: the one queue (Queues); create-only. */
  queue?: string;
  /** Kafka: the consumer group id (…KafkaEventSourceConfig.ConsumerGroupId); create-only. */
  consumerGroupId?: string;
  /** Self-managed Kafka: the bootstrap servers (SelfManagedEventSource), sorted; create-only. */
  bootstrapServers?: string[];
  /** SourceAccessConfigurations other than VIRTUAL_HOST, as `TYPE=URI`, sorted. */
  sourceAccess?: string[];
  /** RabbitMQ: the virtual host (SourceAccessConfigurations VIRTUAL_HOST); create-only. */
  virtualHost?: string;
  /** DocumentDB: DocumentDBEventSourceConfig.DatabaseName; create-only. */
  database?: string;
  /** DocumentDB: DocumentDBEventSourceConfig.CollectionName ('' = every collection); create-only. */
  collection?: string;
  /** DocumentDB: DocumentDBEventSourceConfig.FullDocument (UpdateLookup or Default). */
  fullDocument?: string;
}

/** Provisioned mode's bounds, by evsrc's names. */
export interface PollerConfig {
  min?: number;
  max?: number;
}

/**
 * AWS's defaults for an SQS mapping's provisioned pollers (Lambda API, ProvisionedPollerConfig: "For Amazon
 * SQS event source mappings, default is 2 ... default of 200"). Only SQS takes pollers among evsrc's sources.
 */
export const SQS_POLLER_DEFAULTS = { min: 2, max: 200 } as const;

/** AWS's defaults for a Kafka mapping's provisioned pollers (ProvisionedPollerConfig: minimum 1, maximum 200). */
export const KAFKA_POLLER_DEFAULTS = { min: 1, max: 200 } as const;

/** AWS's values for a Kafka mapping's settings when they are not set. */
export const KAFKA_DEFAULTS: EsmSettings = {
  batchSize: 100,
  batchingWindow: 0,
  retryAttempts: -1,
  maxRecordAge: -1,
  bisectOnError: false,
  filters: [],
  reportBatchItemFailures: false,
  metrics: [],
  enabled: true,
};

/** The Type of a SourceAccessConfiguration that names a RabbitMQ virtual host (not a secret; create-only). */
const VIRTUAL_HOST = 'VIRTUAL_HOST';

type AccessEntry = { Type?: string; URI?: string };

const accessList = (m: EventSourceMappingConfiguration): AccessEntry[] => (m.SourceAccessConfigurations ?? []) as AccessEntry[];

/** SourceAccessConfigurations (without the virtual host) as sorted `TYPE=URI` strings. */
function readAccess(m: EventSourceMappingConfiguration): string[] | undefined {
  const list = accessList(m).filter((a) => a.Type !== VIRTUAL_HOST);
  return list.length ? list.map((a) => `${a.Type ?? ''}=${a.URI ?? ''}`).sort() : undefined;
}

/** `TYPE=URI` strings back into SourceAccessConfigurations. */
export function accessEntries(values: readonly string[]): AccessEntry[] {
  return values.map((v) => {
    const at = v.indexOf('=');
    return { Type: v.slice(0, at), URI: v.slice(at + 1) };
  });
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

type Field = {
  key: keyof EsmSettings;
  /** The API parameter, as shown in plans. */
  api: string;
  /** The current value, with AWS's omissions read as their documented defaults. */
  read(m: EventSourceMappingConfiguration): unknown;
  /** The request parameters that set the value. */
  write(value: unknown): Record<string, unknown>;
  /** Only CreateEventSourceMapping takes it (AWS: create-only). */
  createOnly?: boolean;
  equal?(a: unknown, b: unknown): boolean;
  /** How a value appears in a plan's old → new, when evsrc's form differs from the API's. */
  show?(value: unknown): unknown;
  /** True for an "off" value that a create leaves out (the new mapping is off without it). */
  offOnCreate?(value: unknown): boolean;
};

// Filter patterns compare as sets, each in its comparable form (value lists are unordered ORs).
const comparable = (pattern: string) => {
  try {
    return comparableJson(JSON.parse(pattern));
  } catch {
    return pattern;
  }
};
const sameSet = (a: unknown, b: unknown) => {
  const x = [...new Set(((a as string[] | undefined) ?? []).map(comparable))].sort();
  const y = [...new Set(((b as string[] | undefined) ?? []).map(comparable))].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

const readFilters = (m: EventSourceMappingConfiguration): string[] =>
  (m.FilterCriteria?.Filters ?? []).map((f) => {
    try {
      return canonicalJson(JSON.parse(f.Pattern ?? ''));
    } catch {
      return f.Pattern ?? '';
    }
  });

/** A timestamp (Date, ISO text or epoch seconds) as whole epoch seconds; undefined when absent. */
export function epochSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === 'number') return Math.floor(value);
  const parsed = Date.parse(String(value));
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000);
}

const ENABLED_STATES = new Set(['Enabled', 'Enabling', 'Creating', 'Updating']);

/** Every managed field: how it is read from a mapping and written to a request. */
export const ESM_FIELDS: readonly Field[] = [
  { key: 'batchSize', api: 'BatchSize', read: (m) => m.BatchSize, write: (v) => ({ BatchSize: v }) },
  {
    key: 'batchingWindow',
    api: 'MaximumBatchingWindowInSeconds',
    read: (m) => m.MaximumBatchingWindowInSeconds ?? 0,
    write: (v) => ({ MaximumBatchingWindowInSeconds: v }),
  },
  {
    key: 'maxConcurrency',
    api: 'ScalingConfig.MaximumConcurrency',
    read: (m) => m.ScalingConfig?.MaximumConcurrency,
    // AWS: "To remove the configuration, pass an empty value".
    write: (v) => ({ ScalingConfig: v === null ? {} : { MaximumConcurrency: v } }),
    equal: (a, b) => (a ?? null) === (b ?? null),
    offOnCreate: (v) => v === null,
  },
  {
    key: 'filters',
    api: 'FilterCriteria',
    read: readFilters,
    // AWS ignores a missing FilterCriteria on update; an empty object is what removes the filters.
    write: (v) => ({ FilterCriteria: (v as string[]).length ? { Filters: (v as string[]).map((Pattern) => ({ Pattern })) } : {} }),
    equal: sameSet,
  },
  {
    key: 'reportBatchItemFailures',
    api: 'FunctionResponseTypes',
    read: (m) => (m.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    write: (v) => ({ FunctionResponseTypes: v ? ['ReportBatchItemFailures'] : [] }),
    show: (v) => (v ? ['ReportBatchItemFailures'] : []),
  },
  { key: 'enabled', api: 'Enabled', read: (m) => ENABLED_STATES.has(m.State ?? 'Enabled'), write: (v) => ({ Enabled: v }) },
  { key: 'startingPosition', api: 'StartingPosition', read: (m) => m.StartingPosition, write: (v) => ({ StartingPosition: v }), createOnly: true },
  {
    key: 'startingPositionTimestamp',
    api: 'StartingPositionTimestamp',
    read: (m) => m.StartingPositionTimestamp,
    write: (v) => ({ StartingPositionTimestamp: v }),
    createOnly: true,
    // AWS keeps the timestamp to the second; compare at that precision.
    equal: (a, b) => epochSeconds(a) === epochSeconds(b),
  },
  { key: 'parallelization', api: 'ParallelizationFactor', read: (m) => m.ParallelizationFactor ?? 1, write: (v) => ({ ParallelizationFactor: v }) },
  { key: 'retryAttempts', api: 'MaximumRetryAttempts', read: (m) => m.MaximumRetryAttempts ?? -1, write: (v) => ({ MaximumRetryAttempts: v }) },
  { key: 'maxRecordAge', api: 'MaximumRecordAgeInSeconds', read: (m) => m.MaximumRecordAgeInSeconds ?? -1, write: (v) => ({ MaximumRecordAgeInSeconds: v }) },
  { key: 'bisectOnError', api: 'BisectBatchOnFunctionError', read: (m) => m.BisectBatchOnFunctionError ?? false, write: (v) => ({ BisectBatchOnFunctionError: v }) },
  { key: 'tumblingWindow', api: 'TumblingWindowInSeconds', read: (m) => m.TumblingWindowInSeconds ?? 0, write: (v) => ({ TumblingWindowInSeconds: v }) },
  {
    key: 'onFailure',
    api: 'DestinationConfig.OnFailure.Destination',
    read: (m) => m.DestinationConfig?.OnFailure?.Destination,
    write: (v) => ({ DestinationConfig: { OnFailure: { Destination: v } } }),
  },
  {
    key: 'metrics',
    api: 'MetricsConfig.Metrics',
    read: (m) => [...(m.MetricsConfig?.Metrics ?? [])],
    // An empty list turns the metrics off.
    write: (v) => ({ MetricsConfig: { Metrics: v } }),
    equal: (a, b) => sortedList(a) === sortedList(b),
    offOnCreate: (v) => (v as string[]).length === 0,
  },
  {
    key: 'provisionedPollers',
    api: 'ProvisionedPollerConfig',
    read: readPollers,
    // Turning provisioned mode off is an empty configuration, as for ScalingConfig.
    write: (v) => ({ ProvisionedPollerConfig: v === null ? {} : pollerInput(v as PollerConfig) }),
    equal: samePollers,
    show: (v) => (v ? pollerInput(v as PollerConfig) : null),
    offOnCreate: (v) => v === null,
  },
  {
    key: 'filterKmsKey',
    api: 'KMSKeyArn',
    read: (m) => m.KMSKeyArn || undefined,
    // An empty KMSKeyArn goes back to the AWS owned key (the API's pattern allows the empty string).
    write: (v) => ({ KMSKeyArn: v }),
    equal: (a, b) => (a || '') === (b || ''),
    show: (v) => (v ? v : null),
    offOnCreate: (v) => v === '',
  },
  { key: 'topic', api: 'Topics', read: (m) => m.Topics?.[0], write: (v) => ({ Topics: [v] }), createOnly: true },
  { key: 'queue', api: 'Queues', read: (m) => m.Queues?.[0], write: (v) => ({ Queues: [v] }), createOnly: true },
  {
    key: 'consumerGroupId',
    api: 'ConsumerGroupId',
    read: (m) => m.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ?? m.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId,
    // The MSK shape; a self-managed Kafka create moves it to SelfManagedKafkaEventSourceConfig (see kafka.ts).
    write: (v) => ({ AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: v } }),
    createOnly: true,
  },
  {
    key: 'bootstrapServers',
    api: 'SelfManagedEventSource',
    read: (m) => {
      const servers = m.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS;
      return servers?.length ? [...servers].sort() : undefined;
    },
    write: (v) => ({ SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: stringList(v) } } }),
    createOnly: true,
    equal: (a, b) => sortedList(a) === sortedList(b),
  },
  {
    key: 'sourceAccess',
    api: 'SourceAccessConfigurations',
    read: readAccess,
    write: (v) => ({ SourceAccessConfigurations: accessEntries(stringList(v)) }),
    equal: (a, b) => sortedList(a) === sortedList(b),
  },
  {
    key: 'virtualHost',
    api: 'SourceAccessConfigurations.VIRTUAL_HOST',
    read: (m) => accessList(m).find((a) => a.Type === VIRTUAL_HOST)?.URI,
    write: (v) => ({ SourceAccessConfigurations: [{ Type: VIRTUAL_HOST, URI: v }] }),
    createOnly: true,
  },
  {
    key: 'database',
    api: 'DocumentDBEventSourceConfig.DatabaseName',
    read: (m) => m.DocumentDBEventSourceConfig?.DatabaseName,
    write: (v) => ({ DocumentDBEventSourceConfig: { DatabaseName: v } }),
    createOnly: true,
  },
  {
    key: 'collection',
    api: 'DocumentDBEventSourceConfig.CollectionName',
    // No collection: every collection of the database.
    read: (m) => (m.DocumentDBEventSourceConfig ? (m.DocumentDBEventSourceConfig.CollectionName ?? '') : undefined),
    write: (v) => (v === '' ? {} : { DocumentDBEventSourceConfig: { CollectionName: v } }),
    createOnly: true,
  },
  {
    key: 'fullDocument',
    api: 'DocumentDBEventSourceConfig.FullDocument',
    // AWS: "Default" unless UpdateLookup is asked.
    read: (m) => (m.DocumentDBEventSourceConfig ? (m.DocumentDBEventSourceConfig.FullDocument ?? 'Default') : undefined),
    write: (v) => ({ DocumentDBEventSourceConfig: { FullDocument: v } }),
  },
];

/** Puts one field's request parameters into an input: lists of the same parameter are joined, objects merged. */
function mergeInput(input: Record<string, unknown>, part: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(part)) {
    const have = input[k];
    if (Array.isArray(have) && Array.isArray(v)) input[k] = [...have, ...v];
    else if (have && v && typeof have === 'object' && typeof v === 'object' && !Array.isArray(have) && !Array.isArray(v)) input[k] = { ...have, ...v };
    else input[k] = v;
  }
}

const sortedList = (v: unknown) => JSON.stringify([...new Set((v as string[] | undefined) ?? [])].sort());

function readPollers(m: EventSourceMappingConfiguration): PollerConfig | undefined {
  const c = m.ProvisionedPollerConfig;
  if (!c || (c.MinimumPollers === undefined && c.MaximumPollers === undefined)) return undefined;
  const out: PollerConfig = {};
  if (c.MinimumPollers !== undefined) out.min = c.MinimumPollers;
  if (c.MaximumPollers !== undefined) out.max = c.MaximumPollers;
  return out;
}

function pollerInput(v: PollerConfig): Record<string, number> {
  const out: Record<string, number> = {};
  if (v.min !== undefined) out.MinimumPollers = v.min;
  if (v.max !== undefined) out.MaximumPollers = v.max;
  return out;
}

// A bound left out is AWS's default, so {max: 200} equals {min: 2, max: 200}; off equals absent.
function samePollers(a: unknown, b: unknown): boolean {
  const x = (a ?? null) as PollerConfig | null;
  const y = (b ?? null) as PollerConfig | null;
  if (x === null || y === null) return x === y;
  return (x.min ?? SQS_POLLER_DEFAULTS.min) === (y.min ?? SQS_POLLER_DEFAULTS.min) && (x.max ?? SQS_POLLER_DEFAULTS.max) === (y.max ?? SQS_POLLER_DEFAULTS.max);
}

function fieldEqual(field: Field, a: unknown, b: unknown): boolean {
  return field.equal ? field.equal(a, b) : a === b;
}

/** The request parameters for the settings that were asked. */
export function settingsToInput(settings: EsmSettings, includeCreateOnly: boolean): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of ESM_FIELDS) {
    const value = settings[field.key];
    if (value === undefined || (field.createOnly && !includeCreateOnly)) continue;
    if (includeCreateOnly && field.offOnCreate?.(value)) continue;
    mergeInput(input, field.write(value));
  }
  return input;
}

/** The settings of an existing mapping, read back into evsrc's names. */
export function readSettings(mapping: EventSourceMappingConfiguration, keys?: readonly (keyof EsmSettings)[]): EsmSettings {
  const out: Record<string, unknown> = {};
  for (const field of ESM_FIELDS) {
    if (keys && !keys.includes(field.key)) continue;
    const value = field.read(mapping);
    if (value !== undefined) out[field.key] = value;
  }
  return out as EsmSettings;
}

/** What differs between an existing mapping and the asked settings, split into mutable and create-only. */
export function diffMapping(existing: EventSourceMappingConfiguration, asked: EsmSettings): { changes: Change[]; immutable: Change[] } {
  const changes: Change[] = [];
  const immutable: Change[] = [];
  for (const field of ESM_FIELDS) {
    const want = asked[field.key];
    if (want === undefined) continue;
    const have = field.read(existing);
    if (fieldEqual(field, have, want)) continue;
    const show = field.show ?? ((v: unknown) => v);
    (field.createOnly ? immutable : changes).push({ field: field.api, from: show(have) ?? null, to: show(want) });
  }
  return { changes, immutable };
}

/** The settings a mapping will have once the asked ones are applied over the existing ones (or AWS defaults). */
export function effectiveSettings(asked: EsmSettings, existing?: EventSourceMappingConfiguration, defaults: EsmSettings = {}): EsmSettings {
  const base = existing ? readSettings(existing) : defaults;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(asked)) if (v !== undefined) merged[k] = v;
  return merged as EsmSettings;
}

/**
 * AWS rule for SQS (Lambda API, MaximumBatchingWindowInSeconds): a batch size over 10 needs a batching
 * window of at least 1 second. The API text also names streams, but streams default to a batch of 100
 * with a window of 0 (Lambda developer guide, DynamoDB and Kinesis parameter tables) and the errors
 * reported in the wild are all SQS, so evsrc applies it to SQS only. Checked on the settings the
 * mapping would end up with.
 */
export function checkBatchWindow(effective: EsmSettings, asked: EsmSettings): void {
  const batch = effective.batchSize;
  const window = effective.batchingWindow ?? 0;
  if (batch !== undefined && batch > 10 && window < 1) {
    const flag = asked.batchSize !== undefined ? '--batch-size' : '--batching-window';
    const value = asked.batchSize !== undefined ? batch : window;
    throw new UsageError(
      `${flag}: invalid value ${JSON.stringify(String(value))}; a batch size over 10 (here ${batch}) needs --batching-window of at least 1 second (here ${window})`,
    );
  }
}

/** Error texts Lambda uses when the execution role cannot (yet) read the source; often IAM propagation. */
export const EXECUTION_ROLE_MESSAGES = [
  'execution role does not have permissions',
  'cannot be assumed by Lambda',
  'ensure the role can perform',
  'Cannot access stream',
];

/** Retry rule for a new execution role whose permissions are still propagating; `hint` names the actions needed. */
export function executionRoleRetry(hint: string): RetryRule {
  return {
    errorNames: ['InvalidParameterValueException'],
    messageIncludes: EXECUTION_ROLE_MESSAGES,
    attempts: 5,
    delayMs: 2000,
    reason: 'the execution role lacks permission (IAM changes take seconds to propagate)',
    hint,
  };
}

/** Retry rule for a mapping that is busy changing state (ResourceInUseException). */
export const RESOURCE_IN_USE_RETRY: RetryRule = {
  errorNames: ['ResourceInUseException'],
  attempts: 6,
  delayMs: 2000,
  reason: 'the mapping is busy with another change',
};

/** Everything planEsm needs: the resolved source and function, the mappings found, the asked settings. */
export interface EsmPlanInput {
  type: SourceType;
  sourceArn: string;
  functionArn: string;
  /** Mappings of this source that belong to this function. */
  existing: EventSourceMappingConfiguration[];
  asked: EsmSettings;
  /** Retry rules of the create and update calls (execution-role propagation). */
  retry: RetryRule[];
  /** The region of the source and function. */
  region?: string;
}

/**
 * The settings a planned CreateEventSourceMapping was asked for (only what the user asked, not the defaults
 * its input may carry), for the read-back of a create that raced another run.
 */
export const ASKED_SETTINGS = new WeakMap<Action, EsmSettings>();

/** The plan of an add for a mapping source: create, update in place, or nothing. */
export function planEsm(input: EsmPlanInput): { actions: Action[]; mapping?: EventSourceMappingConfiguration; immutable: Change[] } {
  const mapping = input.existing[0];
  if (!mapping) {
    const create: Action = {
      api: 'lambda:CreateEventSourceMapping',
      summary: `create ${input.type} mapping ${input.sourceArn} → ${input.functionArn}`,
      input: { FunctionName: input.functionArn, EventSourceArn: input.sourceArn, ...settingsToInput(input.asked, true) },
      retry: input.retry,
    };
    if (input.region) create.region = input.region;
    ASKED_SETTINGS.set(create, input.asked);
    return { actions: [create], immutable: [] };
  }
  const { changes, immutable } = diffMapping(mapping, input.asked);
  if (changes.length === 0) return { actions: [], mapping, immutable };
  const changedKeys = new Set(changes.map((c) => c.field));
  const changedSettings: EsmSettings = {};
  for (const field of ESM_FIELDS) {
    if (changedKeys.has(field.api)) (changedSettings as Record<string, unknown>)[field.key] = input.asked[field.key];
  }
  const update: Action = {
    api: 'lambda:UpdateEventSourceMapping',
    summary: `update ${input.type} mapping ${mapping.UUID}: ${changes.map((c) => c.field).join(', ')}`,
    input: { UUID: mapping.UUID, ...settingsToInput(changedSettings, false) },
    changes,
    retry: [...input.retry, RESOURCE_IN_USE_RETRY],
  };
  if (input.region) update.region = input.region;
  return { actions: [update], mapping, immutable };
}

/** Mapping states that are on their way to another state. */
export const TRANSITIONAL_STATES = new Set(['Creating', 'Enabling', 'Disabling', 'Updating', 'Deleting']);

/** Polls a mapping until it leaves its transitional state (bounded); returns its last known form. */
export async function waitForMapping(
  ctx: AdapterContext,
  mapping: EventSourceMappingConfiguration,
  region?: string,
  timeoutMs = 300_000,
): Promise<EventSourceMappingConfiguration> {
  let current = mapping;
  const uuid = mapping.UUID;
  if (!ctx.wait || !uuid) return current;
  const started = Date.now();
  let attempt = 0;
  while (TRANSITIONAL_STATES.has(current.State ?? '')) {
    if (Date.now() - started > timeoutMs) {
      ctx.reporter.emit({ type: 'warning', code: 'mapping-still-transitional', message: `mapping ${current.UUID} is still ${current.State} after ${timeoutMs / 1000}s; not waiting longer` });
      break;
    }
    // An interrupt during the wait stops it: the mapping exists, and `add` shows it as it is now.
    throwIfInterrupted(ctx.interrupt, `while waiting for mapping ${current.UUID} (${current.State})`);
    ctx.reporter.emit({ type: 'progress', message: `waiting for mapping ${current.UUID} (${current.State})` });
    // Read soon first, then back off: a mapping ready in 300 ms should not cost a second.
    await ctx.sleep(settleDelay(attempt));
    attempt += 1;
    let next: EventSourceMappingConfiguration | undefined;
    try {
      next = await getMapping(ctx.aws, uuid, region);
    } catch (error) {
      // The write is done: a read that fails while waiting does not undo it. Say so and stop waiting.
      ctx.reporter.emit({
        type: 'warning',
        code: 'mapping-not-read',
        message: `mapping ${uuid} was written, but reading it back failed (${(error as Error).name || 'error'}: ${(error as Error).message}); it is shown as last known (${current.State})`,
      });
      break;
    }
    if (!next) break;
    current = next;
  }
  ctx.reporter.emit({ type: 'progress-end', ok: true });
  return current;
}

export { SELF_MANAGED_KAFKA_PREFIX } from './flags.js';

/**
 * The source of a mapping as evsrc keys it: the EventSourceArn, or for self-managed Kafka (which has none)
 * `kafka-bootstrap-servers:<servers, sorted, comma-separated>`.
 */
export function sourceKeyOf(mapping: EventSourceMappingConfiguration): string {
  if (mapping.EventSourceArn) return mapping.EventSourceArn;
  const servers = mapping.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS;
  return servers?.length ? `${SELF_MANAGED_KAFKA_PREFIX}${[...servers].sort().join(',')}` : '';
}

/** A mapping as a TriggerView. */
export function mappingView(type: SourceType, mapping: EventSourceMappingConfiguration, keys?: readonly (keyof EsmSettings)[]): TriggerView {
  const view: TriggerView = {
    type,
    id: mapping.UUID ?? '',
    sourceArn: sourceKeyOf(mapping),
    functionArn: mapping.FunctionArn ?? '',
    settings: readSettings(mapping, keys) as Record<string, unknown>,
  };
  if (mapping.State) view.state = mapping.State;
  if (mapping.StateTransitionReason) view.stateTransitionReason = mapping.StateTransitionReason;
  if (mapping.LastProcessingResult) view.lastProcessingResult = mapping.LastProcessingResult;
  return view;
}

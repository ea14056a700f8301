import type { OptionSpec, PushTraits, RegisteredType, SourceType, TriggerType, TriggerView } from './contract.js';
import { documentdbTypeSpec } from './documentdb/spec.js';
import { dynamodbTypeSpec } from './dynamodb/spec.js';
import { eventbridgeTypeSpec } from './eventbridge/spec.js';
import { kafkaTypeSpec } from './kafka/spec.js';
import { kinesisTypeSpec } from './kinesis/spec.js';
import { logsTypeSpec } from './logs/spec.js';
import { mqTypeSpec } from './mq/spec.js';
import { mskTypeSpec } from './msk/spec.js';
import { s3TypeSpec } from './s3/spec.js';
import { snsTypeSpec } from './sns/spec.js';
import { sqsTypeSpec } from './sqs/spec.js';

/**
 * The registry of trigger types: one line each, the type's spec (flags, examples and the facts that tell
 * types apart) and how to load its implementation. The specs are all `--help` and argument parsing read;
 * an implementation (planning, list, remove) is its own bundle chunk, loaded only by a command that uses
 * that type. Their order is the order of `--help`; `list` shows mapping types first, then push types,
 * each in this order.
 */
export const TRIGGER_TYPES: readonly RegisteredType[] = [
  { ...sqsTypeSpec, load: async () => (await import('./sqs.js')).sqsType },
  { ...s3TypeSpec, load: async () => (await import('./s3/index.js')).s3Type },
  { ...snsTypeSpec, load: async () => (await import('./sns/index.js')).snsType },
  { ...dynamodbTypeSpec, load: async () => (await import('./dynamodb.js')).dynamodbType },
  { ...kinesisTypeSpec, load: async () => (await import('./kinesis.js')).kinesisType },
  { ...mskTypeSpec, load: async () => (await import('./msk.js')).mskType },
  { ...kafkaTypeSpec, load: async () => (await import('./kafka.js')).kafkaType },
  { ...mqTypeSpec, load: async () => (await import('./mq.js')).mqType },
  { ...documentdbTypeSpec, load: async () => (await import('./documentdb.js')).documentdbType },
  { ...eventbridgeTypeSpec, load: async () => (await import('./eventbridge/index.js')).eventbridgeType },
  { ...logsTypeSpec, load: async () => (await import('./logs/index.js')).logsType },
] as RegisteredType[];

// Each implementation takes its TypeSpec from here rather than from its spec file: every implementation
// then reaches every spec, so the bundle keeps all specs in one chunk, the one `add <type> --help` reads
// (one file instead of one per type and per helper they share).
export {
  documentdbTypeSpec,
  dynamodbTypeSpec,
  eventbridgeTypeSpec,
  kafkaTypeSpec,
  kinesisTypeSpec,
  logsTypeSpec,
  mqTypeSpec,
  mskTypeSpec,
  s3TypeSpec,
  snsTypeSpec,
  sqsTypeSpec,
};

/** The names of the registered types, in registry order. */
export function typeNames(): SourceType[] {
  return TRIGGER_TYPES.map((t) => t.spec.type);
}

/** The registered type of that name (its spec, without loading it), or undefined. */
export function triggerType(name: string): RegisteredType | undefined {
  return TRIGGER_TYPES.find((t) => t.spec.type === name);
}

/** The whole type of that name, its implementation loaded, or undefined. */
export async function loadTriggerType(name: string): Promise<TriggerType | undefined> {
  return triggerType(name)?.load();
}

/** The whole types, in registry order: all, or those named in `only`; loaded at once, side by side. */
export function loadTriggerTypes(only?: ReadonlySet<SourceType>): Promise<TriggerType[]> {
  return Promise.all(TRIGGER_TYPES.filter((t) => !only || only.has(t.spec.type)).map((t) => t.load()));
}

/** Commander's attribute name of a flag: `--event-bus <bus>` → `eventBus`. */
export function flagKey(flags: string): string {
  const long = /--([a-z0-9-]+)/i.exec(flags)?.[1] ?? flags;
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Every type's `remove` flags, once each, with the types that take it (for the command's --help). */
export function removeFlags(): { option: OptionSpec; types: SourceType[] }[] {
  const out = new Map<string, { option: OptionSpec; types: SourceType[] }>();
  for (const t of TRIGGER_TYPES) {
    for (const option of t.spec.removeOptions ?? []) {
      const entry = out.get(option.flags) ?? { option, types: [] };
      entry.types.push(t.spec.type);
      out.set(option.flags, entry);
    }
  }
  return [...out.values()];
}

/** The type a source ARN belongs to, or undefined for kinds evsrc does not handle. */
export function sourceTypeOfArn(arn: string): SourceType | undefined {
  return TRIGGER_TYPES.find((t) => t.ownsSourceArn(arn))?.spec.type;
}

/** The push type of a service principal (s3.amazonaws.com, sns.<opt-in region>.amazonaws.com, …). */
export function pushTypeOfPrincipal(principal: string): SourceType | undefined {
  return TRIGGER_TYPES.find((t) => t.push?.matchesPrincipal(principal))?.spec.type;
}

/** The push types by name, for the permission checks. */
export function pushTraits(): Map<SourceType, PushTraits> {
  return new Map(TRIGGER_TYPES.filter((t) => t.push).map((t) => [t.spec.type, t.push as PushTraits]));
}

/** Sorts triggers by function, type (mapping types, then push types), source and id so output is stable from run to run. */
export function sortTriggers(triggers: readonly TriggerView[]): TriggerView[] {
  const order = [...TRIGGER_TYPES.filter((t) => t.mapping), ...TRIGGER_TYPES.filter((t) => !t.mapping)].map((t) => t.spec.type);
  const rank = (type: string) => (order.includes(type) ? order.indexOf(type) : order.length);
  return [...triggers].sort(
    (a, b) => a.functionArn.localeCompare(b.functionArn) || rank(a.type) - rank(b.type) || a.sourceArn.localeCompare(b.sourceArn) || a.id.localeCompare(b.id),
  );
}

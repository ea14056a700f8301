import { createHash } from 'node:crypto';
import { invalidFlag } from '../../core/errors.js';
import { functionNameOf, qualifierOf } from '../../core/arn.js';

// Pure logic for S3 bucket notification configurations: event types, evsrc's own entry ids,
// the overlap rule S3 enforces, and merging one Lambda entry into a configuration that other
// people own. No SDK imports: the shapes below mirror the S3 API so the caller can pass them
// straight to Get/PutBucketNotificationConfiguration.

import { S3_EVENT_TYPES } from './events.js';

export { S3_EVENT_TYPES } from './events.js';

/** The event type evsrc subscribes to when --events is not given. */
export const DEFAULT_S3_EVENTS: readonly string[] = ['s3:ObjectCreated:*'];

/** A key filter rule as S3 returns it; S3 answers "Prefix"/"Suffix" where the API takes "prefix"/"suffix". */
export interface FilterRule {
  Name?: string;
  Value?: string;
}

/** The Filter of a notification entry. */
export interface NotificationFilter {
  Key?: { FilterRules?: FilterRule[] };
}

/** Fields every kind of notification entry shares. */
export interface NotificationEntryBase {
  Id?: string;
  Events: string[];
  Filter?: NotificationFilter;
}

/** An entry that invokes a Lambda function. */
export interface LambdaFunctionConfiguration extends NotificationEntryBase {
  LambdaFunctionArn: string;
}

/** An entry that sends to an SQS queue. */
export interface QueueConfiguration extends NotificationEntryBase {
  QueueArn: string;
}

/** An entry that publishes to an SNS topic. */
export interface TopicConfiguration extends NotificationEntryBase {
  TopicArn: string;
}

/** A bucket's whole notification configuration; PUT replaces all of it, so every part must be carried over. */
export interface NotificationConfiguration {
  TopicConfigurations?: TopicConfiguration[];
  QueueConfigurations?: QueueConfiguration[];
  LambdaFunctionConfigurations?: LambdaFunctionConfiguration[];
  /** Present (even as `{}`) means EventBridge delivery is on; omitting it on PUT turns it off. */
  EventBridgeConfiguration?: Record<string, unknown>;
}

/** Which list an entry lives in. */
export type NotificationKind = 'lambda' | 'queue' | 'topic';

/** The key filter evsrc asks for: absent or empty means "every key". */
export interface KeyFilter {
  prefix?: string;
  suffix?: string;
}

/** The rule evsrc wants to add: event types plus key filter. */
export interface CandidateRule extends KeyFilter {
  events: readonly string[];
}

/** An existing entry S3 would reject the candidate against. */
export interface Overlap {
  kind: NotificationKind;
  id?: string;
  destinationArn: string;
  /** The candidate's event types that collide with the entry's. */
  sharedEvents: string[];
  prefix?: string;
  suffix?: string;
}

// S3 FilterRule values are at most 1,024 characters (S3 API reference, FilterRule).
const MAX_FILTER_VALUE_LENGTH = 1024;

/** Parses --events (comma-separated and/or repeated); throws a UsageError naming the bad value. */
export function parseS3Events(values: string[] | undefined): string[] {
  if (values === undefined) return [...DEFAULT_S3_EVENTS];
  const given = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  // `--events ''` (or `a,,b`) is a mistake, not a request for the default: refused, naming the value.
  if (given.length === 0 || given.some((v) => v.length === 0)) {
    throw invalidFlag('--events', values.join(','), `give one or more S3 event types, comma-separated or repeated (leave the flag out for ${DEFAULT_S3_EVENTS.join(', ')}); allowed S3 event types: ${S3_EVENT_TYPES.join(', ')}`);
  }
  const known = new Set<string>(S3_EVENT_TYPES);
  const unique: string[] = [];
  for (const event of given) {
    if (!known.has(event)) {
      const guess = suggestEvent(event);
      const hint = guess ? `did you mean ${JSON.stringify(guess)}? ` : '';
      throw invalidFlag('--events', event, `${hint}allowed S3 event types: ${S3_EVENT_TYPES.join(', ')}`);
    }
    if (!unique.includes(event)) unique.push(event);
  }
  // A specific type next to its own family wildcard adds nothing (the wildcard already delivers it),
  // and keeping both only makes the entry harder to compare, so the specific one is dropped.
  return unique.filter((event) => !unique.some((other) => other !== event && wildcardContains(other, event)));
}

/** Refuses a --prefix/--suffix longer than S3's 1,024-character FilterRule limit. */
export function checkKeyFilter(filter: KeyFilter): void {
  for (const [flag, value] of [
    ['--prefix', filter.prefix],
    ['--suffix', filter.suffix],
  ] as const) {
    if (value !== undefined && value.length > MAX_FILTER_VALUE_LENGTH) {
      throw invalidFlag(flag, value, `S3 key filter values are at most ${MAX_FILTER_VALUE_LENGTH} characters (got ${value.length})`);
    }
  }
}

/**
 * Warnings for filter values that S3 reads literally: it has no wildcards, so '*' and '?' only match
 * keys that contain those characters, and the S3 User Guide asks for spaces to be written as '+'.
 */
export function literalFilterWarnings(prefix?: string, suffix?: string): string[] {
  const warnings: string[] = [];
  for (const [flag, value] of [
    ['--prefix', prefix],
    ['--suffix', suffix],
  ] as const) {
    if (!value) continue;
    const wild = [...new Set(value.match(/[*?]/g) ?? [])];
    if (wild.length > 0) {
      warnings.push(
        `${flag} ${JSON.stringify(value)} contains ${wild.map((c) => `'${c}'`).join(' and ')}: S3 key filters have no wildcards, so this only matches keys that literally contain ${wild.length > 1 ? 'them' : 'it'}`,
      );
    }
    if (value.includes(' ')) {
      warnings.push(`${flag} ${JSON.stringify(value)} contains a space: S3 expects spaces in key filters written as '+'`);
    }
  }
  return warnings;
}

/**
 * The Id of evsrc's own entry: `evsrc-<function name>-<12 hex>`. The hash covers the function ARN,
 * bucket, sorted events, prefix and suffix, so the same request always yields the same Id.
 * S3 allows Ids up to 255 characters; this one stays under 120.
 */
export function notificationId(functionArn: string, bucket: string, events: readonly string[], prefix?: string, suffix?: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([functionArn, bucket, [...new Set(events)].sort(), prefix ?? '', suffix ?? '']))
    .digest('hex')
    .slice(0, 12);
  return `evsrc-${idNamePart(functionArn)}-${hash}`;
}

/**
 * True when `id` has exactly the shape evsrc gives entries for this function. The whole Id is matched,
 * never a startsWith on the name, so function "users" does not claim "users-admin"'s entries.
 */
export function isEvsrcIdFor(id: string | undefined, functionArn: string): boolean {
  if (!id) return false;
  const head = `evsrc-${idNamePart(functionArn)}-`;
  return id.startsWith(head) && /^[0-9a-f]{12}$/.test(id.slice(head.length));
}

/** True when a Lambda entry is evsrc's own for this exact function ARN (Id shape and destination both match). */
export function isOwnLambdaEntry(entry: LambdaFunctionConfiguration, functionArn: string): boolean {
  return entry.LambdaFunctionArn === functionArn && isEvsrcIdFor(entry.Id, functionArn);
}

/** Builds the Lambda entry evsrc puts on the bucket; the filter is left out when neither prefix nor suffix is set. */
export function buildLambdaEntry(functionArn: string, bucket: string, rule: CandidateRule): LambdaFunctionConfiguration {
  const events = [...rule.events];
  const entry: LambdaFunctionConfiguration = {
    Id: notificationId(functionArn, bucket, events, rule.prefix, rule.suffix),
    LambdaFunctionArn: functionArn,
    Events: events,
  };
  const rules: FilterRule[] = [];
  // The API spells filter rule names in lower case (FilterRule.Name valid values: prefix | suffix).
  if (rule.prefix) rules.push({ Name: 'prefix', Value: rule.prefix });
  if (rule.suffix) rules.push({ Name: 'suffix', Value: rule.suffix });
  if (rules.length > 0) entry.Filter = { Key: { FilterRules: rules } };
  return entry;
}

/** Reads an entry's prefix and suffix, matching rule names case-insensitively (S3 answers "Prefix"/"Suffix"). */
export function entryFilter(entry: { Filter?: NotificationFilter }): KeyFilter {
  const filter: KeyFilter = {};
  for (const rule of entry.Filter?.Key?.FilterRules ?? []) {
    const name = rule.Name?.toLowerCase();
    if (name === 'prefix' && filter.prefix === undefined && rule.Value) filter.prefix = rule.Value;
    if (name === 'suffix' && filter.suffix === undefined && rule.Value) filter.suffix = rule.Value;
  }
  return filter;
}

/**
 * True when two event types can fire for the same event: equal, or one is a family wildcard
 * (`s3:ObjectCreated:*`) that contains the other (`s3:ObjectCreated:Put`).
 */
export function eventTypesOverlap(a: string, b: string): boolean {
  return a === b || wildcardContains(a, b) || wildcardContains(b, a);
}

/** True when some key can start with both prefixes; an absent or empty prefix overlaps every prefix. */
export function prefixesOverlap(a?: string, b?: string): boolean {
  if (!a || !b) return true;
  return a.startsWith(b) || b.startsWith(a);
}

/** True when some key can end with both suffixes ("jpg" and "pg" do, ".jpg" and ".png" do not); absent overlaps all. */
export function suffixesOverlap(a?: string, b?: string): boolean {
  if (!a || !b) return true;
  return a.endsWith(b) || b.endsWith(a);
}

/**
 * The first existing entry (Lambda, queue or topic alike) that S3 would reject the candidate against, or undefined.
 *
 * S3 User Guide, "Configuring event notifications using object key name filtering": configurations cannot
 * define filtering rules with overlapping prefixes, overlapping suffixes, or overlapping combinations of
 * prefixes and suffixes for the same event types; overlapping prefixes are allowed when the suffixes do not
 * overlap, overlapping filters are allowed for different event types, and a rule without a prefix or suffix
 * is taken to match any prefix or suffix. Two prefixes overlap when a key can begin with both, two suffixes
 * when a key can end with both. So two rules conflict when they share an overlapping event type AND their
 * prefixes overlap AND their suffixes overlap. S3 answers such a PUT with InvalidArgument
 * ("Configurations overlap" / "Configuration is ambiguously defined").
 *
 * `ignoreId` skips the entry the candidate is about to replace.
 */
export function findOverlap(config: NotificationConfiguration, candidate: CandidateRule, ignoreId?: string): Overlap | undefined {
  for (const { kind, entry, destinationArn } of allEntries(config)) {
    if (ignoreId !== undefined && entry.Id === ignoreId) continue;
    const shared = candidate.events.filter((mine) => (entry.Events ?? []).some((theirs) => eventTypesOverlap(mine, theirs)));
    if (shared.length === 0) continue;
    const theirs = entryFilter(entry);
    if (!prefixesOverlap(candidate.prefix, theirs.prefix) || !suffixesOverlap(candidate.suffix, theirs.suffix)) continue;
    const overlap: Overlap = { kind, destinationArn, sharedEvents: shared };
    if (entry.Id !== undefined) overlap.id = entry.Id;
    if (theirs.prefix !== undefined) overlap.prefix = theirs.prefix;
    if (theirs.suffix !== undefined) overlap.suffix = theirs.suffix;
    return overlap;
  }
  return undefined;
}

/**
 * Drops what the SDK adds to a GetBucketNotificationConfiguration answer (`$metadata`) and undefined
 * fields, keeping everything else, including keys evsrc does not know, so a PUT carries them back.
 */
export function toNotificationConfiguration(output: object): NotificationConfiguration {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    if (key === '$metadata' || value === undefined) continue;
    config[key] = structuredClone(value);
  }
  return config as NotificationConfiguration;
}

/**
 * A new configuration with `entry` in place of the Lambda entry that has the same Id (or appended when none has).
 * Every other entry, list and key (queues, topics, other Lambda entries, EventBridgeConfiguration, even `{}`)
 * is carried over deep-equal and in order, because PUT replaces the whole configuration.
 */
export function mergeLambdaEntry(config: NotificationConfiguration, entry: LambdaFunctionConfiguration): NotificationConfiguration {
  // An entry without an Id would get one assigned by S3 and could never be found again on a re-run.
  if (!entry.Id) throw new Error('mergeLambdaEntry: the entry needs an Id');
  const next = structuredClone(config);
  const lambdas = next.LambdaFunctionConfigurations ?? [];
  const at = lambdas.findIndex((existing) => existing.Id === entry.Id);
  if (at >= 0) lambdas[at] = structuredClone(entry);
  else lambdas.push(structuredClone(entry));
  next.LambdaFunctionConfigurations = lambdas;
  return next;
}

/** A new configuration without the Lambda entries `predicate` selects, plus the entries removed; all else is kept. */
export function removeLambdaEntries(
  config: NotificationConfiguration,
  predicate: (entry: LambdaFunctionConfiguration) => boolean,
): { config: NotificationConfiguration; removed: LambdaFunctionConfiguration[] } {
  const next = structuredClone(config);
  const removed: LambdaFunctionConfiguration[] = [];
  if (next.LambdaFunctionConfigurations) {
    next.LambdaFunctionConfigurations = next.LambdaFunctionConfigurations.filter((entry) => {
      if (!predicate(entry)) return true;
      removed.push(entry);
      return false;
    });
  }
  return { config: next, removed };
}

/**
 * True when two configurations say the same thing: entry order, event order, filter-rule order and
 * rule-name case ("prefix" vs "Prefix") do not matter, and a missing list equals an empty one.
 * EventBridgeConfiguration present vs absent does matter (it switches EventBridge delivery).
 */
export function configsEqual(a: NotificationConfiguration, b: NotificationConfiguration): boolean {
  const lists: [keyof NotificationConfiguration, string][] = [
    ['LambdaFunctionConfigurations', 'LambdaFunctionArn'],
    ['QueueConfigurations', 'QueueArn'],
    ['TopicConfigurations', 'TopicArn'],
  ];
  for (const [list, arnKey] of lists) {
    const left = normalizedList(a[list] as NotificationEntryBase[] | undefined, arnKey);
    const right = normalizedList(b[list] as NotificationEntryBase[] | undefined, arnKey);
    if (left.length !== right.length || left.some((item, i) => item !== right[i])) return false;
  }
  if ((a.EventBridgeConfiguration === undefined) !== (b.EventBridgeConfiguration === undefined)) return false;
  return JSON.stringify(sortKeys(a.EventBridgeConfiguration ?? {})) === JSON.stringify(sortKeys(b.EventBridgeConfiguration ?? {}));
}

// --- helpers -------------------------------------------------------------------------------------

/** Every entry of a configuration with its kind and destination, in list order: Lambda, queue, topic. */
function allEntries(config: NotificationConfiguration): { kind: NotificationKind; entry: NotificationEntryBase; destinationArn: string }[] {
  return [
    ...(config.LambdaFunctionConfigurations ?? []).map((entry) => ({ kind: 'lambda' as const, entry, destinationArn: entry.LambdaFunctionArn })),
    ...(config.QueueConfigurations ?? []).map((entry) => ({ kind: 'queue' as const, entry, destinationArn: entry.QueueArn })),
    ...(config.TopicConfigurations ?? []).map((entry) => ({ kind: 'topic' as const, entry, destinationArn: entry.TopicArn })),
  ];
}

/** `family` is a wildcard like `s3:ObjectCreated:*` and `event` is a type inside that family. */
function wildcardContains(family: string, event: string): boolean {
  return family.endsWith(':*') && family !== event && event.startsWith(family.slice(0, -1));
}

/** The function part of evsrc's Ids: name (plus qualifier) with anything outside [A-Za-z0-9_-] made '_'. */
function idNamePart(functionArn: string): string {
  const qualifier = qualifierOf(functionArn);
  const raw = qualifier ? `${functionNameOf(functionArn)}-${qualifier}` : functionNameOf(functionArn);
  // Function names are at most 64 characters; qualifiers up to 128, so cap the whole to keep Ids short.
  return raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
}

/** Entries rendered as comparable strings, sorted, so list order does not matter. */
function normalizedList(entries: NotificationEntryBase[] | undefined, arnKey: string): string[] {
  return (entries ?? [])
    .map((entry) => {
      const record = entry as unknown as Record<string, unknown>;
      const filter = entryFilter(entry);
      return JSON.stringify([
        entry.Id ?? null,
        record[arnKey] ?? null,
        [...(entry.Events ?? [])].sort(),
        filter.prefix ?? null,
        filter.suffix ?? null,
      ]);
    })
    .sort();
}

/** A copy with object keys in sorted order, for order-insensitive JSON comparison. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The closest known event type to a mistyped one, or undefined when nothing is close. */
function suggestEvent(given: string): string | undefined {
  const needle = (given.toLowerCase().startsWith('s3:') ? given : `s3:${given}`).toLowerCase();
  let best: { event: string; distance: number } | undefined;
  for (const event of S3_EVENT_TYPES) {
    const distance = editDistance(needle, event.toLowerCase());
    if (!best || distance < best.distance) best = { event, distance };
  }
  if (!best) return undefined;
  // Close means a few keystrokes away, scaled a little with length (long names tolerate more typos).
  return best.distance <= Math.max(3, Math.floor(best.event.length / 5)) ? best.event : undefined;
}

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * A Lambda entry, made by anyone, that already sends exactly this rule to this function: the same
 * destination, the same set of events and the same prefix and suffix. `add s3` adopts it instead of
 * writing a second, overlapping one.
 */
export function findEquivalentLambdaEntry(
  config: NotificationConfiguration,
  functionArn: string,
  rule: CandidateRule,
): LambdaFunctionConfiguration | undefined {
  const wanted = [...new Set(rule.events)].sort().join(',');
  return (config.LambdaFunctionConfigurations ?? []).find((entry) => {
    if (entry.LambdaFunctionArn !== functionArn) return false;
    const filter = entryFilter(entry);
    if ((filter.prefix ?? '') !== (rule.prefix ?? '') || (filter.suffix ?? '') !== (rule.suffix ?? '')) return false;
    return [...new Set(entry.Events ?? [])].sort().join(',') === wanted;
  });
}

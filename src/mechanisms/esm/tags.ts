/**
 * Tags of an event source mapping. Lambda takes Tags only on create; afterwards they are changed with
 * TagResource/UntagResource on the mapping's ARN, and read only with ListTags (GetEventSourceMapping does
 * not return them). evsrc touches only the keys it is given, and records those keys in one tag of its own,
 * TAG_MARKER, so that `--no-tags` can later remove exactly the tags evsrc gave and nobody else's.
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { AwsSession } from '../../aws/session.js';
import { partitionOf } from '../../core/arn.js';
import { UsageError, invalidFlag } from '../../core/errors.js';
import type { Action, Change } from '../../core/plan.js';
import type { AddPlan } from '../../sources/contract.js';

/** The tag in which evsrc records the keys it set on a mapping, separated by single spaces. */
export const TAG_MARKER = 'evsrc:tags';

// Lambda tagging rules (Lambda developer guide, "Using tags on event source mappings"): at most 50 tags per
// resource; keys 1-128 characters, values 0-256; letters, digits, spaces and _ . : / = + - @; the `aws:` prefix
// is reserved.
const MAX_TAGS = 50;
const MAX_KEY = 128;
const MAX_VALUE = 256;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** What the tag flags ask. */
export interface TagOptions {
  /** --tag key=value: set these keys (others are left alone). */
  set?: Record<string, string>;
  /** --no-tags: remove the keys evsrc recorded (except those set again by --tag). */
  clear?: boolean;
}

/** Parses `--tag key=value` (repeatable) and `--no-tags` (pure). */
export function parseTagFlags(values: unknown, clear: boolean): TagOptions {
  const out: TagOptions = {};
  if (clear) out.clear = true;
  if (values === undefined) return out;
  const list = (Array.isArray(values) ? values : [values]).map(String);
  const set: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw invalidFlag('--tag', item, 'allowed: key=value (the value may be empty: key=)');
    const key = item.slice(0, at);
    const value = item.slice(at + 1);
    if (key.length > MAX_KEY) throw invalidFlag('--tag', item, `a tag key is at most ${MAX_KEY} characters (this one has ${key.length})`);
    if (value.length > MAX_VALUE) throw invalidFlag('--tag', item, `a tag value is at most ${MAX_VALUE} characters (this one has ${value.length})`);
    if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) throw invalidFlag('--tag', item, 'tag keys and values take letters, digits, spaces and _ . : / = + - @');
    if (key.toLowerCase().startsWith('aws:')) throw invalidFlag('--tag', item, 'the aws: prefix is reserved for AWS');
    if (key === TAG_MARKER) throw invalidFlag('--tag', item, `${TAG_MARKER} is the tag in which evsrc records the keys it set`);
    if (/\s/.test(key)) throw invalidFlag('--tag', item, `evsrc records the keys it sets in the tag ${TAG_MARKER}, separated by spaces, so a key cannot contain a space`);
    if (key in set && set[key] !== value) throw invalidFlag('--tag', item, `the key ${JSON.stringify(key)} is given twice with different values`);
    set[key] = value;
  }
  if (Object.keys(set).length + 1 > MAX_TAGS) throw new UsageError(`--tag: ${Object.keys(set).length} tags given; a mapping holds at most ${MAX_TAGS}, one of them evsrc's ${TAG_MARKER}`);
  checkMarker(Object.keys(set));
  out.set = set;
  return out;
}

function checkMarker(keys: string[]): string {
  const value = [...new Set(keys)].sort().join(' ');
  if (value.length > MAX_VALUE) {
    throw new UsageError(`--tag: the keys evsrc would record in ${TAG_MARKER} take ${value.length} characters; a tag value holds at most ${MAX_VALUE}`);
  }
  return value;
}

/** The keys evsrc recorded in a mapping's tags. */
export function recordedKeys(tags: Record<string, string>): string[] {
  return (tags[TAG_MARKER] ?? '').split(' ').filter((k) => k !== '');
}

/** Whether any tag flag was given. */
export function tagsAsked(options: TagOptions): boolean {
  return Boolean(options.clear) || (options.set !== undefined && Object.keys(options.set).length > 0);
}

/** The tags a mapping ends with: `current` with the asked keys set and, with --no-tags, the recorded others gone. */
export function convergedTags(current: Record<string, string>, options: TagOptions): Record<string, string> {
  const set = options.set ?? {};
  const recorded = recordedKeys(current);
  const out: Record<string, string> = { ...current };
  let kept = recorded;
  if (options.clear) {
    for (const key of recorded) if (!(key in set)) delete out[key];
    kept = [];
    delete out[TAG_MARKER];
  }
  Object.assign(out, set);
  const keys = [...new Set([...kept, ...Object.keys(set)])];
  if (keys.length > 0) out[TAG_MARKER] = checkMarker(keys);
  return out;
}

/** The Tags of a CreateEventSourceMapping: the asked ones over `carried` (an old mapping's, on --replace). */
export function createTags(options: TagOptions, carried: Record<string, string> = {}): Record<string, string> | undefined {
  const tags = convergedTags(carried, options);
  return Object.keys(tags).length > 0 ? tags : undefined;
}

/** The ARN of a mapping (EventSourceMappingArn, or built from its UUID and the function's account and region). */
export function mappingArn(mapping: EventSourceMappingConfiguration): string {
  if (mapping.EventSourceMappingArn) return mapping.EventSourceMappingArn;
  const parts = (mapping.FunctionArn ?? '').split(':');
  const region = parts[3] ?? '';
  return `arn:${partitionOf(region)}:lambda:${region}:${parts[4] ?? ''}:event-source-mapping:${mapping.UUID ?? ''}`;
}

/** Reads a mapping's tags (lambda:ListTags). */
export async function readMappingTags(aws: AwsSession, mapping: EventSourceMappingConfiguration, region?: string): Promise<Record<string, string>> {
  const out = await aws.call<{ Tags?: Record<string, string> }>('lambda', 'ListTags', { Resource: mappingArn(mapping) }, { region });
  return out.Tags ?? {};
}

/** The TagResource/UntagResource actions that take an existing mapping from `current` to what is asked (pure). */
export function planTagActions(mapping: EventSourceMappingConfiguration, current: Record<string, string>, options: TagOptions, region?: string): Action[] {
  const wanted = convergedTags(current, options);
  const arn = mappingArn(mapping);
  const actions: Action[] = [];
  const removed = Object.keys(current).filter((k) => !(k in wanted));
  const changed = Object.entries(wanted).filter(([k, v]) => current[k] !== v);
  if (removed.length > 0) {
    const changes: Change[] = removed.map((k) => ({ field: `Tags.${k}`, from: current[k] ?? null, to: null }));
    const action: Action = {
      api: 'lambda:UntagResource',
      summary: `remove tags ${removed.join(', ')} from mapping ${mapping.UUID}`,
      input: { Resource: arn, TagKeys: removed },
      changes,
      // Put back what was removed if a later step fails.
      undo: () => ({ api: 'lambda:TagResource', summary: `put back tags ${removed.join(', ')} on mapping ${mapping.UUID}`, input: { Resource: arn, Tags: Object.fromEntries(removed.map((k) => [k, current[k] ?? ''])) }, ...(region ? { region } : {}) }),
    };
    if (region) action.region = region;
    actions.push(action);
  }
  if (changed.length > 0) {
    const changes: Change[] = changed.map(([k, v]) => ({ field: `Tags.${k}`, from: current[k] ?? null, to: v }));
    const action: Action = {
      api: 'lambda:TagResource',
      summary: `tag mapping ${mapping.UUID}: ${changed.map(([k]) => k).join(', ')}`,
      input: { Resource: arn, Tags: Object.fromEntries(changed) },
      changes,
    };
    if (region) action.region = region;
    actions.push(action);
  }
  return actions;
}

/**
 * Puts the tags into a mapping plan (pure): on a create, Tags (asked over `current`, an old mapping's tags on
 * --replace); on a kept mapping, the TagResource/UntagResource actions after the mapping's own. Returns the
 * actions and the tags the mapping ends with (undefined when they are not known: not asked and not read).
 */
export function applyTagPlan(
  actions: Action[],
  kept: EventSourceMappingConfiguration | undefined,
  current: Record<string, string> | undefined,
  options: TagOptions,
  region?: string,
): { actions: Action[]; tags?: Record<string, string> } {
  const create = actions.find((a) => a.api === 'lambda:CreateEventSourceMapping');
  if (create) {
    const tags = createTags(options, current ?? {});
    if (tags) create.input.Tags = tags;
    return tags ? { actions, tags } : { actions };
  }
  if (!kept || !tagsAsked(options)) return current ? { actions, tags: current } : { actions };
  const now = current ?? {};
  return { actions: [...actions, ...planTagActions(kept, now, options, region)], tags: convergedTags(now, options) };
}

/** Makes a plan's finish see only the mapping actions' results and show the tags the mapping ends with. */
export function withTagView(plan: AddPlan, mappingActions: number, tags: Record<string, string> | undefined): void {
  const inner = plan.finish;
  plan.finish = async (ctx, results) => {
    const view = await inner(ctx, results.slice(0, mappingActions));
    if (view && tags) view.settings.tags = tags;
    return view;
  };
}

import { readFileSync } from 'node:fs';
import { UsageError, invalidFlag } from '../core/errors.js';

/** Parses a whole number within [min, max]; refuses with the flag, the value and the range. */
export function parseIntFlag(flag: string, value: unknown, min: number, max: number, allowed?: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const range = allowed ?? `allowed: a whole number from ${min} to ${max}`;
  if (!/^-?\d+$/.test(text)) throw invalidFlag(flag, value, range);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalidFlag(flag, value, range);
  return n;
}

/** Parses one of a fixed set of values (case-insensitive), returning the canonical spelling. */
export function parseChoice<T extends string>(flag: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const found = choices.find((c) => c.toLowerCase() === String(value).trim().toLowerCase());
  if (!found) throw invalidFlag(flag, value, `allowed: ${choices.join(', ')}`);
  return found;
}

/** Reads a flag value that is inline text or `@path` to a file. */
export function readInlineOrFile(flag: string, value: string): string {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'}); give JSON inline or @<file>`);
  }
}

/**
 * The deepest nesting of objects and arrays evsrc accepts in JSON a user gives (--filter, --filter-policy,
 * --pattern, --input). Patterns and policies that the services match on are a few levels deep; this bound
 * is far above them and keeps every later walk of the value (sorting keys, checks, JSON.stringify) shallow.
 */
export const MAX_JSON_DEPTH = 32;

/** The user's text, shortened to one line for an error message. */
export function shownValue(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * The nesting depth of JSON text, found by a loop over its characters (no recursion, so text nested a
 * million levels deep costs one pass and no stack). Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Refuses JSON text nested deeper than MAX_JSON_DEPTH before it is parsed; `raw` is what the user typed. */
export function checkJsonDepth(flag: string, raw: string, text: string): void {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw invalidFlag(flag, shownValue(raw), `JSON nested ${depth} levels deep; evsrc accepts at most ${MAX_JSON_DEPTH} levels of objects and arrays`);
  }
}

/** JSON with object keys sorted, so two equal patterns compare equal however they were written. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A form of a filter pattern or SNS filter policy for comparing two of them: keys sorted, and the value
 * lists sorted too, because both services read a list as "any of these". The one list whose order
 * matters is a numeric range (`{"numeric": [">", 0, "<=", 5]}`), which keeps its order.
 */
export function comparableJson(value: unknown): string {
  return JSON.stringify(normalise(value, undefined));
}

function normalise(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v, undefined));
    if (key === 'numeric') return items;
    return items.map((v) => [JSON.stringify(v), v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, normalise((value as Record<string, unknown>)[k], k)]),
    );
  }
  return value;
}

/**
 * The first value of an event pattern (EventBridge --pattern, Lambda --filter: the same pattern language) that
 * the service refuses: every key holds an object (a nested pattern) or a non-empty array of values
 * (EventBridge: "'source' must be an object or an array", "Empty arrays are not allowed"; Lambda: "Invalid
 * filter pattern definition"). Walked with a list, not recursion; undefined when the shape is right.
 */
export function patternShapeProblem(pattern: Record<string, unknown>): string | undefined {
  const todo: [Record<string, unknown>, string][] = [[pattern, '']];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [node, path] = next;
    for (const [key, value] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      if (Array.isArray(value)) {
        if (value.length === 0) return `key ${JSON.stringify(at)} has an empty array (give at least one value)`;
        // "$or" holds patterns, each checked as one.
        if (key === '$or') for (const branch of value) if (branch !== null && typeof branch === 'object' && !Array.isArray(branch)) todo.push([branch as Record<string, unknown>, path]);
      } else if (value !== null && typeof value === 'object') {
        todo.push([value as Record<string, unknown>, at]);
      } else {
        return `key ${JSON.stringify(at)} has ${JSON.stringify(value)}, not an array of values or a nested pattern (write [${JSON.stringify(value)}])`;
      }
    }
  }
  return undefined;
}

// Lambda event filtering: each pattern at most 4096 characters; 5 filters per mapping by default,
// raisable to 10 (Lambda quotas, "Event filtering").
const MAX_PATTERN_CHARS = 4096;
const MAX_FILTERS = 10;

/** Parses --filter values (JSON or @file) into canonical Lambda filter patterns. */
export function parseFilters(values: unknown, flag = '--filter', example = '{"body":{"type":["order"]}}'): string[] | undefined {
  if (values === undefined) return undefined;
  const list = (Array.isArray(values) ? values : [values]).map(String);
  if (list.length > MAX_FILTERS) {
    throw new UsageError(`${flag}: ${list.length} filters given; Lambda allows at most ${MAX_FILTERS} per mapping (5 unless the quota was raised)`);
  }
  const patterns = list.map((raw) => {
    const text = readInlineOrFile(flag, raw);
    checkJsonDepth(flag, raw, text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw invalidFlag(flag, shownValue(raw), `a filter must be a JSON object such as '${example}' (${(error as Error).message})`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidFlag(flag, shownValue(raw), `a filter must be a JSON object such as '${example}'`);
    }
    if (Object.keys(parsed).length === 0) throw invalidFlag(flag, raw, 'a filter pattern must not be empty');
    const shape = patternShapeProblem(parsed as Record<string, unknown>);
    if (shape) throw invalidFlag(flag, shownValue(raw), `${shape}; a filter pattern holds arrays of values, e.g. '${example}'`);
    const canonical = canonicalJson(parsed);
    if (canonical.length > MAX_PATTERN_CHARS) {
      throw invalidFlag(flag, `${raw.slice(0, 40)}…`, `a filter pattern may be at most ${MAX_PATTERN_CHARS} characters (this one has ${canonical.length})`);
    }
    return canonical;
  });
  return [...new Set(patterns)];
}

/** Commander's collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

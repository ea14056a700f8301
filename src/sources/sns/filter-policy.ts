import { canonicalJson, checkJsonDepth, comparableJson } from '../options.js';
import { readFileSync } from 'node:fs';
import { invalidFlag } from '../../core/errors.js';

// Validation of SNS subscription filter policies before any AWS call, against the limits in the SNS
// Developer Guide ("Filter policy constraints in Amazon SNS"), plus a canonical form for comparing the
// policy an existing subscription has with the one asked for.

import { FILTER_POLICY_SCOPES, type FilterPolicyScope } from './spec.js';

export { FILTER_POLICY_SCOPES, type FilterPolicyScope } from './spec.js';

/** SNS: a filter policy can have at most five keys (how they are counted depends on the scope). */
export const FILTER_POLICY_MAX_KEYS = 5;

/** SNS: the total combination of values (product of the value counts of each key) must not exceed 150. */
export const FILTER_POLICY_MAX_COMBINATIONS = 150;

/** SNS: the maximum size of a filter policy is 256 KB. */
export const FILTER_POLICY_MAX_BYTES = 256 * 1024;

/** A parsed filter policy: a JSON object. */
export type FilterPolicy = Record<string, unknown>;

/** Parses --filter-policy-scope; accepts the two AWS spellings (case-insensitively) and refuses anything else. */
export function parseFilterPolicyScope(value: string, flag = '--filter-policy-scope'): FilterPolicyScope {
  const match = FILTER_POLICY_SCOPES.find((scope) => scope.toLowerCase() === value.trim().toLowerCase());
  if (!match) throw invalidFlag(flag, value, `allowed: ${FILTER_POLICY_SCOPES.join(', ')}`);
  return match;
}

/**
 * Parses a filter policy given as JSON text or as `@path` to a JSON file, and enforces the SNS constraints:
 * a non-empty JSON object; at most 5 keys; at most 150 value combinations; at most 256 KB.
 *
 * Keys are counted as the SNS Developer Guide describes: with MessageAttributes scope every key is an
 * attribute name and nesting is not accepted; with MessageBody scope only top-level keys count and nested
 * objects are allowed. Where the guide is silent (keys inside "$or" branches) the largest branch is counted,
 * so evsrc never refuses a policy SNS might accept.
 */
export function parseFilterPolicy(text: string, flag = '--filter-policy', scope: FilterPolicyScope = 'MessageAttributes'): FilterPolicy {
  let json = text;
  if (text.startsWith('@')) {
    const path = text.slice(1);
    if (!path) throw invalidFlag(flag, text, 'give JSON text or @<path to a JSON file>');
    try {
      json = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
      throw invalidFlag(flag, text, `cannot read ${path}: ${why}`);
    }
  }
  const shown = display(text);
  checkJsonDepth(flag, text, json);
  let policy: unknown;
  try {
    policy = JSON.parse(json);
  } catch (error) {
    throw invalidFlag(flag, shown, `not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(policy)) {
    const kind = policy === null ? 'null' : Array.isArray(policy) ? 'an array' : `a ${typeof policy}`;
    throw invalidFlag(flag, shown, `an SNS filter policy must be a JSON object, got ${kind}`);
  }
  if (Object.keys(policy).length === 0) {
    throw invalidFlag(flag, shown, 'the filter policy is empty; leave the flag out to receive every message');
  }

  if (scope === 'MessageAttributes') {
    const nested = findNestedKey(policy);
    if (nested !== undefined) {
      throw invalidFlag(
        flag,
        shown,
        `key ${JSON.stringify(nested)} holds a nested object, and SNS does not accept nested filter policies for attribute-based filtering (FilterPolicyScope MessageAttributes); use --filter-policy-scope MessageBody to filter on the message body`,
      );
    }
  }

  const problem = findValueProblem(policy);
  if (problem) throw invalidFlag(flag, shown, `${problem}; ${VALUE_RULES}`);

  const keys = countKeys(policy);
  if (keys > FILTER_POLICY_MAX_KEYS) {
    const counted = scope === 'MessageAttributes' ? 'every key counts' : 'top-level keys count';
    throw invalidFlag(
      flag,
      shown,
      `SNS allows at most ${FILTER_POLICY_MAX_KEYS} keys in a filter policy (${scope} scope: ${counted}); this one has ${keys}`,
    );
  }

  const combinations = countCombinations(policy);
  if (combinations > FILTER_POLICY_MAX_COMBINATIONS) {
    throw invalidFlag(
      flag,
      shown,
      `SNS allows a total combination of values of at most ${FILTER_POLICY_MAX_COMBINATIONS} (the product of the number of values of each key); this one has ${combinations}`,
    );
  }

  // The size that matters is what SNS receives: the compact JSON evsrc sends.
  const bytes = Buffer.byteLength(JSON.stringify(policy), 'utf8');
  if (bytes > FILTER_POLICY_MAX_BYTES) {
    throw invalidFlag(flag, shown, `SNS allows a filter policy of at most 256 KB (${FILTER_POLICY_MAX_BYTES} bytes); this one is ${bytes} bytes`);
  }
  return policy;
}


/** Canonical JSON (sorted keys), shared with the Lambda filter patterns. */
export { canonicalJson };

/**
 * True when a subscription's FilterPolicy attribute (a JSON string; absent or "" when it has none) says the
 * same as the requested policy (undefined for none), whatever its key order or whitespace.
 */
export function sameFilterPolicy(existing: string | undefined, requested: FilterPolicy | undefined): boolean {
  if (existing === undefined || existing.trim() === '') return requested === undefined;
  const current = tryParse(existing);
  if (current === undefined || requested === undefined) return false;
  // SNS reads a list of values as "any of these": order does not matter (numeric ranges excepted).
  return comparableJson(current) === comparableJson(requested);
}

/** True when two FilterPolicyScope values mean the same; absent means MessageAttributes, SNS's default. */
export function sameFilterPolicyScope(existing: string | undefined, requested: FilterPolicyScope | undefined): boolean {
  return (existing || 'MessageAttributes') === (requested ?? 'MessageAttributes');
}

// --- helpers -------------------------------------------------------------------------------------

/**
 * SNS treats "$or" as the OR operator only when its value is a list of at least two objects;
 * otherwise it is an ordinary attribute name (SNS Developer Guide, AND/OR logic).
 */
function orBranches(key: string, value: unknown): FilterPolicy[] | undefined {
  if (key !== '$or' || !Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) return undefined;
  return value as FilterPolicy[];
}

/** The first key (outside "$or") whose value is an object rather than a list or a scalar. */
function findNestedKey(policy: FilterPolicy): string | undefined {
  for (const [key, value] of Object.entries(policy)) {
    const branches = orBranches(key, value);
    if (branches) {
      for (const branch of branches) {
        const nested = findNestedKey(branch);
        if (nested !== undefined) return nested;
      }
    } else if (isPlainObject(value)) {
      return key;
    }
  }
  return undefined;
}

/**
 * Keys of one level, "$or" excluded, plus the largest "$or" branch. Nested objects are not entered: with
 * MessageAttributes scope they were already refused, and with MessageBody scope only top-level keys count.
 */
function countKeys(policy: FilterPolicy): number {
  let count = 0;
  let largestBranch = 0;
  for (const [key, value] of Object.entries(policy)) {
    const branches = orBranches(key, value);
    if (branches) largestBranch = Math.max(largestBranch, ...branches.map(countKeys));
    else count += 1;
  }
  return count + largestBranch;
}

/**
 * The SNS "total combination of values": the product over keys of the number of values in each key's list
 * (a nested object contributes its own product). An "$or" contributes the sum of its branches, one
 * alternative per branch.
 */
function countCombinations(policy: FilterPolicy): number {
  let product = 1;
  for (const [key, value] of Object.entries(policy)) {
    const branches = orBranches(key, value);
    if (branches) product *= branches.reduce((sum, branch) => sum + countCombinations(branch), 0);
    else if (Array.isArray(value)) product *= Math.max(1, value.length);
    else if (isPlainObject(value)) product *= countCombinations(value);
  }
  return product;
}


/** SNS: numeric values are matched from -10^9 to 10^9 (five digits after the point). */
const NUMERIC_LIMIT = 1e9;

const VALUE_RULES =
  'each key takes a JSON array of values (strings, numbers, true, false, null) and operators ' +
  '{"prefix":"…"}, {"suffix":"…"}, {"equals-ignore-case":"…"}, {"anything-but":…}, {"numeric":[">",0,"<=",5]}, ' +
  '{"exists":true|false}, {"cidr":"10.0.0.0/24"}, e.g. {"type":["order",{"prefix":"ord-"}]}';

const COMPARISONS = new Set(['=', '<', '<=', '>', '>=']);
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+:[0-9a-fA-F:]*\/\d{1,3})$/;

/**
 * The first value SNS would refuse, worded with the key it sits under; undefined when every value is well
 * formed. SNS Developer Guide, "Filter policy constraints" and the operator pages: every key (a message
 * attribute, or a leaf of the message body) takes a non-empty array; an array holds strings, numbers, true,
 * false, null and one-key operator objects. The policy's depth was bounded before parsing, so this walk is shallow.
 */
function findValueProblem(policy: FilterPolicy, path = ''): string | undefined {
  for (const [key, value] of Object.entries(policy)) {
    const at = path ? `${path}.${key}` : key;
    const branches = orBranches(key, value);
    if (branches) {
      for (const branch of branches) {
        const problem = findValueProblem(branch, path);
        if (problem) return problem;
      }
      continue;
    }
    if (isPlainObject(value)) {
      // Nested objects reach here only with MessageBody scope (MessageAttributes refused them earlier).
      if (Object.keys(value).length === 0) return `key ${JSON.stringify(at)} holds an empty object`;
      const problem = findValueProblem(value, at);
      if (problem) return problem;
      continue;
    }
    if (!Array.isArray(value)) return `key ${JSON.stringify(at)} has ${JSON.stringify(value)}, not an array of values (write [${JSON.stringify(value)}])`;
    if (value.length === 0) return `key ${JSON.stringify(at)} has an empty array`;
    for (const item of value) {
      const problem = itemProblem(item);
      if (problem) return `key ${JSON.stringify(at)}: ${problem}`;
    }
  }
  return undefined;
}

/** What is wrong with one entry of a value array, or undefined. */
function itemProblem(item: unknown): string | undefined {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return undefined;
  if (typeof item === 'number') return numberProblem(item);
  if (Array.isArray(item)) return 'an array inside a value array';
  const operator = item as Record<string, unknown>;
  const keys = Object.keys(operator);
  if (keys.length !== 1) return `an operator object must have exactly one key, got ${keys.length === 0 ? 'none' : keys.map((k) => JSON.stringify(k)).join(', ')}`;
  const name = keys[0] as string;
  const arg = operator[name];
  switch (name) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      return typeof arg === 'string' && arg.length > 0 ? undefined : `"${name}" takes a non-empty string`;
    case 'exists':
      return typeof arg === 'boolean' ? undefined : '"exists" takes true or false';
    case 'cidr':
      return typeof arg === 'string' && CIDR.test(arg) ? undefined : '"cidr" takes an IP prefix such as "10.0.0.0/24"';
    case 'numeric':
      return numericProblem(arg);
    case 'anything-but':
      return anythingButProblem(arg);
    default:
      return `unknown operator ${JSON.stringify(name)}`;
  }
}

function numberProblem(n: number): string | undefined {
  return Math.abs(n) <= NUMERIC_LIMIT ? undefined : `${n} is outside the numbers SNS matches (-1000000000 to 1000000000)`;
}

/** `{"numeric": ["=", 5]}`, `[">", 0]` or a range `[">", 0, "<=", 5]` (lower bound first). */
function numericProblem(arg: unknown): string | undefined {
  const usage = '"numeric" takes ["=", n], [">", n] (or >=, <, <=) or a range such as [">", 0, "<=", 5]';
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) return usage;
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (typeof op !== 'string' || !COMPARISONS.has(op) || typeof n !== 'number') return usage;
    const out = numberProblem(n);
    if (out) return out;
  }
  if (arg.length === 4) {
    const [low, a, high, b] = arg as [string, number, string, number];
    if (!low.startsWith('>') || !high.startsWith('<') || a > b) return `${usage} (lower bound first, not above the upper one)`;
  }
  return undefined;
}

/** `{"anything-but": "x" | n | ["x", …] | {"prefix": "x"} | {"suffix": "x"}}`. */
function anythingButProblem(arg: unknown): string | undefined {
  const usage = '"anything-but" takes a string, a number, a non-empty array of them, or {"prefix":"…"} / {"suffix":"…"}';
  if (typeof arg === 'string') return undefined;
  if (typeof arg === 'number') return numberProblem(arg);
  if (Array.isArray(arg)) {
    if (arg.length === 0 || !arg.every((v) => typeof v === 'string' || typeof v === 'number')) return usage;
    return undefined;
  }
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    const inner = keys[0];
    if (keys.length === 1 && (inner === 'prefix' || inner === 'suffix') && typeof arg[inner] === 'string' && arg[inner] !== '') return undefined;
  }
  return usage;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The user's text, shortened for an error message. */
function display(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}

function isPlainObject(value: unknown): value is FilterPolicy {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { parseFunctionRef, type FunctionRef } from '../core/arn.js';
import { EvsrcError, UsageError } from '../core/errors.js';
import type { OptionSpec, SourceSpec, TriggerType } from '../sources/contract.js';

// The triggers file (`evsrc export`, `apply -f`, `diff -f`): a document of triggers written in the
// vocabulary of the `add` flags. Everything here is derived from the trigger types' own option tables
// (SourceSpec.options), so a flag added to a type is a file setting at once, and the published JSON Schema
// (schema/evsrc-triggers.schema.json, built by buildSchema) cannot drift from what `apply` accepts.
// No AWS and no SDK here.

/** The version of the file format this evsrc writes and reads. */
export const FILE_VERSION = 1;

/** The keys every entry has besides its settings. */
export const ENTRY_KEYS = ['type', 'source', 'function'] as const;

/** One setting of a file entry: the flags of `add <type>` that share one commander key. */
export interface EntryField {
  key: string;
  /** `--key <value>` exists. */
  takesValue: boolean;
  /** The value placeholder says JSON: an object is accepted and sent as JSON text. */
  json: boolean;
  /** The value placeholder is a comma-separated list: an array is accepted and joined. */
  list: boolean;
  repeatable: boolean;
  /** `--key` exists as a switch (true). */
  positive: boolean;
  /** `--no-key` exists (false). */
  negative: boolean;
  /** The flags' descriptions, for the schema. */
  descriptions: string[];
  /** The flag spellings, for messages. */
  flags: string[];
}

/** Commander's attribute name of a flag: `--event-bus <bus>` → `eventBus`, `--no-filter` → `filter`. */
export function optionKey(flags: string): string {
  const long = /--([a-z0-9-]+)/i.exec(flags)?.[1] ?? flags;
  return long.replace(/^no-/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The settings a file entry of this type may have, in the order of its flags (hidden flags are not settings). */
export function entryFields(spec: SourceSpec): EntryField[] {
  const fields = new Map<string, EntryField>();
  for (const option of spec.options.filter((o: OptionSpec) => !o.hidden)) {
    const key = optionKey(option.flags);
    const field = fields.get(key) ?? { key, takesValue: false, json: false, list: false, repeatable: false, positive: false, negative: false, descriptions: [], flags: [] };
    const placeholder = /<([^>]+)>/.exec(option.flags)?.[1] ?? '';
    if (/--no-/.test(option.flags)) field.negative = true;
    else if (placeholder) {
      field.takesValue = true;
      field.json ||= /json/i.test(placeholder);
      field.list ||= /list/i.test(placeholder);
      field.repeatable ||= Boolean(option.repeatable);
    } else field.positive = true;
    field.descriptions.push(option.description);
    field.flags.push(/--[a-z0-9-]+/i.exec(option.flags)?.[0] ?? option.flags);
    fields.set(key, field);
  }
  return [...fields.values()];
}

/** The flag → key map of a type, for turning a flag's message into a file path's. */
function flagKeys(spec: SourceSpec): Map<string, string> {
  const map = new Map<string, string>();
  for (const option of spec.options) {
    const flag = /--[a-z0-9-]+/i.exec(option.flags)?.[0];
    if (flag) map.set(flag, optionKey(option.flags));
  }
  return map;
}

/**
 * A message about flags, said about a file entry: `--batch-size: invalid value "20000"; …` becomes
 * `triggers[3].batchSize: invalid value "20000"; …`, and `<queue>: …` becomes `triggers[3].source: …`.
 */
export function atPath(message: string, path: string, spec: SourceSpec): string {
  const keys = flagKeys(spec);
  let text = message.replace(/--[a-z][a-z0-9-]*/gi, (flag) => keys.get(flag) ?? flag).split(spec.argument).join('source');
  text = text.replace(/required option 'function' not specified/, 'function is missing');
  const first = /^([A-Za-z]+)(?=:| and )/.exec(text)?.[1];
  if (first && (first === 'source' || first === 'function' || [...keys.values()].includes(first))) {
    // Every key named in the message gets the entry's path: "a and b: …".
    return text.replace(/^([A-Za-z]+)((?: and [A-Za-z]+)*)(?=:)/, (all) => all.split(' and ').map((k) => `${path}.${k}`).join(' and '));
  }
  return `${path}: ${text}`;
}

/** What a value in a file looks like in a message. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** What a field accepts, in words. */
function accepts(field: EntryField): string {
  const kinds: string[] = [];
  if (field.takesValue) kinds.push(field.json ? 'a JSON object or text' : field.list || field.repeatable ? 'a value or a list of values' : 'a number or text');
  if (field.positive) kinds.push('true');
  if (field.negative) kinds.push('false');
  return kinds.join(', or ');
}

/** One scalar of a file value as flag text; undefined when it is not acceptable. */
function flagText(value: unknown, field: EntryField): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (field.json && value !== null && typeof value === 'object') return JSON.stringify(value);
  return undefined;
}

/** A file value as commander would give the flag's value; throws a UsageError naming the path. */
export function rawValue(value: unknown, field: EntryField, path: string): unknown {
  const refuse = () => new UsageError(`${path}: ${shown(value)} is not accepted; allowed: ${accepts(field)}`);
  if (value === true) {
    if (field.positive) return true;
    throw refuse();
  }
  if (value === false) {
    if (field.negative) return false;
    // A switch that only turns something on: false is the same as leaving it out.
    if (field.positive) return undefined;
    throw refuse();
  }
  if (!field.takesValue || value === null || value === undefined) throw refuse();
  if (Array.isArray(value)) {
    if (!field.repeatable && !field.list) throw refuse();
    if (value.length === 0) throw new UsageError(`${path}: an empty list; give at least one value or leave the setting out`);
    const texts = value.map((v) => flagText(v, field));
    if (texts.some((t) => t === undefined)) throw refuse();
    return field.repeatable ? texts : texts.join(',');
  }
  const text = flagText(value, field);
  if (text === undefined) throw refuse();
  return field.repeatable ? [text] : text;
}

/** A checked file entry: its type, source, function and the flags `add` gets for it. */
export interface FileEntry {
  /** `triggers[3]`: how messages name it. */
  path: string;
  index: number;
  trigger: TriggerType;
  source: string;
  /** The function as written. */
  functionText: string;
  fn: FunctionRef;
  /** The settings as written (file vocabulary). */
  settings: Record<string, unknown>;
  /** Commander-style raw options: the settings, plus the AWS defaults of the settings left out. */
  raw: Record<string, unknown>;
  /** The type's parsed add options. */
  options: unknown;
}

/** Every problem found in a file, each naming its path: exit 2, nothing written. */
export class FileError extends UsageError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(
      problems.length === 1 ? `${file}: ${problems[0]}` : `${file}: ${problems.length} problems:\n  ${problems.join('\n  ')}`,
      { hint: 'fix the entries named above (the format: docs/files.md, or the JSON Schema in schema/evsrc-triggers.schema.json); nothing was changed' },
    );
    this.problems = problems;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a parsed document against the format and each type's own `add` validation, entry by entry; collects
 * every problem (one per entry at most from the type's validation, which stops at its first) and throws a
 * FileError when there is any. `types` is the registry.
 */
export function checkDocument(doc: unknown, file: string, types: readonly TriggerType[]): FileEntry[] {
  const problems: string[] = [];
  if (!isObject(doc)) throw new FileError(file, ['the document must be a mapping with a "triggers" list (see evsrc export)']);
  for (const key of Object.keys(doc)) {
    if (key !== 'version' && key !== 'triggers') problems.push(`${key}: unknown top-level key; allowed: version, triggers`);
  }
  if (doc.version !== undefined && doc.version !== FILE_VERSION) problems.push(`version: ${shown(doc.version)} is not supported; this evsrc reads version ${FILE_VERSION}`);
  if (!Array.isArray(doc.triggers)) {
    problems.push(doc.triggers === undefined ? 'triggers: missing; give a list of triggers (it may be empty)' : 'triggers: must be a list of triggers');
    throw new FileError(file, problems);
  }
  const names = types.map((t) => t.spec.type);
  const entries: FileEntry[] = [];
  doc.triggers.forEach((item: unknown, index: number) => {
    const path = `triggers[${index}]`;
    if (!isObject(item)) {
      problems.push(`${path}: must be a mapping with type, source and function`);
      return;
    }
    const trigger = types.find((t) => t.spec.type === item.type);
    if (!trigger) {
      problems.push(item.type === undefined ? `${path}.type: missing; allowed: ${names.join(', ')}` : `${path}.type: ${shown(item.type)} is not a trigger type; allowed: ${names.join(', ')}`);
      return;
    }
    const own: string[] = [];
    for (const key of ['source', 'function'] as const) {
      const value = item[key];
      if (typeof value !== 'string' || value.trim() === '') {
        own.push(`${path}.${key}: ${value === undefined ? 'missing' : `${shown(value)} is not accepted`}; give ${key === 'source' ? trigger.spec.argumentDescription : 'the function name, ARN, or name:alias'}`);
      }
    }
    const fields = entryFields(trigger.spec);
    const raw: Record<string, unknown> = {};
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item)) {
      if ((ENTRY_KEYS as readonly string[]).includes(key)) continue;
      const field = fields.find((f) => f.key === key);
      if (!field) {
        own.push(`${path}.${key}: not a setting of ${trigger.spec.type}; allowed: ${fields.map((f) => f.key).join(', ')}`);
        continue;
      }
      settings[key] = value;
      try {
        const converted = rawValue(value, field, `${path}.${key}`);
        if (converted !== undefined) raw[key] = converted;
      } catch (error) {
        own.push((error as Error).message);
      }
    }
    if (own.length > 0) {
      problems.push(...own);
      return;
    }
    // What the entry leaves out is at its AWS default (as far as `add` can set it back).
    for (const d of trigger.file.defaults) {
      if (d.unless.some((k) => raw[k] !== undefined)) continue;
      for (const [k, v] of Object.entries(d.flags)) if (raw[k] === undefined) raw[k] = v;
    }
    let fn: FunctionRef;
    let options: unknown;
    try {
      fn = parseFunctionRef(String(item.function));
    } catch (error) {
      problems.push(`${path}.function: ${(error as Error).message}`);
      return;
    }
    try {
      options = trigger.parseAddOptions(raw);
    } catch (error) {
      if (!(error instanceof EvsrcError)) throw error;
      problems.push(atPath(error.message, path, trigger.spec));
      return;
    }
    entries.push({ path, index, trigger, source: String(item.source), functionText: String(item.function), fn, settings, raw, options });
  });
  if (problems.length > 0) throw new FileError(file, problems);
  return entries;
}

// --- JSON Schema --------------------------------------------------------------------------------

/** The JSON Schema of one setting, from its flags. */
function fieldSchema(field: EntryField): Record<string, unknown> {
  const alternatives: Record<string, unknown>[] = [];
  if (field.takesValue) {
    const item: Record<string, unknown> = field.json ? { type: ['object', 'string'] } : { type: ['string', 'number'] };
    alternatives.push(item);
    if (field.repeatable || field.list) alternatives.push({ type: 'array', items: item, minItems: 1 });
  }
  if (field.positive && field.negative) alternatives.push({ type: 'boolean' });
  else if (field.positive) alternatives.push({ type: 'boolean', description: 'true sets it; false is the same as leaving it out' });
  else if (field.negative) alternatives.push({ const: false });
  const description = field.descriptions.join('; ');
  if (alternatives.length === 1) return { description, ...alternatives[0] };
  return { description, anyOf: alternatives };
}

/** The JSON Schema of the triggers file, built from the registered types' option tables. */
export function buildSchema(types: readonly TriggerType[]): Record<string, unknown> {
  const entries = types.map((t) => {
    const properties: Record<string, unknown> = {
      type: { const: t.spec.type },
      source: { type: 'string', minLength: 1, description: t.spec.argumentDescription },
      function: { type: 'string', minLength: 1, description: 'function name, ARN, partial ARN, or name:alias / name:version' },
    };
    for (const field of entryFields(t.spec)) properties[field.key] = fieldSchema(field);
    return {
      title: t.spec.type,
      description: t.spec.summary,
      type: 'object',
      required: ['type', 'source', 'function'],
      additionalProperties: false,
      properties,
    };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'evsrc-triggers.schema.json',
    title: 'evsrc triggers file',
    description: 'Triggers of Lambda functions in the vocabulary of the evsrc add flags (evsrc export writes it; evsrc apply -f and diff -f read it).',
    type: 'object',
    required: ['triggers'],
    additionalProperties: false,
    properties: {
      version: { const: FILE_VERSION, description: 'the version of the format' },
      triggers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: types.map((t) => t.spec.type) } },
          allOf: types.map((t, i) => ({ if: { properties: { type: { const: t.spec.type } } }, then: entries[i] })),
        },
      },
    },
  };
}

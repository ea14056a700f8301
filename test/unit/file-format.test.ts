import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/file/converge.js';
import { atPath, buildSchema, checkDocument, entryFields, FileError, optionKey } from '../../src/file/format.js';
import { loadTriggerTypes, triggerType } from '../../src/sources/registry.js';

// The file checks take whole types: every implementation, loaded once.
const TRIGGER_TYPES = await loadTriggerTypes();

const SCHEMA = fileURLToPath(new URL('../../schema/evsrc-triggers.schema.json', import.meta.url));

function problems(doc: unknown): string[] {
  try {
    checkDocument(doc, 'f.yaml', TRIGGER_TYPES);
  } catch (error) {
    if (error instanceof FileError) return error.problems;
    throw error;
  }
  return [];
}

describe('the published JSON Schema', () => {
  it('is the one built from the option tables of the registered types (UPDATE_SCHEMA=1 rewrites it)', () => {
    const built = `${JSON.stringify(buildSchema(TRIGGER_TYPES), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA, built);
    expect(readFileSync(SCHEMA, 'utf8'), 'schema/evsrc-triggers.schema.json is stale: run UPDATE_SCHEMA=1 npx vitest run test/unit/file-format.test.ts').toBe(built);
  });

  it('names every visible add flag of every type as a setting, and no hidden one', () => {
    const schema = buildSchema(TRIGGER_TYPES) as { properties: { triggers: { items: { allOf: { then: { properties: Record<string, unknown> } }[] } } } };
    TRIGGER_TYPES.forEach((t, i) => {
      const properties = Object.keys(schema.properties.triggers.items.allOf[i]?.then.properties ?? {});
      for (const option of t.spec.options) {
        if (option.hidden) continue;
        expect(properties, `${t.spec.type} ${option.flags}`).toContain(optionKey(option.flags));
      }
    });
    const sqs = schema.properties.triggers.items.allOf[0]?.then.properties ?? {};
    expect(sqs.startingPosition).toBeUndefined();
    expect(sqs.filter).toMatchObject({ anyOf: [{ type: ['object', 'string'] }, { type: 'array' }, { const: false }] });
  });
});

describe('checkDocument', () => {
  it('turns settings into add flags and fills the defaults a left-out setting means', () => {
    const [entry] = checkDocument({ version: 1, triggers: [{ type: 'sqs', source: 'orders', function: 'worker:live', batchSize: 50, batchingWindow: 5, filter: [{ a: [1] }], disabled: true }] }, 'f', TRIGGER_TYPES);
    expect(entry?.fn).toMatchObject({ name: 'worker', qualifier: 'live' });
    expect(entry?.raw).toMatchObject({ batchSize: '50', batchingWindow: '5', filter: ['{"a":[1]}'], disabled: true, reportBatchItemFailures: false, metrics: false, provisionedPollers: false });
    expect(entry?.raw.enabled).toBeUndefined();
    expect(entry?.options).toMatchObject({ batchSize: 50, enabled: false, filters: ['{"a":[1]}'], reportBatchItemFailures: false });
  });

  it('names the path of every bad entry, with the type’s own message', () => {
    expect(
      problems({
        triggers: [
          { type: 'sqs', source: 'q', function: 'f', batchSize: 20000 },
          { type: 'sqs', source: 'q', function: 'f', disabled: true, enabled: true },
          { type: 'sns', source: 't', function: 'f', filterPolicy: true },
          { type: 's3', source: 'b', function: '' },
          'not an entry',
          { type: 'kinesis', source: 's', function: 'f', startingPosition: 'SOMEWHERE' },
        ],
        extra: 1,
      }),
    ).toEqual([
      'extra: unknown top-level key; allowed: version, triggers',
      'triggers[0].batchSize: invalid value "20000"; allowed: a whole number from 1 to 10000',
      'triggers[1].disabled and triggers[1].enabled: give one or the other, not both',
      'triggers[2].filterPolicy: true is not accepted; allowed: a JSON object or text, or false',
      'triggers[3].function: "" is not accepted; give the function name, ARN, or name:alias',
      'triggers[4]: must be a mapping with type, source and function',
      'triggers[5].startingPosition: invalid value "SOMEWHERE"; allowed: TRIM_HORIZON, LATEST, AT_TIMESTAMP',
    ]);
    expect(problems({ version: 2, triggers: [] })).toEqual(['version: 2 is not supported; this evsrc reads version 1']);
    expect(problems([])).toEqual(['the document must be a mapping with a "triggers" list (see evsrc export)']);
  });

  it('a switch set false is the same as leaving it out; a list flag takes a list', () => {
    const [entry] = checkDocument({ triggers: [{ type: 'sqs', source: 'q', function: 'f', disabled: false, metrics: ['EventCount'] }] }, 'f', TRIGGER_TYPES);
    expect(entry?.raw).toMatchObject({ enabled: true, metrics: 'EventCount' });
  });
});

describe('atPath', () => {
  const spec = triggerType('sqs')?.spec;
  it('says a flag message about the entry', () => {
    if (!spec) throw new Error('no sqs');
    expect(atPath('<queue>: "x y" is not a queue name', 'triggers[2]', spec)).toBe('triggers[2].source: "x y" is not a queue name');
    expect(atPath('queue visibility timeout is short', 'triggers[2]', spec)).toBe('triggers[2]: queue visibility timeout is short');
    expect(atPath('--batch-size: invalid value "50"; a batch size over 10 needs --batching-window of at least 1 second', 'triggers[0]', spec)).toBe(
      'triggers[0].batchSize: invalid value "50"; a batch size over 10 needs batchingWindow of at least 1 second',
    );
  });

  it('every flag of every type has a key', () => {
    for (const t of TRIGGER_TYPES) for (const f of entryFields(t.spec)) expect(f.key).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });
});

describe('KeyedQueue', () => {
  it('runs holders of a shared key one after the other, in the order they asked, and others at once', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const hold = async (name: string, keys: string[], ms: number) => {
      const release = await queue.acquire(keys);
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      release();
    };
    await Promise.all([hold('a', ['bucket', 'fn'], 20), hold('b', ['other'], 1), hold('c', ['fn'], 1)]);
    expect(log.indexOf('c+')).toBeGreaterThan(log.indexOf('a-'));
    expect(log.indexOf('b-')).toBeLessThan(log.indexOf('a-'));
  });
});

import { describe, expect, it } from 'vitest';
import { parseTypes } from '../../src/commands/list.js';
import { parseRemoveRequest, removeFlags } from '../../src/removal/resolve.js';
import { loadTriggerType, loadTriggerTypes, pushTypeOfPrincipal, sortTriggers, sourceTypeOfArn, TRIGGER_TYPES, typeNames } from '../../src/sources/registry.js';
import type { TriggerView } from '../../src/sources/contract.js';

// The registry is the only list of trigger types: these checks hold for every type registered there,
// so a new type is checked the day it is added.

// One source ARN per type, as AWS writes it (a new type adds its own here).
const SAMPLE_ARNS: Record<string, string> = {
  sqs: 'arn:aws:sqs:us-east-1:123456789012:orders',
  s3: 'arn:aws:s3:::uploads',
  sns: 'arn:aws:sns:us-east-1:123456789012:alerts',
  dynamodb: 'arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2024-01-01T00:00:00.000',
  kinesis: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
  eventbridge: 'arn:aws:events:us-east-1:123456789012:rule/nightly',
  logs: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/app:*',
  msk: 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-2',
  // Self-managed Kafka has no ARN: evsrc keys it by its bootstrap servers.
  kafka: 'kafka-bootstrap-servers:b-1.example.com:9092,b-2.example.com:9092',
  mq: 'arn:aws:mq:us-east-1:123456789012:broker:orders-broker:b-1234a5b6-78cd-901e-2fgh-3i45j6k78l90',
  documentdb: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-docs',
};

describe('the registry of trigger types', () => {
  it('names each type once, in lower case, and every command accepts the names', () => {
    const names = typeNames();
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(parseTypes(names.join(','))).toEqual(new Set(names));
  });

  it('each source ARN belongs to exactly one type, and ARNs of kinds evsrc does not manage to none', () => {
    for (const type of TRIGGER_TYPES) {
      const arn = SAMPLE_ARNS[type.spec.type];
      expect(arn, `a sample ARN for ${type.spec.type}`).toBeDefined();
      const owners = TRIGGER_TYPES.filter((t) => t.ownsSourceArn(arn as string)).map((t) => t.spec.type);
      expect(owners).toEqual([type.spec.type]);
      expect(sourceTypeOfArn(arn as string)).toBe(type.spec.type);
    }
    expect(sourceTypeOfArn('arn:aws:elasticache:us-east-1:123456789012:cluster:x')).toBeUndefined();
    expect(sourceTypeOfArn('arn:aws:dynamodb:us-east-1:123456789012:table/users')).toBeUndefined();
  });

  it('push types name their principal and their sources; each principal belongs to one type', () => {
    const push = TRIGGER_TYPES.filter((t) => t.push);
    expect(push.length).toBeGreaterThan(0);
    for (const type of push) {
      expect(type.push?.principal).toMatch(/^[a-z0-9.-]+\.amazonaws\.com$/);
      expect(type.push?.noun).toBeTruthy();
      expect(pushTypeOfPrincipal(type.push?.principal as string)).toBe(type.spec.type);
      expect(type.mapping).toBeUndefined();
    }
    expect(pushTypeOfPrincipal('lambda.amazonaws.com')).toBeUndefined();
  });

  it('list shows mapping types before push types, each in registry order', () => {
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
    const triggers: TriggerView[] = [...TRIGGER_TYPES].reverse().map((t) => ({ type: t.spec.type, id: t.spec.type, sourceArn: SAMPLE_ARNS[t.spec.type] ?? '', functionArn: fn, settings: {} }));
    const sorted = sortTriggers(triggers).map((t) => t.type);
    const mappingTypes = TRIGGER_TYPES.filter((t) => t.mapping).map((t) => t.spec.type);
    const pushTypes = TRIGGER_TYPES.filter((t) => !t.mapping).map((t) => t.spec.type);
    expect(sorted).toEqual([...mappingTypes, ...pushTypes]);
  });

  it('a remove flag of one type is refused for the others, naming the types that take it', async () => {
    const flags = removeFlags();
    expect(flags.length).toBeGreaterThan(0);
    for (const { option, types } of flags) {
      const key = /--([a-z0-9-]+)/.exec(option.flags)?.[1]?.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as string;
      const other = TRIGGER_TYPES.find((t) => !types.includes(t.spec.type));
      if (!other) continue;
      const source = other.spec.type === 's3' ? 'uploads' : 'name1';
      await expect(parseRemoveRequest(other.spec.type, source, { function: 'worker', [key]: 'x' })).rejects.toThrow(new RegExp(`only for remove ${types.join(', ')}`));
    }
  });

  it('every type declares its flags, examples and argument for --help', () => {
    for (const type of TRIGGER_TYPES) {
      expect(type.spec.argument).toMatch(/^<[a-z-]+>$/);
      expect(type.spec.summary).toBeTruthy();
      expect(type.spec.examples.length).toBeGreaterThan(0);
      for (const example of type.spec.examples) expect(example).toMatch(new RegExp(`^evsrc add ${type.spec.type} `));
      expect(type.spec.removeExamples?.length, `a remove example for ${type.spec.type}`).toBeGreaterThan(0);
      for (const example of type.spec.removeExamples ?? []) expect(example).toMatch(new RegExp(`^evsrc remove ${type.spec.type} \\S+ --function `));
      for (const option of [...type.spec.options, ...(type.spec.removeOptions ?? [])]) expect(option.flags).toMatch(/^--[a-z][a-z0-9-]*( <[^>]+>)?$/);
    }
  });

  it('a loaded type is its registered spec plus its implementation: the same flags, ARNs, traits and settings', async () => {
    const loaded = await loadTriggerTypes();
    expect(loaded.map((t) => t.spec.type)).toEqual(typeNames());
    for (const [i, type] of loaded.entries()) {
      const registered = TRIGGER_TYPES[i];
      expect(type.spec, type.spec.type).toBe(registered?.spec);
      expect(type.push, type.spec.type).toBe(registered?.push);
      expect(type.mapping?.settingKeys, type.spec.type).toEqual(registered?.mapping?.settingKeys);
      for (const arn of Object.values(SAMPLE_ARNS)) expect(type.ownsSourceArn(arn), `${type.spec.type} ${arn}`).toBe(registered?.ownsSourceArn(arn));
      for (const fn of ['parseAddOptions', 'planAdd', 'discover', 'parseRemove', 'planRemove'] as const) expect(typeof type[fn], `${type.spec.type}.${fn}`).toBe('function');
    }
    expect(await loadTriggerType('sqs')).toBe(loaded[0]);
    expect(await loadTriggerType('nope')).toBeUndefined();
    expect((await loadTriggerTypes(new Set(['logs', 'sqs']))).map((t) => t.spec.type)).toEqual(['sqs', 'logs']);
  });

});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  FILTER_POLICY_MAX_BYTES,
  canonicalJson,
  parseFilterPolicy,
  parseFilterPolicyScope,
  sameFilterPolicy,
  sameFilterPolicyScope,
} from '../../src/sources/sns/filter-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'evsrc-filter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseFilterPolicy: input', () => {
  it('parses inline JSON', () => {
    expect(parseFilterPolicy('{"store":["example_corp"],"price_usd":[{"numeric":[">",100]}]}')).toEqual({
      store: ['example_corp'],
      price_usd: [{ numeric: ['>', 100] }],
    });
  });

  it('reads @path', () => {
    const file = join(dir, 'policy.json');
    writeFileSync(file, '{\n  "event": ["order_placed"]\n}\n');
    expect(parseFilterPolicy(`@${file}`)).toEqual({ event: ['order_placed'] });
  });

  it('names the flag and path when the file is missing', () => {
    const missing = join(dir, 'nope.json');
    const error = usageErrorOf(() => parseFilterPolicy(`@${missing}`));
    expect(error.message).toContain('--filter-policy');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('no such file');
  });

  it('refuses a bare @', () => {
    expect(usageErrorOf(() => parseFilterPolicy('@')).message).toContain('--filter-policy');
  });

  it('refuses invalid JSON, naming the flag passed in and the value', () => {
    const error = usageErrorOf(() => parseFilterPolicy('{"a": [1,}', '--dlq-filter'));
    expect(error.message).toContain('--dlq-filter');
    expect(error.message).toContain('{\\"a\\": [1,}');
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses JSON that is not an object', () => {
    expect(usageErrorOf(() => parseFilterPolicy('["a"]')).message).toContain('got an array');
    expect(usageErrorOf(() => parseFilterPolicy('null')).message).toContain('got null');
    expect(usageErrorOf(() => parseFilterPolicy('"x"')).message).toContain('got a string');
  });

  it('refuses an empty object', () => {
    expect(usageErrorOf(() => parseFilterPolicy('{}')).message).toContain('empty');
  });
});

describe('parseFilterPolicy: SNS constraints', () => {
  const sixKeys = '{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}';
  const fiveKeys = '{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}';

  it('allows 5 keys and refuses 6, naming the value and the limit', () => {
    expect(Object.keys(parseFilterPolicy(fiveKeys))).toHaveLength(5);
    const error = usageErrorOf(() => parseFilterPolicy(sixKeys));
    expect(error.message).toContain('--filter-policy');
    expect(error.message).toContain('\\"f\\":[\\"1\\"]');
    expect(error.message).toContain('at most 5 keys');
    expect(error.message).toContain('has 6');
  });

  it('refuses nesting for MessageAttributes scope, pointing at MessageBody', () => {
    const nested = '{"order":{"status":["paid"]}}';
    const error = usageErrorOf(() => parseFilterPolicy(nested));
    expect(error.message).toContain('"order"');
    expect(error.message).toContain('MessageBody');
    expect(parseFilterPolicy(nested, '--filter-policy', 'MessageBody')).toEqual({ order: { status: ['paid'] } });
  });

  it('counts only top-level keys for MessageBody scope', () => {
    const deep = JSON.stringify({
      state: ['SUCCESS'],
      severity: [{ exists: true }],
      message: [{ exists: true }],
      finding: { standard_control: [{ exists: true }], region: [{ exists: true }], account: [{ exists: true }] },
    });
    expect(() => parseFilterPolicy(deep, '--filter-policy', 'MessageBody')).not.toThrow();
    expect(usageErrorOf(() => parseFilterPolicy(sixKeys, '--filter-policy', 'MessageBody')).message).toContain('top-level keys');
  });

  it('allows 150 combinations and refuses 151+', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(() => parseFilterPolicy(JSON.stringify({ a: values(10), b: values(15) }))).not.toThrow();
    const error = usageErrorOf(() => parseFilterPolicy(JSON.stringify({ a: values(4), b: values(4), c: values(10) })));
    expect(error.message).toContain('at most 150');
    expect(error.message).toContain('has 160');
  });

  it('multiplies nested value counts for MessageBody scope', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i);
    const policy = JSON.stringify({ a: { b: values(10), c: values(16) } });
    expect(usageErrorOf(() => parseFilterPolicy(policy, '--filter-policy', 'MessageBody')).message).toContain('has 160');
  });

  it('counts an "$or" as the sum of its branches and its keys as the largest branch', () => {
    const policy = JSON.stringify({
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES', 'AWS/RDS'] }],
    });
    expect(() => parseFilterPolicy(policy)).not.toThrow();
    const big = JSON.stringify({
      a: Array.from({ length: 30 }, (_, i) => i),
      $or: [{ b: ['1', '2'] }, { c: ['1', '2', '3'] }, { d: ['1'] }],
    });
    expect(usageErrorOf(() => parseFilterPolicy(big)).message).toContain('has 180');
  });

  it('refuses a policy over 256 KB', () => {
    const huge = JSON.stringify({ a: ['x'.repeat(FILTER_POLICY_MAX_BYTES)] });
    const error = usageErrorOf(() => parseFilterPolicy(huge));
    expect(error.message).toContain('256 KB');
    expect(error.message).toContain(String(FILTER_POLICY_MAX_BYTES));
    expect(error.message.length).toBeLessThan(600); // the value is shortened, not dumped
  });
});

describe('parseFilterPolicyScope', () => {
  it('accepts the two scopes, in any case', () => {
    expect(parseFilterPolicyScope('MessageAttributes')).toBe('MessageAttributes');
    expect(parseFilterPolicyScope('messagebody')).toBe('MessageBody');
  });

  it('refuses anything else, listing the allowed values', () => {
    const error = usageErrorOf(() => parseFilterPolicyScope('Body'));
    expect(error.message).toContain('--filter-policy-scope');
    expect(error.message).toContain('"Body"');
    expect(error.message).toContain('MessageAttributes, MessageBody');
  });
});

describe('canonicalJson and comparisons', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: 1, c: [{ z: 1, y: 2 }] } })).toBe('{"a":{"c":[{"y":2,"z":1}],"d":1},"b":[2,1]}');
  });

  it('compares an existing FilterPolicy string with the requested policy', () => {
    const requested = { store: ['a'], event: ['x', 'y'] };
    expect(sameFilterPolicy('{\n "event": ["x","y"],\n "store": ["a"]\n}', requested)).toBe(true);
    // Value lists are "any of these" to SNS: their order is not a change.
    expect(sameFilterPolicy('{"event":["y","x"],"store":["a"]}', requested)).toBe(true);
    expect(sameFilterPolicy('{"event":["y","z"],"store":["a"]}', requested)).toBe(false);
    expect(sameFilterPolicy(undefined, undefined)).toBe(true);
    expect(sameFilterPolicy('', undefined)).toBe(true);
    expect(sameFilterPolicy(undefined, requested)).toBe(false);
    expect(sameFilterPolicy('{"store":["a"]}', undefined)).toBe(false);
    expect(sameFilterPolicy('not json', requested)).toBe(false);
  });

  it('treats an absent scope as MessageAttributes', () => {
    expect(sameFilterPolicyScope(undefined, undefined)).toBe(true);
    expect(sameFilterPolicyScope(undefined, 'MessageAttributes')).toBe(true);
    expect(sameFilterPolicyScope('MessageAttributes', undefined)).toBe(true);
    expect(sameFilterPolicyScope('MessageBody', undefined)).toBe(false);
    expect(sameFilterPolicyScope('MessageBody', 'MessageBody')).toBe(true);
  });
});

describe('sameFilterPolicy and list order', () => {
  it('reordered value lists are the same policy; other values are not', () => {
    expect(sameFilterPolicy('{"a":["x","z"],"b":["y"]}', { a: ['z', 'x'], b: ['y'] })).toBe(true);
    expect(sameFilterPolicy('{"a":["x","z"]}', { a: ['x', 'y'] })).toBe(false);
    expect(sameFilterPolicy('{"p":[{"numeric":[">",0,"<",5]}]}', { p: [{ numeric: ['<', 5, '>', 0] }] })).toBe(false);
  });
});

describe('parseFilterPolicy: values as SNS accepts them', () => {
  const ok = [
    '{"type":["order",1,true,null]}',
    '{"type":[{"prefix":"ord-"},{"suffix":"-x"},{"equals-ignore-case":"Order"}]}',
    '{"type":[{"anything-but":"a"}],"n":[{"anything-but":[1,"b"]}],"p":[{"anything-but":{"prefix":"x"}}]}',
    '{"price":[{"numeric":[">",0,"<=",5]}],"q":[{"numeric":["=",3]}]}',
    '{"store":[{"exists":false}],"ip":[{"cidr":"10.0.0.0/24"}]}',
  ];
  for (const text of ok) it(`accepts ${text}`, () => expect(() => parseFilterPolicy(text)).not.toThrow());

  it('accepts nested objects with MessageBody scope, arrays at the leaves', () => {
    expect(() => parseFilterPolicy('{"order":{"kind":["a"]}}', '--filter-policy', 'MessageBody')).not.toThrow();
  });

  const bad: [string, RegExp][] = [
    ['{"type":"order"}', /key "type" has "order", not an array of values/],
    ['{"type":1}', /not an array/],
    ['{"type":[]}', /empty array/],
    ['{"type":[["a"]]}', /an array inside a value array/],
    ['{"type":[{"prefix":1}]}', /"prefix" takes a non-empty string/],
    ['{"type":[{"prefix":"a","suffix":"b"}]}', /exactly one key/],
    ['{"type":[{}]}', /exactly one key, got none/],
    ['{"type":[{"regex":"a.*"}]}', /unknown operator "regex"/],
    ['{"type":[{"exists":"yes"}]}', /"exists" takes true or false/],
    ['{"type":[{"cidr":"ten"}]}', /"cidr" takes an IP prefix/],
    ['{"type":[{"numeric":[">"]}]}', /"numeric" takes/],
    ['{"type":[{"numeric":["~",1]}]}', /"numeric" takes/],
    ['{"type":[{"numeric":["<",5,">",1]}]}', /lower bound first/],
    ['{"type":[{"numeric":[">",10,"<",1]}]}', /lower bound first/],
    ['{"type":[10000000000]}', /outside the numbers SNS matches/],
    ['{"type":[{"anything-but":[]}]}', /"anything-but" takes/],
    ['{"type":[{"anything-but":{"exists":true}}]}', /"anything-but" takes/],
  ];
  for (const [text, why] of bad) {
    it(`refuses ${text}`, () => expect(() => parseFilterPolicy(text)).toThrow(why));
  }

  it('refuses a non-array leaf in a MessageBody policy, naming its path', () => {
    expect(() => parseFilterPolicy('{"order":{"kind":"a"}}', '--filter-policy', 'MessageBody')).toThrow(/key "order.kind" has "a"/);
  });

  it('refuses JSON nested a million levels deep without recursion', () => {
    const deep = `${'{"a":'.repeat(1_000_000)}[1]${'}'.repeat(1_000_000)}`;
    expect(() => parseFilterPolicy(deep, '--filter-policy', 'MessageBody')).toThrow(/--filter-policy: .*nested 1000001 levels deep; evsrc accepts at most 32/);
  });
});

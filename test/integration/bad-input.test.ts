// The bad-input corpus: for every registered type, add and remove, inputs that must be refused before any
// AWS call. Each case asserts exit 2, a message naming the flag or argument, no request at all reaching the
// proxy in front of moto, and one JSON error document with --output json. Most cases are derived from each
// type's spec (its argument, its flags and their placeholders), so a new type is covered when registered.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { useMoto } from '../helpers/moto.js';
import { TRIGGER_TYPES } from '../../src/sources/registry.js';
import type { OptionSpec, TypeSpec } from '../../src/sources/contract.js';

const moto = useMoto();
const proxy = useFaultProxy(moto);

/** One bad command line and what its message must name. */
interface Case {
  name: string;
  argv: string[];
  names: string | RegExp;
}

const FN = ['--function', 'thumbs'];
const DEEP = `${'{"a":'.repeat(200)}["x"]${'}'.repeat(200)}`;
const VERY_DEEP = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;

/** A valid source per type (it need not exist: nothing is read). */
const GOOD_SOURCE: Record<string, string> = {
  sqs: 'orders',
  s3: 'uploads',
  sns: 'alerts',
  dynamodb: 'orders-table',
  kinesis: 'clicks',
  eventbridge: 'nightly',
  logs: '/app/api',
  msk: 'orders-cluster',
  kafka: 'b-1.example.com:9092,b-2.example.com:9092',
  mq: 'orders-broker',
  documentdb: 'orders-docs',
};

/** Flags a type's add needs, given in every case so the one bad input is what is refused. */
const REQUIRED: Record<string, string[]> = {
  dynamodb: ['--starting-position', 'LATEST'],
  kinesis: ['--starting-position', 'LATEST'],
  msk: ['--topic', 'orders', '--starting-position', 'LATEST'],
  kafka: ['--topic', 'orders', '--starting-position', 'LATEST'],
  mq: ['--queue', 'orders', '--secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:MQaccess-a1b2c3'],
  documentdb: ['--database', 'shop', '--starting-position', 'LATEST', '--secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docdb-a1b2c3'],
};

/** Sources each type must refuse: malformed accounts, foreign services, URLs that are not queue URLs, bad names. */
const BAD_SOURCES: Record<string, string[]> = {
  sqs: ['arn:aws:sqs:us-east-1:12345:orders', 'arn:aws:sqs:us-east-1:1234567890123:orders', 'https://example.com/orders', 'https://sqs.us-east-1.amazonaws.com/123456789012/orders/more', 'bad queue!'],
  s3: ['arn:aws:s3:us-east-1:123456789012:uploads', 'arn:aws:s3:::uploads/key', 'bad bucket!', 'ab'],
  sns: ['arn:aws:sns:us-east-1:12345:alerts', 'arn:aws:sns:us-east-1:12345678901x:alerts', 'bad topic!'],
  dynamodb: ['arn:aws:dynamodb:us-east-1:12345:table/orders', 'arn:aws:dynamodb:us-east-1:123456789012:orders', 'ab'],
  kinesis: ['arn:aws:kinesis:us-east-1:12345:stream/clicks', 'arn:aws:kinesis:us-east-1:123456789012:clicks', 'bad stream!'],
  eventbridge: ['arn:aws:events:us-east-1:12345:rule/nightly', 'bad rule!'],
  logs: ['arn:aws:logs:us-east-1:12345:log-group:/app/api', 'bad group!'],
  msk: ['arn:aws:kafka:us-east-1:12345:cluster/orders/abc', 'arn:aws:kafka:us-east-1:123456789012:cluster/orders', 'arn:aws:kafka:us-east-1:123456789012:vpc-connection/x', '1cluster', 'bad cluster!', 'x'.repeat(65)],
  kafka: ['b-1.example.com', 'b-1.example.com:99999', 'b-1.example.com:9092,', 'http://b-1.example.com:9092', 'bad host!:9092'],
  documentdb: ['arn:aws:rds:us-east-1:12345:cluster:orders-docs', 'arn:aws:rds:us-east-1:123456789012:db:orders-docs', '1docs', 'docs--x', 'docs-', 'x'.repeat(64)],
  mq: ['arn:aws:mq:us-east-1:12345:broker:orders:b-1234', 'arn:aws:mq:us-east-1:123456789012:broker:orders', 'arn:aws:mq:us-east-1:123456789012:configuration:c-1', 'bad broker!', 'x'.repeat(51)],
};
/** What every type refuses, known or new: an ARN of a service no type handles, and an empty source. */
const GENERIC_BAD_SOURCES = ['arn:aws:nosuchservice:us-east-1:123456789012:thing', ''];

/** Values to refuse, by the placeholder a flag declares; flags with other placeholders are in EXTRA. */
function badValuesFor(option: OptionSpec): string[] {
  const placeholder = /<([^>]+)>/.exec(option.flags)?.[1];
  if (option.hidden) return [placeholder ? 'x' : ''];
  switch (placeholder) {
    case 'n':
    case 'seconds':
      return ['abc', '-2', '1.5', '99999999999'];
    case 'json|@file':
      return ['{', '[]', '"text"', DEEP, VERY_DEEP, '@/nonexistent/evsrc-corpus.json'];
    case 'json':
      return ['{', DEEP, VERY_DEEP];
    case 'queue':
      return ['arn:aws:sqs:us-east-1:12345:dlq', 'https://example.com/dlq', 'bad queue!'];
    case 'destination':
      return ['arn:aws:sqs:us-east-1:12345:dlq', 'https://example.com/dlq', 'bad queue!', 'arn:aws:sns:us-east-1:12345:failures', 'arn:aws:s3:us-east-1:123456789012:failures', 'arn:aws:dynamodb:us-east-1:123456789012:table/t'];
    case 'position':
      return ['SOMETIMES'];
    case 'time':
      return ['not-a-time'];
    case 'view-type':
      return ['EVERYTHING'];
    default:
      return [];
  }
}

/** Bad values of the mapping options every mapping source shares. */
const MAPPING_EXTRA: [string, string][] = [
  ['--filter', '{"body":"order"}'],
  ['--filter', '{"body":{"type":[]}}'],
  ['--metrics', 'KafkaMetrics'],
  ['--metrics', 'EventCount,'],
  ['--filter-kms-key', 'alias/filters'],
  ['--filter-kms-key', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ['--tag', 'no-equals-sign'],
  ['--tag', 'aws:reserved=x'],
];

/** Bad values of the Kafka flags (msk and kafka). */
const KAFKA_EXTRA: [string, string][] = [
  ['--filter', '{"value":{"kind":"order"}}'],
  ['--topic', ''],
  ['--topic', '.hidden'],
  ['--topic', 'a'],
  ['--topic', 'x'.repeat(250)],
  ['--topic', 'orders events'],
  ['--consumer-group-id', 'x'.repeat(201)],
  ['--consumer-group-id', 'bad group!'],
  ['--auth', 'sasl-scram-512'],
  ['--auth', 'sasl-scram-512=my-secret'],
  ['--auth', 'sasl-scram-512=arn:aws:secretsmanager:us-east-1:12345:secret:x'],
  ['--auth', 'iam=arn:aws:secretsmanager:us-east-1:123456789012:secret:x-a1b2c3'],
  ['--on-failure', 'kafka://orders'],
  ['--on-failure', 'kafka://.x'],
  ['--min-pollers', '0'],
  ['--max-pollers', '2001'],
  ['--metrics', 'Bogus'],
  ['--starting-position-timestamp', '2024-01-01T00:00:00Z'],
  ['--filter-kms-key', 'alias/filters'],
  ['--tag', 'aws:reserved=x'],
];

/** Bad values of flags whose placeholder says too little to derive them. */
const EXTRA: Record<string, [string, string][]> = {
  s3: [
    ['--events', ''],
    ['--events', ' , '],
    ['--events', 's3:ObjectCreated:*,'],
    ['--events', 's3:ObjectCreated:Putt'],
    ['--prefix', 'x'.repeat(1025)],
    ['--suffix', 'x'.repeat(1025)],
    ['--source-account', '12345'],
  ],
  sns: [
    ['--filter-policy', '{"type":"order"}'],
    ['--filter-policy', '{"type":[]}'],
    ['--filter-policy', '{"type":[{"prefix":1}]}'],
    ['--filter-policy', '{"type":[{"regex":"a.*"}]}'],
    ['--filter-policy', '{"type":[{"numeric":["<",5,">",1]}]}'],
    ['--filter-policy', '{"type":[{"exists":"yes"}]}'],
    ['--filter-policy', '{"type":[{"cidr":"ten"}]}'],
    ['--filter-policy', '{"type":[{"anything-but":[]}]}'],
    ['--filter-policy', '{"type":[["a"]]}'],
    ['--filter-policy', '{"type":[10000000000]}'],
    ['--filter-policy', '{"order":{"kind":["a"]}}'],
    ['--filter-policy-scope', 'Body'],
  ],
  sqs: MAPPING_EXTRA,
  dynamodb: MAPPING_EXTRA,
  kinesis: [['--consumer', 'bad consumer!'], ...MAPPING_EXTRA],
  eventbridge: [
    ['--event-bus', 'arn:aws:events:us-east-1:12345:event-bus/orders'],
    ['--pattern', '{"source":"aws.s3"}'],
    ['--pattern', '{"source":[]}'],
    ['--pattern', '{"detail":{"size":5}}'],
    ['--pattern', '{"$or":[{"source":"aws.s3"}]}'],
    ['--schedule', 'every day'],
    ['--input-path', 'detail'],
  ],
  logs: [
    ['--filter-pattern', 'x'.repeat(1025)],
    ['--filter-name', 'a:b'],
  ],
  msk: [...KAFKA_EXTRA, ['--auth', 'basic=arn:aws:secretsmanager:us-east-1:123456789012:secret:x-a1b2c3'], ['--auth', 'sasl-scram-256=arn:aws:secretsmanager:us-east-1:123456789012:secret:x-a1b2c3']],
  documentdb: [
    ['--database', 'shop.orders'],
    ['--database', 'x'.repeat(64)],
    ['--collection', 'system.users'],
    ['--collection', 'x'.repeat(58)],
    ['--full-document', 'Everything'],
    ['--secret', 'docdb-secret'],
    ['--starting-position-timestamp', '2024-01-01T00:00:00Z'],
    ['--metrics', 'KafkaMetrics'],
    ['--filter', '{"event":{"operationType":["insert"]}}'],
    ['--tag', 'aws:reserved=x'],
  ],
  mq: [
    ['--queue', ''],
    ['--queue', 'x'.repeat(1001)],
    ['--secret', 'MQaccess'],
    ['--secret', 'arn:aws:secretsmanager:us-east-1:12345:secret:x'],
    ['--virtual-host', 'bad host!'],
    ['--virtual-host', 'x'.repeat(201)],
    ['--metrics', 'KafkaMetrics'],
    ['--filter-kms-key', 'alias/filters'],
    ['--tag', 'aws:reserved=x'],
  ],
  kafka: [
    ...KAFKA_EXTRA,
    ['--root-ca', 'my-root-ca'],
    ['--subnet', 'subnet-0a1b2c3d'],
    ['--security-group', 'sg-0a1b2c3d'],
    ['--subnet', 'subnet-xyz'],
    ['--security-group', 'group-1'],
  ],
};

/** `--batch-size` → `--bacth-size`: two letters swapped, as a typing slip does. */
function misspell(flag: string): string {
  const name = flag.slice(2);
  const i = Math.max(1, Math.floor(name.length / 2));
  return `--${name.slice(0, i - 1)}${name[i]}${name[i - 1]}${name.slice(i + 1)}`;
}

function flagOf(option: OptionSpec): string {
  return /--[a-z0-9-]+/.exec(option.flags)?.[0] ?? option.flags;
}

function addCases(t: TypeSpec): Case[] {
  const type = t.spec.type;
  const source = GOOD_SOURCE[type] ?? 'source-name';
  const required = REQUIRED[type] ?? [];
  const add = (...rest: string[]) => {
    // The case's own flag comes last, so a repeated --starting-position is the bad one.
    const [src, ...flags] = rest;
    return ['add', type, src as string, ...required, ...flags];
  };
  const cases: Case[] = [];
  for (const bad of [...(BAD_SOURCES[type] ?? []), ...GENERIC_BAD_SOURCES]) {
    cases.push({ name: `source ${JSON.stringify(bad.slice(0, 50))}`, argv: add(bad, ...FN), names: t.spec.argument });
  }
  for (const fn of ['', 'arn:aws:lambda:us-east-1:12345:function:thumbs', 'arn:aws:lambda:us-east-1:123456789012:thumbs', 'bad name!', 'thumbs:prod:extra', '12345:function:thumbs']) {
    cases.push({ name: `--function ${JSON.stringify(fn)}`, argv: add(source, '--function', fn), names: '--function' });
  }
  cases.push({ name: '--function missing', argv: add(source), names: '--function' });
  // Each required flag left out in turn, the others given.
  for (let i = 0; i < required.length; i += 2) {
    const flag = required[i] as string;
    cases.push({ name: `${flag} missing`, argv: ['add', type, source, ...FN, ...required.filter((_, j) => j !== i && j !== i + 1)], names: flag });
  }
  cases.push({ name: '--fucntion (unknown flag, --function missing)', argv: add(source, '--fucntion', 'thumbs'), names: /unknown option '--fucntion'[\s\S]*Did you mean --function\?/ });
  cases.push({ name: 'an unknown flag', argv: add(source, ...FN, '--no-such-flag'), names: "unknown option '--no-such-flag'" });
  for (const [flag, value] of [
    ['--endpoint-url', 'ftp://localhost:4566'],
    ['--endpoint-url', 'not a url'],
    ['--endpoint-url', 'localhost:4566'],
    ['--region', 'nowhere'],
    ['--cli-read-timeout', '-1'],
    ['--cli-connect-timeout', 'soon'],
  ] as const) {
    cases.push({ name: `${flag} ${JSON.stringify(value)}`, argv: add(source, ...FN, flag, value), names: flag });
  }
  for (const option of t.spec.options) {
    const flag = flagOf(option);
    const takesValue = /<[^>]+>/.test(option.flags);
    for (const value of badValuesFor(option)) {
      const argv = takesValue ? add(source, ...FN, flag, value) : add(source, ...FN, flag);
      cases.push({ name: `${flag} ${JSON.stringify(value.slice(0, 40))}`, argv, names: flag });
    }
    if (!option.hidden && !flag.startsWith('--no-')) {
      const slip = misspell(flag);
      if (slip !== flag) {
        cases.push({ name: `misspelt ${slip}`, argv: add(source, ...FN, slip, ...(takesValue ? ['1'] : [])), names: new RegExp(`unknown option '${slip}'[\\s\\S]*Did you mean ${flag}\\?`) });
      }
    }
  }
  for (const [flag, value] of EXTRA[type] ?? []) {
    cases.push({ name: `${flag} ${JSON.stringify(value.slice(0, 40))}`, argv: add(source, ...FN, flag, value), names: flag });
  }
  return cases;
}

function removeCases(t: TypeSpec): Case[] {
  const type = t.spec.type;
  const source = GOOD_SOURCE[type] ?? 'source-name';
  const remove = (...rest: string[]) => ['remove', type, ...rest, '--yes'];
  const cases: Case[] = [];
  for (const bad of [...(BAD_SOURCES[type] ?? []), ...GENERIC_BAD_SOURCES]) {
    cases.push({ name: `source ${JSON.stringify(bad.slice(0, 50))}`, argv: remove(bad, ...FN), names: t.spec.argument });
  }
  for (const fn of ['', 'arn:aws:lambda:us-east-1:12345:function:thumbs', 'bad name!']) {
    cases.push({ name: `--function ${JSON.stringify(fn)}`, argv: remove(source, '--function', fn), names: '--function' });
  }
  cases.push({ name: '--function missing', argv: remove(source), names: '--function' });
  cases.push({ name: '--fucntion', argv: remove(source, '--fucntion', 'thumbs'), names: /unknown option '--fucntion'[\s\S]*Did you mean --function\?/ });
  cases.push({ name: '--endpoint-url "ftp://x"', argv: remove(source, ...FN, '--endpoint-url', 'ftp://x'), names: '--endpoint-url' });
  // Another type's remove flag is refused, naming it.
  const own = new Set((t.spec.removeOptions ?? []).map(flagOf));
  const foreign = TRIGGER_TYPES.flatMap((o) => (o.spec.removeOptions ?? []).map(flagOf)).find((f) => !own.has(f));
  if (foreign) cases.push({ name: `foreign ${foreign}`, argv: remove(source, ...FN, foreign, 'x'), names: foreign });
  if (type === 's3') {
    for (const events of ['', 's3:ObjectCreated:Putt']) cases.push({ name: `--events ${JSON.stringify(events)}`, argv: remove(source, ...FN, '--events', events), names: '--events' });
  }
  return cases;
}

const ADD = TRIGGER_TYPES.map((t) => [t.spec.type, addCases(t)] as const);
const REMOVE = TRIGGER_TYPES.map((t) => [t.spec.type, removeCases(t)] as const);
const UUID_CASES: Case[] = [
  { name: 'remove <uuid> with a source', argv: ['remove', '6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f', 'orders', '--yes'], names: 'remove 6c9f2a1e' },
  { name: 'remove <uuid> --function', argv: ['remove', '6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f', ...FN, '--yes'], names: '--function' },
  { name: 'remove of an unknown type', argv: ['remove', 'ftp', 'orders', ...FN, '--yes'], names: '"ftp"' },
  { name: 'add of an unknown type', argv: ['add', 'ftp', 'orders', ...FN], names: "unknown command 'ftp'" },
];
const TOTAL = [...ADD, ...REMOVE].reduce((n, [, cases]) => n + cases.length, 0) + UUID_CASES.length;

beforeEach(() => proxy.clear());

async function expectRefused(c: Case): Promise<void> {
  const text = await runCli(c.argv, proxy.url);
  expect(text.code, `${c.argv.join(' ').slice(0, 200)}\n${text.stderr}`).toBe(2);
  if (typeof c.names === 'string') expect(text.stderr).toContain(c.names);
  else expect(text.stderr).toMatch(c.names);
  expect(text.stdout).toBe('');
  const json = await runCli([...c.argv, '--output', 'json'], proxy.url);
  expect(json.code).toBe(2);
  const doc = json.json<{ error: { message: string; exitCode: number } }>();
  expect(Object.keys(doc)).toEqual(['error']);
  expect(doc.error.exitCode).toBe(2);
  if (typeof c.names === 'string') expect(doc.error.message).toContain(c.names);
  // Not one request, read or write, reached AWS.
  expect(proxy.calls.map((call) => call.operation)).toEqual([]);
}

describe('bad input is refused before any AWS call (exit 2, flag named, nothing sent)', () => {
  for (const [type, cases] of ADD) {
    describe(`add ${type}`, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => expectRefused(c));
    });
  }
  for (const [type, cases] of REMOVE) {
    describe(`remove ${type}`, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => expectRefused(c));
    });
  }
  describe('remove and add, whatever the type', () => {
    it.each(UUID_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => expectRefused(c));
  });
  it('the corpus covers every registered type, add and remove, with at least 120 cases', () => {
    expect(ADD.map(([t]) => t)).toEqual(TRIGGER_TYPES.map((t) => t.spec.type));
    expect(TOTAL).toBeGreaterThanOrEqual(120);
  });
});

afterAll(() => {
  // The size of the corpus, for the note of the run.
  process.stdout.write(`bad-input corpus: ${TOTAL} cases\n`);
});

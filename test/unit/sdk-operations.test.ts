import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Each service's SDK client is imported through src/aws/sdk/<service>.ts, which names only the operations
// evsrc calls, so the bundle leaves out the other commands. An operation missing there would fail at run
// time ("not an SDK command"): this test finds every operation the source names and checks it is there.
// It finds them written as evsrc writes them: 'service:Operation' (plans, executor actions, the CallApi
// wrappers) and call('service', 'Operation', …) / paginate(…) in single quotes. A name built at run time
// (a template string, a variable) would not be found: write operation names out.
const PACKAGES: Record<string, string> = {
  lambda: '@aws-sdk/client-lambda',
  sqs: '@aws-sdk/client-sqs',
  s3: '@aws-sdk/client-s3',
  sns: '@aws-sdk/client-sns',
  dynamodb: '@aws-sdk/client-dynamodb',
  kinesis: '@aws-sdk/client-kinesis',
  events: '@aws-sdk/client-eventbridge',
  logs: '@aws-sdk/client-cloudwatch-logs',
  kafka: '@aws-sdk/client-kafka',
  mq: '@aws-sdk/client-mq',
  docdb: '@aws-sdk/client-docdb',
};

const src = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `'service:Operation'` and `('service', 'Operation'` in src/, by service (S3 event names included: filtered below; IAM actions of policy statements left out). */
function namedOperations(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (service: string, op: string) => {
    if (!(service in PACKAGES)) return;
    if (!found.has(service)) found.set(service, new Set());
    found.get(service)?.add(op);
  };
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    // An IAM action in a policy statement (Action: 'sqs:SendMessage') is not a call.
    for (const m of text.matchAll(/(?<!Action: )'(\w+):([A-Z]\w+)'/g)) add(m[1] as string, m[2] as string);
    for (const m of text.matchAll(/\(\s*'(\w+)',\s*'([A-Z]\w+)'/g)) add(m[1] as string, m[2] as string);
  }
  return found;
}

describe('the SDK operations evsrc imports', () => {
  const named = namedOperations();

  it('finds the calls it is meant to find', () => {
    // Written as 'service:Operation' (plans), as call('service', 'Operation') and across lines.
    expect(named.get('lambda')).toContain('CreateEventSourceMapping');
    expect(named.get('s3')).toContain('ListBuckets');
    expect(named.get('kinesis')).toContain('DescribeStreamConsumer');
  });

  for (const [service, pkg] of Object.entries(PACKAGES)) {
    it(`${service}: every operation named in src/ is in src/aws/sdk/${service}.ts, and only SDK commands are`, async () => {
      const [full, facade] = await Promise.all([import(pkg) as Promise<Record<string, unknown>>, import(`../../src/aws/sdk/${service}.ts`) as Promise<Record<string, unknown>>]);
      // S3 event names ('s3:ObjectCreated') and IAM actions ('lambda:InvokeFunction') look the same: only commands count.
      const needed = [...(named.get(service) ?? [])].filter((op) => typeof full[`${op}Command`] === 'function').sort();
      expect(needed.length).toBeGreaterThan(0);
      const missing = needed.filter((op) => typeof facade[`${op}Command`] !== 'function');
      expect(missing, `add to src/aws/sdk/${service}.ts`).toEqual([]);
      for (const [name, value] of Object.entries(facade)) expect(value, name).toBe(full[name]);
      // And nothing evsrc does not call: each command there is one the source names.
      const extra = Object.keys(facade)
        .filter((k) => k.endsWith('Command'))
        .map((k) => k.slice(0, -'Command'.length))
        .filter((op) => !needed.includes(op));
      expect(extra, `not called anywhere in src/: remove from src/aws/sdk/${service}.ts`).toEqual([]);
      expect(Object.keys(facade).filter((k) => k.endsWith('Client'))).toHaveLength(1);
    });
  }
});

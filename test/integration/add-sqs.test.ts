import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { createFunction, createQueue, mappingsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
let fnArn: string;

beforeEach(async () => {
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

const add = (...args: string[]) => runCli(['add', 'sqs', ...args], moto.endpoint);

describe('evsrc add sqs against moto', () => {
  it('creates a mapping from a queue name and reports it', async () => {
    const q = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
    const r = await add('orders', '--function', 'worker', '--batch-size', '5', '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.changed).toBe(true);
    expect(doc.actions.map((a: { api: string }) => a.api)).toEqual(['lambda:CreateEventSourceMapping']);
    expect(doc.actions[0].input).toMatchObject({ FunctionName: fnArn, EventSourceArn: q.arn, BatchSize: 5 });
    const mappings = await mappingsOf(moto.endpoint, q.arn);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({ FunctionArn: fnArn, BatchSize: 5, EventSourceArn: q.arn });
    expect(doc.trigger).toMatchObject({ id: mappings[0]?.UUID, state: 'Enabled', sourceArn: q.arn, functionArn: fnArn });
  });

  it('resolves a queue URL and a queue ARN to the same mapping, without duplicates', async () => {
    const q = await createQueue(moto.endpoint, 'by-url', { VisibilityTimeout: '60' });
    const first = await add(q.url, '--function', 'worker');
    expect(first.code).toBe(0);
    const second = await add(q.arn, '--function', fnArn, '--json');
    expect(second.code).toBe(0);
    expect(second.json().changed).toBe(false);
    expect(second.json().actions).toEqual([]);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });

  it('a re-run with the same flags changes nothing and says so', async () => {
    const q = await createQueue(moto.endpoint, 'rerun', { VisibilityTimeout: '60' });
    await add('rerun', '--function', 'worker', '--batch-size', '7', '--filter', '{"body":{"kind":["a"]}}');
    const before = await mappingsOf(moto.endpoint, q.arn);
    const again = await add('rerun', '--function', 'worker', '--batch-size', '7', '--filter', '{ "body": { "kind": ["a"] } }');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    const after = await mappingsOf(moto.endpoint, q.arn);
    expect(after).toHaveLength(1);
    expect(after[0]?.UUID).toBe(before[0]?.UUID);
  });

  it('changed flags update the mapping in place and leave other settings alone', async () => {
    const q = await createQueue(moto.endpoint, 'update', { VisibilityTimeout: '60' });
    await add('update', '--function', 'worker', '--batch-size', '7', '--max-concurrency', '5');
    const uuid = (await mappingsOf(moto.endpoint, q.arn))[0]?.UUID;
    const r = await add('update', '--function', 'worker', '--batch-size', '9', '--report-batch-item-failures', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.actions).toHaveLength(1);
    expect(doc.actions[0].api).toBe('lambda:UpdateEventSourceMapping');
    expect(doc.actions[0].changes).toEqual(
      expect.arrayContaining([
        { field: 'BatchSize', from: 7, to: 9 },
        { field: 'FunctionResponseTypes', from: [], to: ['ReportBatchItemFailures'] },
      ]),
    );
    expect(doc.actions[0].input).not.toHaveProperty('ScalingConfig');
    const after = await mappingsOf(moto.endpoint, q.arn);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ UUID: uuid, BatchSize: 9, ScalingConfig: { MaximumConcurrency: 5 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const q = await createQueue(moto.endpoint, 'dry', { VisibilityTimeout: '60' });
    const r = await runCli(['add', 'sqs', 'dry', '--function', 'worker', '--batch-size', '20', '--batching-window', '2', '--dry-run'], moto.endpoint);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lambda:CreateEventSourceMapping/);
    expect(r.stdout).toMatch(/BatchSize: 20/);
    expect(r.stdout).toMatch(/nothing was changed/);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
    // The dry-run JSON carries the same plan.
    const j = await runCli(['add', 'sqs', 'dry', '--function', 'worker', '--dry-run', '--output', 'json'], moto.endpoint);
    expect(j.json()).toMatchObject({ dryRun: true, changed: true, trigger: null });
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
  });

  it('dry-run of an update shows old → new and writes nothing', async () => {
    const q = await createQueue(moto.endpoint, 'dry-update', { VisibilityTimeout: '60' });
    await add('dry-update', '--function', 'worker', '--batch-size', '4');
    const r = await add('dry-update', '--function', 'worker', '--batch-size', '6', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lambda:UpdateEventSourceMapping/);
    expect(r.stdout).toMatch(/BatchSize: 4 → 6/);
    expect((await mappingsOf(moto.endpoint, q.arn))[0]?.BatchSize).toBe(4);
  });

  it('bad input exits 2, names the flag, and writes nothing', async () => {
    const q = await createQueue(moto.endpoint, 'bad', { VisibilityTimeout: '60' });
    const cases: [string[], RegExp][] = [
      [['--batch-size', '20'], /--batch-size.*"20".*--batching-window of at least 1/],
      [['--batch-size', '0'], /--batch-size: invalid value "0"; allowed: a whole number from 1 to 10000/],
      [['--max-concurrency', '1'], /--max-concurrency: invalid value "1"/],
      [['--filter', '[1,2]'], /--filter: invalid value "\[1,2\]"; a filter must be a JSON object/],
      [['--starting-position', 'LATEST'], /--starting-position: not valid for SQS \(got "LATEST"\)/],
    ];
    for (const [flags, message] of cases) {
      const r = await add('bad', '--function', 'worker', ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
  });

  it('FIFO queues refuse a batch over 10 and any batching window (exit 2, nothing written)', async () => {
    const q = await createQueue(moto.endpoint, 'jobs.fifo', { VisibilityTimeout: '60' });
    const big = await add('jobs.fifo', '--function', 'worker', '--batch-size', '11', '--batching-window', '1');
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/--batching-window.*FIFO/);
    const window = await add('jobs.fifo', '--function', 'worker', '--batching-window', '0');
    expect(window.code).toBe(2);
    const batch = await add('jobs.fifo', '--function', 'worker', '--batch-size', '11');
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch-size: invalid value "11"; FIFO queue jobs.fifo allows a batch size from 1 to 10/);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(0);
    const ok = await add('jobs.fifo', '--function', 'worker', '--batch-size', '10');
    expect(ok.code).toBe(0);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });

  it('a visibility timeout shorter than the function timeout exits 3; under 6x warns', async () => {
    const short = await createQueue(moto.endpoint, 'short-vis', { VisibilityTimeout: '5' });
    const r = await add('short-vis', '--function', 'worker');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/visibility timeout \(5s\) is shorter than the function timeout \(10s\)/);
    expect(await mappingsOf(moto.endpoint, short.arn)).toHaveLength(0);
    await createQueue(moto.endpoint, 'mid-vis', { VisibilityTimeout: '30' });
    const w = await add('mid-vis', '--function', 'worker');
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/warning: queue visibility timeout \(30s\) is under six times/);
  });

  it('a partial ARN keeps its account: the caller\'s function for its own account, exit 3 for another', async () => {
    const q = await createQueue(moto.endpoint, 'partial', { VisibilityTimeout: '60' });
    const own = await add('partial', '--function', '123456789012:function:worker', '--json');
    expect(own.stderr).not.toMatch(/error/);
    expect(own.code).toBe(0);
    expect(own.json().function.arn).toBe(fnArn);
    const other = await add('partial', '--function', '999999999999:function:worker', '--dry-run');
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/function 999999999999:function:worker not found/);
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });

  it('a missing queue or function exits 3 with a message naming it', async () => {
    await createQueue(moto.endpoint, 'exists', { VisibilityTimeout: '60' });
    const noQueue = await add('nope', '--function', 'worker');
    expect(noQueue.code).toBe(3);
    expect(noQueue.stderr).toMatch(/queue nope does not exist/);
    const noFn = await add('exists', '--function', 'ghost');
    expect(noFn.code).toBe(3);
    expect(noFn.stderr).toMatch(/function ghost not found/);
  });

  it('--output json prints exactly one document; warnings go to stderr', async () => {
    await createQueue(moto.endpoint, 'json', { VisibilityTimeout: '30' });
    const r = await add('json', '--function', 'worker', '--json');
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr).toMatch(/warning:/);
    expect(r.json().warnings.length).toBeGreaterThan(0);
    // Each warning is an object with a code, as in list and remove; its message is the line on stderr.
    for (const w of r.json().warnings) {
      expect(w).toEqual({ code: expect.any(String), message: expect.any(String) });
      expect(r.stderr).toContain(`warning: ${w.message}`);
    }
  });

  it('global options work after the subcommand, and --verbose logs AWS calls without credentials', async () => {
    await createQueue(moto.endpoint, 'verbose', { VisibilityTimeout: '60' });
    const r = await runCli(['add', 'sqs', 'verbose', '--function', 'worker', '--endpoint-url', moto.endpoint, '--verbose', '--region', 'us-east-1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/aws sqs GetQueueUrl \d+ms ok/);
    expect(r.stderr).toMatch(/aws lambda CreateEventSourceMapping \d+ms ok/);
    expect(r.stderr).not.toMatch(/testing/);
  });

  it('the installed binary runs end to end as a child process', async () => {
    const q = await createQueue(moto.endpoint, 'spawned', { VisibilityTimeout: '60' });
    const r = await spawnCli(['add', 'sqs', 'spawned', '--function', 'worker', '--endpoint-url', moto.endpoint, '--output', 'json'], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    });
    // Progress only: no SDK support warning, no error.
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|error/i);
    expect(r.stderr).toMatch(/create sqs mapping/);
    expect(r.code).toBe(0);
    expect(r.json().trigger.state).toBe('Enabled');
    expect(await mappingsOf(moto.endpoint, q.arn)).toHaveLength(1);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import {
  consumersOf,
  createFunction,
  createQueue,
  createStream,
  createTable,
  createTopic,
  describeTable,
  disableStream,
  mappingsOf,
  registerConsumer,
} from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
let fnArn: string;

beforeEach(async () => {
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'worker', { timeout: 10 });
});

const ddb = (...args: string[]) => runCli(['add', 'dynamodb', ...args], moto.endpoint);
const kin = (...args: string[]) => runCli(['add', 'kinesis', ...args], moto.endpoint);
const apis = (doc: { actions: { api: string }[] }) => doc.actions.map((a) => a.api);

describe('evsrc add dynamodb against moto', () => {
  it('maps a table by name to its stream, with every stream option arriving on the mapping', async () => {
    const table = await createTable(moto.endpoint, 'orders', 'NEW_AND_OLD_IMAGES');
    const dlq = await createQueue(moto.endpoint, 'orders-dlq');
    const r = await ddb(
      'orders',
      '--function', 'worker',
      '--starting-position', 'TRIM_HORIZON',
      '--batch-size', '500',
      '--batching-window', '5',
      '--parallelization', '3',
      '--retry-attempts', '4',
      '--max-record-age', '3600',
      '--bisect-on-error',
      '--tumbling-window', '60',
      '--on-failure', 'orders-dlq',
      '--filter', '{"eventName":["INSERT"]}',
      '--report-batch-item-failures',
      '--json',
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(apis(doc)).toEqual(['lambda:CreateEventSourceMapping']);
    expect(doc.source).toEqual({ type: 'dynamodb', arn: table.streamArn, name: 'orders' });
    const mappings = await mappingsOf(moto.endpoint, table.streamArn ?? '');
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({
      FunctionArn: fnArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 3,
      MaximumRetryAttempts: 4,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      TumblingWindowInSeconds: 60,
      // The destination was named by queue name and resolved to the queue's ARN.
      DestinationConfig: { OnFailure: { Destination: dlq.arn } },
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(doc.trigger).toMatchObject({ id: mappings[0]?.UUID, state: 'Enabled', settings: { batchSize: 500, onFailure: dlq.arn } });
  });

  it('a stream ARN and a re-run by table name converge on one mapping', async () => {
    const table = await createTable(moto.endpoint, 'by-arn', 'NEW_IMAGE');
    const first = await ddb(table.streamArn ?? '', '--function', fnArn, '--starting-position', 'LATEST');
    expect(first.code).toBe(0);
    const again = await ddb('by-arn', '--function', 'worker', '--starting-position', 'LATEST', '--json');
    expect(again.code).toBe(0);
    expect(again.json().changed).toBe(false);
    expect(again.json().actions).toEqual([]);
    const byTableArn = await ddb(table.arn, '--function', 'worker', '--starting-position', 'LATEST');
    expect(byTableArn.stdout).toMatch(/No changes/);
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toHaveLength(1);
  });

  it('a table without a stream is refused (exit 3); --enable-stream enables it, waits, and maps it', async () => {
    await createTable(moto.endpoint, 'plain');
    const refused = await ddb('plain', '--function', 'worker', '--starting-position', 'LATEST');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/table plain has no stream enabled/);
    expect(refused.stderr).toMatch(/hint: re-run with --enable-stream NEW_AND_OLD_IMAGES/);

    const dry = await ddb('plain', '--function', 'worker', '--starting-position', 'LATEST', '--enable-stream', 'NEW_IMAGE', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(apis(dry.json())).toEqual(['dynamodb:UpdateTable', 'lambda:CreateEventSourceMapping']);
    expect(dry.json().actions[1].input.EventSourceArn).toMatch(/^<stream ARN of table plain/);
    expect((await describeTable(moto.endpoint, 'plain'))?.LatestStreamArn).toBeUndefined();

    const r = await ddb('plain', '--function', 'worker', '--starting-position', 'LATEST', '--enable-stream', 'NEW_IMAGE', '--json');
    expect(r.code).toBe(0);
    const table = await describeTable(moto.endpoint, 'plain');
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(r.json().source.arn).toBe(table?.LatestStreamArn);
    // The real run reports the input really sent, not the plan's placeholder.
    expect(r.json().actions[1].input.EventSourceArn).toBe(table?.LatestStreamArn);
    expect(r.json().actions[1].summary).toBe(`create dynamodb mapping ${table?.LatestStreamArn} → ${r.json().function.arn}`);
    const mappings = await mappingsOf(moto.endpoint, table?.LatestStreamArn ?? '');
    expect(mappings).toHaveLength(1);
    expect(r.json().trigger.id).toBe(mappings[0]?.UUID);

    const again = await ddb('plain', '--function', 'worker', '--starting-position', 'LATEST', '--enable-stream', 'NEW_IMAGE');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });

  it('changed mutable settings update in place; omitted flags keep their values', async () => {
    const table = await createTable(moto.endpoint, 'update', 'KEYS_ONLY');
    await ddb('update', '--function', 'worker', '--starting-position', 'LATEST', '--batch-size', '50', '--parallelization', '2', '--retry-attempts', '3');
    const uuid = (await mappingsOf(moto.endpoint, table.streamArn ?? ''))[0]?.UUID;
    const r = await ddb('update', '--function', 'worker', '--starting-position', 'LATEST', '--batch-size', '80', '--bisect-on-error', '--json');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(apis(doc)).toEqual(['lambda:UpdateEventSourceMapping']);
    expect(doc.actions[0].input).toEqual({ UUID: uuid, BatchSize: 80, BisectBatchOnFunctionError: true });
    expect(doc.actions[0].changes).toEqual([
      { field: 'BatchSize', from: 50, to: 80 },
      { field: 'BisectBatchOnFunctionError', from: false, to: true },
    ]);
    const after = await mappingsOf(moto.endpoint, table.streamArn ?? '');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ UUID: uuid, BatchSize: 80, ParallelizationFactor: 2, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true });
  });

  it('a different starting position is refused (exit 3); --replace deletes, waits and recreates', async () => {
    const table = await createTable(moto.endpoint, 'immutable', 'NEW_IMAGE');
    await ddb('immutable', '--function', 'worker', '--starting-position', 'LATEST', '--batch-size', '70');
    const before = await mappingsOf(moto.endpoint, table.streamArn ?? '');
    const refused = await ddb('immutable', '--function', 'worker', '--starting-position', 'TRIM_HORIZON');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/starts at LATEST; asked: StartingPosition LATEST → TRIM_HORIZON/);
    expect(refused.stderr).toMatch(/hint: re-run with --replace/);
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toEqual(before);

    const dry = await ddb('immutable', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--replace', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/1\. lambda:DeleteEventSourceMapping .*and wait until it is gone/);
    expect(dry.stdout).toMatch(/2\. lambda:CreateEventSourceMapping/);
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toEqual(before);

    const r = await ddb('immutable', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--replace', '--json');
    expect(r.code).toBe(0);
    expect(apis(r.json())).toEqual(['lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    const after = await mappingsOf(moto.endpoint, table.streamArn ?? '');
    expect(after).toHaveLength(1);
    expect(after[0]?.UUID).not.toBe(before[0]?.UUID);
    // The batch size was not asked again: it is carried over to the new mapping.
    expect(after[0]).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BatchSize: 70 });
  });

  it('a mapping on an older stream of a re-enabled table is a source change (refused; --replace planned)', async () => {
    const table = await createTable(moto.endpoint, 'relabel', 'NEW_IMAGE');
    await ddb('relabel', '--function', 'worker', '--starting-position', 'LATEST');
    await disableStream(moto.endpoint, 'relabel');
    const refused = await ddb('relabel', '--function', 'worker', '--starting-position', 'LATEST', '--enable-stream', 'NEW_IMAGE');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/already connects .*relabel\/stream\/.* to this function/);
    expect(refused.stderr).toMatch(/hint: re-run with --replace/);
    expect((await describeTable(moto.endpoint, 'relabel'))?.StreamSpecification?.StreamEnabled).not.toBe(true);
    // moto refuses to enable a stream on a table that had one ("Cannot enable stream"), so the
    // replacement itself is shown as a plan only; unit tests cover its execution order.
    const dry = await ddb('relabel', '--function', 'worker', '--starting-position', 'LATEST', '--enable-stream', 'NEW_IMAGE', '--replace', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(apis(dry.json())).toEqual(['dynamodb:UpdateTable', 'lambda:DeleteEventSourceMapping', 'lambda:CreateEventSourceMapping']);
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toHaveLength(1);
  });

  it('warns when two other mappings already read the stream', async () => {
    const table = await createTable(moto.endpoint, 'busy', 'NEW_IMAGE');
    await createFunction(moto.endpoint, 'reader-a');
    await createFunction(moto.endpoint, 'reader-b');
    await ddb('busy', '--function', 'reader-a', '--starting-position', 'LATEST');
    const second = await ddb('busy', '--function', 'reader-b', '--starting-position', 'LATEST');
    expect(second.stderr).not.toMatch(/throttles/);
    const r = await ddb('busy', '--function', 'worker', '--starting-position', 'LATEST', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: 2 mappings already read stream .*DynamoDB Streams throttles more than 2 readers per shard/);
    expect(r.json().warnings).toContainEqual({ code: 'too-many-stream-readers', message: expect.stringMatching(/throttles/) });
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toHaveLength(3);
  });

  it('bad input exits 2 or 3, names the problem, and writes nothing', async () => {
    const table = await createTable(moto.endpoint, 'bad', 'NEW_IMAGE');
    const cases: [string[], number, RegExp][] = [
      [['--starting-position', 'AT_TIMESTAMP', '--starting-position-timestamp', '1700000000'], 2, /AT_TIMESTAMP is not valid for DynamoDB Streams/],
      [[], 2, /--starting-position is required for dynamodb/],
      [['--starting-position', 'LATEST', '--parallelization', '11'], 2, /--parallelization: invalid value "11"; allowed: a whole number from 1 to 10/],
      [['--starting-position', 'LATEST', '--max-record-age', '30'], 2, /--max-record-age: invalid value "30"/],
      [['--starting-position', 'LATEST', '--on-failure', 'arn:aws:lambda:us-east-1:123456789012:function:x'], 2, /--on-failure: invalid value/],
      [['--starting-position', 'LATEST', '--on-failure', 'missing-dlq'], 3, /--on-failure: queue missing-dlq does not exist/],
    ];
    for (const [flags, code, message] of cases) {
      const r = await ddb('bad', '--function', 'worker', ...flags);
      expect(r.code, flags.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    const noTable = await ddb('ghost', '--function', 'worker', '--starting-position', 'LATEST');
    expect(noTable.code).toBe(3);
    expect(noTable.stderr).toMatch(/table ghost does not exist in us-east-1/);
    expect(await mappingsOf(moto.endpoint, table.streamArn ?? '')).toHaveLength(0);
  });
});

describe('evsrc add kinesis against moto', () => {
  it('maps a stream by name, and by ARN on a re-run without a duplicate', async () => {
    const stream = await createStream(moto.endpoint, 'clicks');
    const r = await kin('clicks', '--function', 'worker', '--starting-position', 'LATEST', '--batch-size', '250', '--json');
    expect(r.code).toBe(0);
    expect(r.json().source).toEqual({ type: 'kinesis', arn: stream, name: 'clicks' });
    const again = await kin(stream, '--function', fnArn, '--starting-position', 'LATEST', '--batch-size', '250', '--json');
    expect(again.code).toBe(0);
    expect(again.json().changed).toBe(false);
    const mappings = await mappingsOf(moto.endpoint, stream);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({ FunctionArn: fnArn, StartingPosition: 'LATEST', BatchSize: 250 });
  });

  it('AT_TIMESTAMP sends the timestamp; a future one or a missing one is refused', async () => {
    const stream = await createStream(moto.endpoint, 'at-ts');
    const dry = await kin('at-ts', '--function', 'worker', '--starting-position', 'AT_TIMESTAMP', '--starting-position-timestamp', '1714521600', '--dry-run', '--json');
    expect(dry.json().actions[0].input).toMatchObject({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: '2024-05-01T00:00:00.000Z' });
    const r = await kin('at-ts', '--function', 'worker', '--starting-position', 'AT_TIMESTAMP', '--starting-position-timestamp', '2024-05-01T00:00:00Z');
    expect(r.code).toBe(0);
    expect((await mappingsOf(moto.endpoint, stream))[0]?.StartingPosition).toBe('AT_TIMESTAMP');
    const future = await kin('at-ts', '--function', 'worker', '--starting-position', 'AT_TIMESTAMP', '--starting-position-timestamp', '2999-01-01T00:00:00Z');
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/--starting-position-timestamp: invalid value "2999-01-01T00:00:00Z"; the time .* lies in the future/);
    const missing = await kin('at-ts', '--function', 'worker', '--starting-position', 'AT_TIMESTAMP');
    expect(missing.code).toBe(2);
    const stray = await kin('at-ts', '--function', 'worker', '--starting-position', 'LATEST', '--starting-position-timestamp', '1714521600');
    expect(stray.code).toBe(2);
    expect(await mappingsOf(moto.endpoint, stream)).toHaveLength(1);
  });

  it('stream options and an SNS on-failure destination arrive on the mapping; changes update in place', async () => {
    const stream = await createStream(moto.endpoint, 'opts');
    const topic = await createTopic(moto.endpoint, 'click-failures');
    const r = await kin('opts', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--parallelization', '10', '--max-record-age', '-1', '--retry-attempts', '-1', '--tumbling-window', '900', '--on-failure', 'sns:click-failures', '--disabled');
    expect(r.code).toBe(0);
    const [created] = await mappingsOf(moto.endpoint, stream);
    expect(created).toMatchObject({ ParallelizationFactor: 10, TumblingWindowInSeconds: 900, DestinationConfig: { OnFailure: { Destination: topic } }, State: 'Disabled' });
    const u = await kin('opts', '--function', 'worker', '--starting-position', 'TRIM_HORIZON', '--parallelization', '5', '--enabled', '--json');
    expect(u.code).toBe(0);
    expect(apis(u.json())).toEqual(['lambda:UpdateEventSourceMapping']);
    const [updated] = await mappingsOf(moto.endpoint, stream);
    expect(updated).toMatchObject({ UUID: created?.UUID, ParallelizationFactor: 5, TumblingWindowInSeconds: 900, State: 'Enabled' });
  });

  it('a different starting position is refused (exit 3) and left alone', async () => {
    const stream = await createStream(moto.endpoint, 'imm');
    await kin('imm', '--function', 'worker', '--starting-position', 'LATEST');
    const r = await kin('imm', '--function', 'worker', '--starting-position', 'TRIM_HORIZON');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/AWS cannot change StartingPosition/);
    expect((await mappingsOf(moto.endpoint, stream))[0]?.StartingPosition).toBe('LATEST');
  });

  it('--consumer reuses an existing consumer (dry run) or plans its registration', async () => {
    const stream = await createStream(moto.endpoint, 'efo');
    const reuse = await registerConsumer(moto.endpoint, stream, 'existing');
    const dry = await kin('efo', '--function', 'worker', '--starting-position', 'LATEST', '--consumer', 'existing', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(apis(dry.json())).toEqual(['lambda:CreateEventSourceMapping']);
    expect(dry.json().actions[0].input.EventSourceArn).toBe(reuse);
    const fresh = await kin('efo', '--function', 'worker', '--starting-position', 'LATEST', '--consumer', 'fresh', '--dry-run', '--json');
    expect(apis(fresh.json())).toEqual(['kinesis:RegisterStreamConsumer', 'lambda:CreateEventSourceMapping']);
    expect(fresh.json().actions[0].input).toEqual({ StreamARN: stream, ConsumerName: 'fresh' });
    expect((await consumersOf(moto.endpoint, stream)).map((c) => c.ConsumerName)).toEqual(['existing']);
  });

  it('a consumer it registered is deregistered when the mapping then fails (moto cannot map consumer ARNs)', async () => {
    const stream = await createStream(moto.endpoint, 'efo-fail');
    const r = await kin('efo-fail', '--function', 'worker', '--starting-position', 'LATEST', '--consumer', 'mine');
    // moto answers CreateEventSourceMapping on a consumer ARN with ResourceNotFoundException "Invalid EventSourceArn".
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rolling back: deregister consumer mine/);
    expect(await consumersOf(moto.endpoint, stream)).toEqual([]);
    expect(await mappingsOf(moto.endpoint, stream)).toHaveLength(0);
  });

  it('a missing stream exits 3; the installed binary maps a stream over plain HTTP', async () => {
    const missing = await kin('ghost', '--function', 'worker', '--starting-position', 'LATEST');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/stream ghost does not exist in us-east-1/);
    const stream = await createStream(moto.endpoint, 'spawned');
    const r = await spawnCli(['add', 'kinesis', 'spawned', '--function', 'worker', '--starting-position', 'LATEST', '--endpoint-url', moto.endpoint, '--output', 'json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.json().trigger.state).toBe('Enabled');
    expect(await mappingsOf(moto.endpoint, stream)).toHaveLength(1);
  });
});

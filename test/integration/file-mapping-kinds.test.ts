// Triggers as a file for the mapping kinds moto refuses (msk, kafka, mq): the mappings live in the
// mapping stand-in, the clusters and brokers in moto. export writes each as add flags; a self-managed Kafka
// export applied back changes nothing, diff finds no drift, and a setting changed by hand is converged
// back. moto's MSK and MQ ARNs leave out the name AWS puts in them (cluster/<uuid>, broker:<id>), so an
// exported msk or mq entry, which names its source by that ARN here, cannot be applied back against moto.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { useEsmStandIn } from '../helpers/esm-stand-in.js';
import { createFunction } from '../helpers/fixtures.js';
import { createBroker, createMskCluster } from '../helpers/kafka-fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const standIn = useEsmStandIn(moto);
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_orders-a1b2c3';
const dir = mkdtempSync(join(tmpdir(), 'evsrc-file-kinds-'));

beforeEach(async () => {
  await moto.reset();
  standIn.reset();
  await createFunction(moto.endpoint, 'worker');
  await createMskCluster(moto.endpoint, 'orders-cluster');
  await createBroker(moto.endpoint, 'orders-rabbit', 'RABBITMQ');
});

const run = (...argv: string[]) => runCli(argv, standIn.endpoint);

describe('triggers as a file: msk, kafka and mq', () => {
  it('export writes them as add flags; apply of the export changes nothing; diff is in sync; a change by hand is put back', async () => {
    const adds = [
      ['add', 'msk', 'orders-cluster', '--function', 'worker', '--topic', 'orders', '--starting-position', 'LATEST', '--auth', `sasl-scram-512=${SECRET}`, '--batch-size', '50', '--min-pollers', '1', '--max-pollers', '4', '--retry-attempts', '3', '--metrics', 'EventCount,KafkaMetrics'],
      ['add', 'kafka', '--bootstrap-servers', 'b-1.example.com:9092', '--function', 'worker', '--topic', 'refunds', '--starting-position', 'TRIM_HORIZON', '--consumer-group-id', 'refunds-lambda', '--subnet', 'subnet-0a1b2c3d', '--security-group', 'sg-0a1b2c3d'],
      ['add', 'mq', 'orders-rabbit', '--function', 'worker', '--queue', 'orders', '--virtual-host', '/shop', '--secret', SECRET, '--batching-window', '2'],
    ];
    for (const argv of adds) {
      const r = await run(...argv);
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(0);
    }
    const exported = await run('export', '--function', 'worker');
    expect(exported.code, exported.stderr).toBe(0);
    const doc = parseYaml(exported.stdout) as { triggers: { type: string; source: string; [k: string]: unknown }[] };
    const byType = Object.fromEntries(doc.triggers.map((t) => [t.type, t]));
    expect(byType.msk).toMatchObject({ topic: 'orders', auth: `sasl-scram-512=${SECRET}`, batchSize: 50, minPollers: 1, maxPollers: 4, retryAttempts: 3, metrics: 'EventCount,KafkaMetrics' });
    expect(byType.msk).not.toHaveProperty('consumerGroupId');
    expect(byType.kafka).toMatchObject({ source: 'b-1.example.com:9092', topic: 'refunds', consumerGroupId: 'refunds-lambda', startingPosition: 'TRIM_HORIZON', subnet: ['subnet-0a1b2c3d'], securityGroup: ['sg-0a1b2c3d'] });
    expect(byType.mq).toMatchObject({ queue: 'orders', virtualHost: '/shop', secret: SECRET, batchingWindow: 2 });

    // The function's other triggers go, so that the file of its Kafka trigger describes all it has.
    for (const argv of [['remove', 'msk', 'orders-cluster'], ['remove', 'mq', 'orders-rabbit']]) {
      const r = await run(...argv, '--function', 'worker', '--yes');
      expect(r.code, r.stderr).toBe(0);
    }
    const file = join(dir, 'triggers.yaml');
    writeFileSync(file, stringify({ triggers: [byType.kafka] }));
    const applied = await run('apply', '-f', file);
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    expect(applied.stdout).toContain('No changes');
    const diff = await run('diff', '-f', file);
    expect(diff.code, `${diff.stdout}\n${diff.stderr}`).toBe(0);

    // Changed by hand: the file puts the batch size back.
    const changed = await run('add', 'kafka', 'b-1.example.com:9092', '--function', 'worker', '--topic', 'refunds', '--starting-position', 'TRIM_HORIZON', '--batch-size', '10');
    expect(changed.code, changed.stderr).toBe(0);
    expect((await run('diff', '-f', file)).code).toBe(5);
    const back = await run('apply', '-f', file);
    expect(back.code, `${back.stdout}\n${back.stderr}`).toBe(0);
    expect(standIn.mappings().find((m) => m.Topics?.[0] === 'refunds')?.BatchSize).toBe(100);
  });
});

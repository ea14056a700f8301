// Amazon MSK and self-managed Kafka end to end: the real CLI over HTTP against moto (functions, MSK clusters)
// with the mapping calls answered by the event-source-mapping stand-in, because moto refuses Kafka mappings.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useEsmStandIn } from '../helpers/esm-stand-in.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createFunction } from '../helpers/fixtures.js';
import { createMskCluster } from '../helpers/kafka-fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const standIn = useEsmStandIn(moto);
const proxy = useFaultProxy(standIn);
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_orders-a1b2c3';
const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';

let clusterArn = '';
beforeEach(async () => {
  await moto.reset();
  standIn.reset();
  proxy.clear();
  await createFunction(moto.endpoint, 'worker');
  clusterArn = await createMskCluster(moto.endpoint, 'orders-cluster');
});

const run = (...argv: string[]) => runCli(argv, proxy.url);
const writes = () => proxy.calls.map((c) => c.operation).filter((op) => /^(Create|Update|Delete|Tag|Untag)/.test(op));
const MSK = ['add', 'msk', 'orders-cluster', '--function', 'worker', '--topic', 'orders', '--starting-position', 'LATEST'];

describe('add msk', () => {
  it('a dry run shows the exact CreateEventSourceMapping input and writes nothing', async () => {
    const r = await run(...MSK, '--batch-size', '500', '--batching-window', '2', '--auth', `sasl-scram-512=${SECRET}`, '--min-pollers', '2', '--max-pollers', '8', '--retry-attempts', '3', '--on-failure', 'kafka://orders-failed', '--metrics', 'EventCount,KafkaMetrics', '--consumer-group-id', 'orders-lambda', '--tag', 'team=payments', '--dry-run', '--output', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.actions).toHaveLength(1);
    expect(doc.actions[0].api).toBe('lambda:CreateEventSourceMapping');
    expect(doc.actions[0].input).toEqual({
      FunctionName: FN_ARN,
      EventSourceArn: clusterArn,
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 2,
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: 3,
      DestinationConfig: { OnFailure: { Destination: 'kafka://orders-failed' } },
      MetricsConfig: { Metrics: ['EventCount', 'KafkaMetrics'] },
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 8 },
      Topics: ['orders'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'orders-lambda' },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET }],
      Tags: { team: 'payments', 'evsrc:tags': 'team' },
    });
    // The cluster was read from moto (it stays CREATING there): a warning, not a refusal.
    expect(doc.warnings.map((w: { message: string }) => w.message).join(' ')).toMatch(/orders-cluster is CREATING, not ACTIVE/);
    expect(proxy.calls.filter((c) => c.path.startsWith('/api/v2/clusters'))).toHaveLength(1);
    expect(writes()).toEqual([]);
    expect(standIn.mappings()).toEqual([]);
  });

  it('a warning of the flags is shown once, in text and in JSON', async () => {
    // No --auth: Lambda would reach the brokers over the internet without authentication.
    const argv = ['add', 'kafka', 'b-1.example.com:9092', '--function', 'worker', '--topic', 'orders', '--starting-position', 'LATEST', '--dry-run'];
    const text = await run(...argv);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr.match(/no --auth and no VPC/g)).toHaveLength(1);
    const json = await run(...argv, '--output', 'json');
    expect(json.json().warnings.filter((w: { message: string }) => /no --auth and no VPC/.test(w.message))).toHaveLength(1);
  });

  it('creates, re-runs with no change, updates in place, refuses a create-only change, and replaces keeping settings and tags', async () => {
    const created = await run(...MSK, '--batch-size', '50', '--auth', `sasl-scram-512=${SECRET}`, '--tag', 'team=payments');
    expect(created.code, created.stderr).toBe(0);
    const [first] = standIn.mappings();
    expect(first).toMatchObject({ EventSourceArn: clusterArn, FunctionArn: FN_ARN, Topics: ['orders'], BatchSize: 50, StartingPosition: 'LATEST', SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET }] });

    proxy.clear();
    const again = await run(...MSK, '--batch-size', '50', '--auth', `sasl-scram-512=${SECRET}`, '--tag', 'team=payments');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect(writes()).toEqual([]);

    proxy.clear();
    const updated = await run(...MSK, '--batch-size', '200', '--batching-window', '5', '--metrics', 'ErrorCount');
    expect(updated.code, updated.stderr).toBe(0);
    expect(writes()).toEqual(['UpdateEventSourceMapping']);
    expect(standIn.mappings()[0]).toMatchObject({ UUID: first?.UUID, BatchSize: 200, MaximumBatchingWindowInSeconds: 5, MetricsConfig: { Metrics: ['ErrorCount'] } });

    proxy.clear();
    const moved = ['add', 'msk', 'orders-cluster', '--function', 'worker', '--topic', 'orders', '--starting-position', 'TRIM_HORIZON'];
    const refused = await run(...moved);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/StartingPosition LATEST → TRIM_HORIZON/);
    expect(refused.stderr).toMatch(/--replace/);
    expect(writes()).toEqual([]);
    const group = await run(...MSK, '--consumer-group-id', 'another-group');
    expect(group.code).toBe(3);
    expect(group.stderr).toMatch(/ConsumerGroupId/);

    proxy.clear();
    const replaced = await run(...moved, '--replace');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(writes()).toEqual(['DeleteEventSourceMapping', 'CreateEventSourceMapping']);
    const [now] = standIn.mappings();
    expect(now?.UUID).not.toBe(first?.UUID);
    // Settings given earlier are carried; the tags too.
    expect(now).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BatchSize: 200, MaximumBatchingWindowInSeconds: 5, MetricsConfig: { Metrics: ['ErrorCount'] }, SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET }] });
    const list = await run('list', '--function', 'worker', '--output', 'json');
    expect(list.json().triggers[0].settings.tags).toEqual({ team: 'payments', 'evsrc:tags': 'team' });
  });

  it('a second topic is a second mapping; list shows both with their topics and tags; remove takes one topic, then by UUID', async () => {
    expect((await run(...MSK, '--tag', 'team=payments')).code).toBe(0);
    expect((await run('add', 'msk', 'orders-cluster', '--function', 'worker', '--topic', 'refunds', '--starting-position', 'LATEST')).code).toBe(0);
    expect(standIn.mappings().map((m) => m.Topics[0]).sort()).toEqual(['orders', 'refunds']);

    const text = await run('list', '--function', 'worker');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/msk\s+orders-cluster|msk\s+\S+/);
    expect(text.stdout).toMatch(/topic=orders/);
    expect(text.stdout).toMatch(/topic=refunds/);
    expect(text.stdout).toMatch(/tags=team=payments/);
    const json = (await run('list', '--function', 'worker', '--output', 'json')).json();
    expect(json.triggers.map((t: { type: string; settings: { topic: string } }) => `${t.type} ${t.settings.topic}`).sort()).toEqual(['msk orders', 'msk refunds']);

    const removed = await run('remove', 'msk', 'orders-cluster', '--function', 'worker', '--topic', 'orders', '--yes');
    expect(removed.code, removed.stderr).toBe(0);
    expect(standIn.mappings().map((m) => m.Topics[0])).toEqual(['refunds']);
    const uuid = standIn.mappings()[0]?.UUID as string;
    const byUuid = await run('remove', uuid, '--yes', '--output', 'json');
    expect(byUuid.code, byUuid.stderr).toBe(0);
    expect(byUuid.json().removed[0]).toMatchObject({ type: 'msk', id: uuid });
    expect(standIn.mappings()).toEqual([]);
  });

  it('a cluster that does not exist is exit 3; error handling outside provisioned mode is exit 2; nothing is written', async () => {
    const missing = await run('add', 'msk', 'no-such-cluster', '--function', 'worker', '--topic', 'orders', '--starting-position', 'LATEST');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/MSK cluster no-such-cluster does not exist/);
    const controls = await run(...MSK, '--retry-attempts', '3');
    expect(controls.code).toBe(2);
    expect(controls.stderr).toMatch(/--retry-attempts.*provisioned mode/);
    expect(writes()).toEqual([]);
  });

  it('a lost answer to the create, then 409 on the retry, adopts the mapping that was made', async () => {
    proxy.inject({ match: { operation: 'CreateEventSourceMapping' }, fault: 'drop', afterForward: true });
    const r = await run(...MSK, '--batch-size', '10');
    expect(r.code, r.stderr).toBe(0);
    expect(standIn.answered.filter((a) => a.startsWith('error 409'))).toHaveLength(1);
    expect(standIn.mappings()).toHaveLength(1);
  });
});

const SERVERS = 'b-2.example.com:9092,b-1.example.com:9092';
const KAFKA = ['add', 'kafka', SERVERS, '--function', 'worker', '--topic', 'orders', '--starting-position', 'TRIM_HORIZON'];
const BASIC = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-basic-a1b2c3';

describe('add kafka (self-managed)', () => {
  it('creates without an EventSourceArn, re-runs with no change, and refuses another server list unless --replace', async () => {
    const dry = await run(...KAFKA, '--auth', `basic=${BASIC}`, '--subnet', 'subnet-0a1b2c3d', '--security-group', 'sg-0a1b2c3d', '--consumer-group-id', 'orders-lambda', '--dry-run', '--output', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().actions[0].input).toEqual({
      FunctionName: FN_ARN,
      StartingPosition: 'TRIM_HORIZON',
      Topics: ['orders'],
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'orders-lambda' },
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b-1.example.com:9092', 'b-2.example.com:9092'] } },
      SourceAccessConfigurations: [
        { Type: 'BASIC_AUTH', URI: BASIC },
        { Type: 'VPC_SECURITY_GROUP', URI: 'security_group:sg-0a1b2c3d' },
        { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0a1b2c3d' },
      ],
    });
    expect(writes()).toEqual([]);

    const created = await run(...KAFKA, '--auth', `basic=${BASIC}`, '--subnet', 'subnet-0a1b2c3d', '--security-group', 'sg-0a1b2c3d', '--consumer-group-id', 'orders-lambda');
    expect(created.code, created.stderr).toBe(0);
    const [first] = standIn.mappings();
    expect(first?.EventSourceArn).toBeUndefined();
    expect(first?.SelfManagedKafkaEventSourceConfig).toEqual({ ConsumerGroupId: 'orders-lambda' });

    proxy.clear();
    const again = await run(...KAFKA, '--auth', `basic=${BASIC}`, '--subnet', 'subnet-0a1b2c3d', '--security-group', 'sg-0a1b2c3d');
    expect(again.code, again.stderr).toBe(0);
    expect(writes()).toEqual([]);

    const auth = await run(...KAFKA, '--auth', `sasl-scram-256=${BASIC}`, '--subnet', 'subnet-0a1b2c3d', '--security-group', 'sg-0a1b2c3d');
    expect(auth.code, auth.stderr).toBe(0);
    expect(standIn.mappings()[0]?.SourceAccessConfigurations).toContainEqual({ Type: 'SASL_SCRAM_256_AUTH', URI: BASIC });

    // One broker added: the same cluster (a server in common), but SelfManagedEventSource cannot change.
    const grown = ['add', 'kafka', `${SERVERS},b-3.example.com:9092`, '--function', 'worker', '--topic', 'orders', '--starting-position', 'TRIM_HORIZON'];
    const refused = await run(...grown);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/SelfManagedEventSource/);
    const replaced = await run(...grown, '--replace');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(standIn.mappings()).toHaveLength(1);
    expect(standIn.mappings()[0]?.SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS).toHaveLength(3);
  });

  it('list shows it by its servers and topic; remove by servers and --topic, and by UUID', async () => {
    expect((await run(...KAFKA, '--auth', `basic=${BASIC}`)).code).toBe(0);
    expect((await run('add', 'kafka', SERVERS, '--function', 'worker', '--topic', 'refunds', '--starting-position', 'LATEST', '--auth', `basic=${BASIC}`)).code).toBe(0);
    const list = await run('list', '--function', 'worker', '--output', 'json');
    const triggers = list.json().triggers as { type: string; sourceName: string; settings: { topic: string } }[];
    expect(triggers.map((t) => `${t.type} ${t.sourceName} ${t.settings.topic}`).sort()).toEqual([
      'kafka b-1.example.com:9092,b-2.example.com:9092 orders',
      'kafka b-1.example.com:9092,b-2.example.com:9092 refunds',
    ]);
    const typed = await run('list', '--function', 'worker', '--type', 'kafka');
    expect(typed.stdout).toMatch(/kafka\s+b-1\.example\.com:9092/);

    const removed = await run('remove', 'kafka', 'b-1.example.com:9092', '--function', 'worker', '--topic', 'orders', '--yes');
    expect(removed.code, removed.stderr).toBe(0);
    expect(standIn.mappings().map((m) => m.Topics[0])).toEqual(['refunds']);
    const uuid = standIn.mappings()[0]?.UUID as string;
    expect((await run('remove', uuid, '--yes')).code).toBe(0);
    expect(standIn.mappings()).toEqual([]);
  });
});

// Amazon MQ end to end: the real CLI over HTTP against moto (functions, brokers) with the mapping calls
// answered by the event-source-mapping stand-in, because moto refuses MQ mappings.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useEsmStandIn } from '../helpers/esm-stand-in.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createFunction } from '../helpers/fixtures.js';
import { createBroker } from '../helpers/kafka-fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const standIn = useEsmStandIn(moto);
const proxy = useFaultProxy(standIn);
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:MQaccess-a1b2c3';
const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';

let active = { arn: '', id: '' };
beforeEach(async () => {
  await moto.reset();
  standIn.reset();
  proxy.clear();
  await createFunction(moto.endpoint, 'worker');
  active = await createBroker(moto.endpoint, 'orders-broker', 'ACTIVEMQ');
  await createBroker(moto.endpoint, 'orders-rabbit', 'RABBITMQ');
});

const run = (...argv: string[]) => runCli(argv, proxy.url);
const writes = () => proxy.calls.map((c) => c.operation).filter((op) => /^(Create|Update|Delete|Tag|Untag)/.test(op));
const MQ = ['add', 'mq', 'orders-broker', '--function', 'worker', '--queue', 'orders', '--secret', SECRET];

describe('add mq', () => {
  it('dry run shows the exact input; creates; re-runs with no change; updates in place', async () => {
    const dry = await run(...MQ, '--batch-size', '20', '--batching-window', '1', '--metrics', 'EventCount', '--dry-run', '--output', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().actions[0].input).toEqual({
      FunctionName: FN_ARN,
      EventSourceArn: active.arn,
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 1,
      MetricsConfig: { Metrics: ['EventCount'] },
      Queues: ['orders'],
      SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: SECRET }],
    });
    expect(writes()).toEqual([]);
    const created = await run(...MQ, '--batch-size', '20');
    expect(created.code, created.stderr).toBe(0);
    expect(standIn.mappings()[0]).toMatchObject({ EventSourceArn: active.arn, Queues: ['orders'], BatchSize: 20 });
    proxy.clear();
    expect((await run(...MQ, '--batch-size', '20')).stdout).toMatch(/No changes/);
    expect(writes()).toEqual([]);
    expect((await run(...MQ, '--batch-size', '30', '--disabled')).code).toBe(0);
    expect(writes()).toEqual(['UpdateEventSourceMapping']);
    expect(standIn.mappings()[0]).toMatchObject({ BatchSize: 30, State: 'Disabled' });
  });

  it('RabbitMQ: the virtual host is create-only (exit 3 unless --replace); ActiveMQ refuses one (exit 2)', async () => {
    const base = ['add', 'mq', 'orders-rabbit', '--function', 'worker', '--queue', 'orders', '--secret', SECRET];
    const first = await run(...base, '--virtual-host', '/shop');
    expect(first.code, first.stderr).toBe(0);
    expect(standIn.mappings()[0]?.SourceAccessConfigurations).toEqual([
      { Type: 'BASIC_AUTH', URI: SECRET },
      { Type: 'VIRTUAL_HOST', URI: '/shop' },
    ]);
    proxy.clear();
    const moved = await run(...base, '--virtual-host', '/other');
    expect(moved.code).toBe(3);
    expect(moved.stderr).toMatch(/VIRTUAL_HOST \/shop → \/other/);
    expect(writes()).toEqual([]);
    expect((await run(...base, '--virtual-host', '/other', '--replace')).code).toBe(0);
    expect(standIn.mappings()[0]?.SourceAccessConfigurations).toContainEqual({ Type: 'VIRTUAL_HOST', URI: '/other' });
    proxy.clear();
    const activeVhost = await run(...MQ, '--virtual-host', '/shop');
    expect(activeVhost.code).toBe(2);
    expect(activeVhost.stderr).toMatch(/--virtual-host.*runs ACTIVEMQ/);
    expect(writes()).toEqual([]);
  });

  it('a missing broker is exit 3; list shows the queue; remove by --queue and by UUID', async () => {
    const missing = await run('add', 'mq', 'no-such-broker', '--function', 'worker', '--queue', 'orders', '--secret', SECRET);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/broker no-such-broker does not exist/);
    expect((await run(...MQ)).code).toBe(0);
    expect((await run('add', 'mq', 'orders-broker', '--function', 'worker', '--queue', 'refunds', '--secret', SECRET)).code).toBe(0);
    const list = await run('list', '--function', 'worker');
    // moto's broker ARNs leave out the broker name AWS puts in them (broker:<name>:<id>): list shows what the ARN holds.
    expect(list.stdout).toMatch(new RegExp(`mq\\s+${active.arn.split(':').at(-1)}`));
    expect(list.stdout).toMatch(/queue=orders/);
    expect(list.stdout).toMatch(/queue=refunds/);
    expect((await run('remove', 'mq', 'orders-broker', '--function', 'worker', '--queue', 'orders', '--yes')).code).toBe(0);
    expect(standIn.mappings().map((m) => m.Queues[0])).toEqual(['refunds']);
    expect((await run('remove', standIn.mappings()[0]?.UUID as string, '--yes')).code).toBe(0);
    expect(standIn.mappings()).toEqual([]);
  });
});

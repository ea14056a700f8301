/**
 * The fault sweep: for a scenario (an add or a remove of one registered trigger type), record the AWS calls
 * of a clean run through the fault proxy, then fault each call position in turn in every mode, once and
 * repeated three times, and judge the end state against the state before and after the clean run.
 */
import { runCli, type CliResult } from './cli.js';
import { describe, expect, it } from 'vitest';
import { typeNames } from '../../src/sources/registry.js';
import { useFaultProxy, type FaultProxy, type FaultRule, type ProxyCall } from './fault-proxy.js';
import { useMoto, type MotoServer } from './moto.js';
import {
  addPermission,
  allMappings,
  createBucket,
  createFunction,
  createMapping,
  createQueue,
  createStream,
  createTableWithStream,
  createTopic,
  notificationOf,
  policyStatementsOf,
  subscribeFunction,
  subscriptionsOf,
} from './fixtures.js';
import { createRule, putTargets, targetsOf } from './events-fixtures.js';
import { createLogGroup, filtersOf, putFilter } from './logs-fixtures.js';
import { useEsmStandIn } from './esm-stand-in.js';
import { createBroker, createMskCluster } from './kafka-fixtures.js';

const MQ_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:MQaccess-a1b2c3';

/** One scenario's world: what it builds before the run, and the command it runs. */
export interface Scenario {
  type: string;
  kind: 'add' | 'remove';
  /** Builds the resources (and foreign entries) the command works on; for a remove, also wires the trigger. */
  setup(endpoint: string): Promise<void>;
  argv: string[];
  /** Answers the proxy gives for what the emulator lacks (added after any fault, so a fault comes first). */
  answers?: FaultRule[];
}

/** A world of one type: what it builds, the add command, and what stands in for what moto lacks. */
interface World {
  setup(endpoint: string): Promise<void>;
  argv: string[];
  answers?: FaultRule[];
  /** Wires the trigger for the remove scenario (default: the add command, straight to the emulator). */
  wire?(endpoint: string): Promise<void>;
}

const DOC_CLUSTER = 'arn:aws:rds:us-east-1:123456789012:cluster:orders-docs';
const DOC_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docdb-orders-a1b2c3';

const FN = 'worker';
const OTHER = 'other';

/** Builds the world of `add <type>`: the function, another function, the source and a foreign entry on it. */
const ADD_WORLDS: Record<string, World> = {
  sqs: {
    async setup(e) {
      const q = await createQueue(e, 'orders', { VisibilityTimeout: '60' });
      await createMapping(e, OTHER, q.arn);
    },
    argv: ['sqs', 'orders', '--function', FN],
  },
  s3: {
    async setup(e) {
      const q = await createQueue(e, 'audit');
      await createBucket(e, 'uploads', { notification: { QueueConfigurations: [{ Id: 'audit-q', QueueArn: q.arn, Events: ['s3:ObjectRemoved:*'] }] } });
    },
    argv: ['s3', 'uploads', '--function', FN],
  },
  sns: {
    async setup(e) {
      const topic = await createTopic(e, 'orders');
      await subscribeFunction(e, topic, `arn:aws:lambda:us-east-1:123456789012:function:${OTHER}`);
    },
    argv: ['sns', 'orders', '--function', FN, '--filter-policy', '{"a":["b"]}'],
  },
  dynamodb: {
    async setup(e) {
      const { streamArn } = await createTableWithStream(e, 'accounts');
      await createMapping(e, OTHER, streamArn, { StartingPosition: 'LATEST' });
    },
    argv: ['dynamodb', 'accounts', '--function', FN, '--starting-position', 'LATEST'],
  },
  kinesis: {
    async setup(e) {
      const arn = await createStream(e, 'clicks');
      await createMapping(e, OTHER, arn, { StartingPosition: 'LATEST' });
    },
    argv: ['kinesis', 'clicks', '--function', FN, '--starting-position', 'LATEST'],
  },
  eventbridge: {
    async setup(e) {
      await createRule(e, 'nightly', { schedule: 'rate(1 day)' });
      await putTargets(e, 'nightly', [{ Id: 'foreign', Arn: `arn:aws:lambda:us-east-1:123456789012:function:${OTHER}` }]);
    },
    argv: ['eventbridge', 'nightly', '--function', FN],
  },
  logs: {
    async setup(e) {
      await createLogGroup(e, '/app/api');
      await putFilter(e, '/app/api', 'foreign', `arn:aws:lambda:us-east-1:123456789012:function:${OTHER}`);
    },
    argv: ['logs', '/app/api', '--function', FN, '--filter-pattern', 'ERROR'],
  },
  // Kafka mappings are answered by the event-source-mapping stand-in (moto refuses them); the cluster is moto's.
  msk: {
    async setup(e) {
      const arn = await createMskCluster(e, 'orders-cluster');
      await createMapping(e, OTHER, arn, { Topics: ['orders'], StartingPosition: 'LATEST' });
    },
    argv: ['msk', 'orders-cluster', '--function', FN, '--topic', 'orders', '--starting-position', 'LATEST'],
  },
  kafka: {
    async setup(e) {
      await createMapping(e, OTHER, undefined, { Topics: ['orders'], StartingPosition: 'LATEST', SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b-1.example.com:9092'] } } });
    },
    argv: ['kafka', 'b-1.example.com:9092', '--function', FN, '--topic', 'orders', '--starting-position', 'LATEST'],
  },
  mq: {
    async setup(e) {
      const { arn } = await createBroker(e, 'orders-broker');
      await createMapping(e, OTHER, arn, { Queues: ['orders'], SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: MQ_SECRET }] });
    },
    argv: ['mq', 'orders-broker', '--function', FN, '--queue', 'orders', '--secret', MQ_SECRET],
  },
  // moto has no DocumentDB: the proxy answers DescribeDBClusters with the cluster, and the remove scenario
  // wires its mapping directly in the stand-in (remove needs no cluster read).
  documentdb: {
    async setup(e) {
      await createMapping(e, OTHER, DOC_CLUSTER, { StartingPosition: 'LATEST', DocumentDBEventSourceConfig: { DatabaseName: 'shop' }, SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: DOC_SECRET }] });
    },
    argv: ['documentdb', 'orders-docs', '--function', FN, '--database', 'shop', '--starting-position', 'LATEST', '--secret', DOC_SECRET],
    answers: [
      {
        match: { operation: 'DescribeDBClusters' },
        fault: 'status',
        status: 200,
        times: Infinity,
        body:
          '<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult><DBClusters><DBCluster>' +
          `<DBClusterIdentifier>orders-docs</DBClusterIdentifier><DBClusterArn>${DOC_CLUSTER}</DBClusterArn><Status>available</Status><Engine>docdb</Engine>` +
          '</DBCluster></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></DescribeDBClustersResponse>',
      },
    ],
    async wire(e) {
      await createMapping(e, FN, DOC_CLUSTER, { StartingPosition: 'LATEST', DocumentDBEventSourceConfig: { DatabaseName: 'shop' }, SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: DOC_SECRET }] });
    },
  },
};

async function baseWorld(endpoint: string): Promise<void> {
  await createFunction(endpoint, FN, { timeout: 10 });
  await createFunction(endpoint, OTHER, { timeout: 10 });
  // A statement evsrc did not make: it must survive every run.
  await addPermission(endpoint, FN, 'foreign-statement', 'events.amazonaws.com', 'arn:aws:events:us-east-1:123456789012:rule/elsewhere');
}

/** The add and remove scenarios of a registered type; undefined when the sweep has no world for it yet. */
export function scenariosFor(type: string): Scenario[] | undefined {
  const world = ADD_WORLDS[type];
  if (!world) return undefined;
  return [
    {
      type,
      kind: 'add',
      async setup(e) {
        await baseWorld(e);
        await world.setup(e);
      },
      argv: ['add', ...world.argv, '--json'],
      ...(world.answers ? { answers: world.answers } : {}),
    },
    {
      type,
      kind: 'remove',
      async setup(e) {
        await baseWorld(e);
        await world.setup(e);
        if (world.wire) return world.wire(e);
        const wired = await runCli(['add', ...world.argv], e);
        if (wired.code !== 0) throw new Error(`sweep setup: add ${type} failed: ${wired.stderr}`);
      },
      argv: ['remove', world.argv[0] ?? type, world.argv[1] ?? '', '--function', FN, '--yes', '--json'],
    },
  ];
}

const tryRead = async <T>(read: () => Promise<T>): Promise<T | null> => {
  try {
    return await read();
  } catch {
    return null;
  }
};

/** The emulator state a sweep compares: mappings, policies, notifications, subscriptions, targets, filters. */
export async function snapshot(endpoint: string): Promise<string> {
  const topic = 'arn:aws:sns:us-east-1:123456789012:orders';
  const [mappings, fnPolicy, otherPolicy, notification, subs, targets, filters] = await Promise.all([
    tryRead(async () =>
      (await allMappings(endpoint))
        // A DynamoDB stream's ARN ends in its creation time, an MSK cluster's in an id: new with every rebuild.
        .map((m) => `${m.FunctionArn} ${(m.EventSourceArn ?? '').replace(/\/stream\/[^/]+$/, '/stream/*').replace(/:cluster\/.*$/, ':cluster/*').replace(/:broker:.*$/, ':broker:*')} ${m.Topics ?? ''}${m.Queues ?? ''}${m.DocumentDBEventSourceConfig?.DatabaseName ?? ''} ${m.BatchSize ?? ''}`)
        .sort(),
    ),
    tryRead(async () => (await policyStatementsOf(endpoint, FN)).map((s) => JSON.stringify(s)).sort()),
    tryRead(async () => (await policyStatementsOf(endpoint, OTHER)).map((s) => JSON.stringify(s)).sort()),
    tryRead(() => notificationOf(endpoint, 'uploads')),
    tryRead(async () => (await subscriptionsOf(endpoint, topic)).map((s) => `${s.protocol} ${s.endpoint} ${s.attributes.FilterPolicy ?? ''}`).sort()),
    tryRead(async () => (await targetsOf(endpoint, 'nightly')).map((t) => JSON.stringify(t)).sort()),
    tryRead(() => filtersOf(endpoint, '/app/api')),
  ]);
  return JSON.stringify({ mappings, fnPolicy, otherPolicy, notification, subs, targets, filters });
}

/** A fault mode of the sweep. */
export type SweepMode = 'throttle' | '500' | 'drop' | 'lost';
export const SWEEP_MODES: readonly SweepMode[] = ['throttle', '500', 'drop', 'lost'];

function ruleFor(mode: SweepMode): Omit<FaultRule, 'match'> {
  switch (mode) {
    case 'throttle':
      return { fault: 'throttle' };
    case '500':
      return { fault: 'server-error' };
    case 'drop':
      return { fault: 'drop' };
    case 'lost':
      return { fault: 'drop', afterForward: true };
  }
}

const READ_ONLY = /^(Get|List|Describe|Head)/;

/** One faulted run: which call, how, how often. */
export interface SweepCase {
  position: number;
  operation: string;
  /** How many earlier calls of the same operation the clean run made before this one. */
  after: number;
  mode: SweepMode;
  times: number;
}

/**
 * The cases of a recorded clean run. Every write position in every mode repeated three times (outlasting
 * the SDK's retries), and a single lost answer (the SDK's retry then meets what the first attempt made);
 * a single throttle, 500 or drop is absorbed by the SDK's retries like the first of three, so it is not run
 * again. Read-only calls change nothing, so they are faulted less: once per operation and side of the first
 * write (before it, or after it as a read-back), as a 500 three times (a read that fails for good fails the
 * same way whatever the fault).
 */
export function sweepCases(calls: readonly ProxyCall[]): SweepCase[] {
  const cases: SweepCase[] = [];
  const seen = new Map<string, number>();
  const readsDone = new Set<string>();
  let wrote = false;
  calls.forEach((c, position) => {
    const after = seen.get(c.operation) ?? 0;
    seen.set(c.operation, after + 1);
    const read = READ_ONLY.test(c.operation);
    if (read) {
      const key = `${c.operation}|${wrote}`;
      if (readsDone.has(key)) return;
      readsDone.add(key);
    } else {
      wrote = true;
    }
    for (const mode of SWEEP_MODES) {
      if (read && mode !== '500') continue;
      for (const times of mode === 'lost' ? [1, 3] : [3]) cases.push({ position, operation: c.operation, after, mode, times });
    }
  });
  return cases;
}

/** How one faulted run ended. */
export interface SweepOutcome {
  case: SweepCase;
  code: number;
  state: 'done' | 'before' | 'other';
  consistent: boolean;
  stderr: string;
}

/** Runs one scenario's sweep and returns every outcome (the caller asserts). */
export async function sweepScenario(
  scenario: Scenario,
  env: { endpoint: string; reset(): Promise<void>; proxy: FaultProxy },
): Promise<{ calls: ProxyCall[]; outcomes: SweepOutcome[] }> {
  const fresh = async (): Promise<string> => {
    await env.reset();
    env.proxy.clear();
    await scenario.setup(env.endpoint);
    env.proxy.clear();
    return snapshot(env.endpoint);
  };
  const answer = () => {
    for (const rule of scenario.answers ?? []) env.proxy.inject(rule);
  };
  const before = await fresh();
  answer();
  const clean = await runCli(scenario.argv, env.proxy.url);
  if (clean.code !== 0) throw new Error(`clean run of ${scenario.kind} ${scenario.type} exited ${clean.code}: ${clean.stderr}`);
  const calls = [...env.proxy.calls];
  const done = await snapshot(env.endpoint);
  const outcomes: SweepOutcome[] = [];
  for (const c of sweepCases(calls)) {
    const start = await fresh();
    if (start !== before) throw new Error('sweep: the world did not rebuild the same');
    env.proxy.inject({ match: { operation: c.operation }, after: c.after, times: c.times, ...ruleFor(c.mode) });
    answer();
    const r: CliResult = await runCli(scenario.argv, env.proxy.url);
    const end = await snapshot(env.endpoint);
    const state = end === done ? 'done' : end === before ? 'before' : 'other';
    const consistent = (state === 'done' && r.code === 0) || (state === 'before' && r.code === 1);
    outcomes.push({ case: c, code: r.code, state, consistent, stderr: r.stderr.split('\n').filter((l) => /error|hint/.test(l)).join(' | ') });
  }
  return { calls, outcomes };
}

/** Formats the inconsistent outcomes of a sweep for a failure message. */
export function describeFailures(outcomes: readonly SweepOutcome[]): string {
  return outcomes
    .filter((o) => !o.consistent)
    .map((o) => `#${o.case.position} ${o.case.operation} (${o.case.after + 1}.) ${o.case.mode} x${o.case.times}: exit ${o.code}, state ${o.state}: ${o.stderr}`)
    .join('\n');
}

/**
 * Defines the fault sweep of one command (add or remove) for every registered type, in the calling test
 * file: the sweep runs in two files so that vitest runs add and remove side by side.
 */
export function defineSweep(kind: 'add' | 'remove'): void {
  // The runs mostly wait (the SDK's own retry delays are real), so scenarios run side by side, each on
  // its own emulator and proxy taken from a small pool.
  const POOL = 4;
  // Each proxy forwards to the mapping stand-in, which answers the mapping calls moto refuses and forwards the rest.
  type Env = { moto: MotoServer; standIn: ReturnType<typeof useEsmStandIn>; proxy: FaultProxy };
  const envs: Env[] = Array.from({ length: POOL }, () => {
    const moto = useMoto();
    const standIn = useEsmStandIn(moto);
    return { moto, standIn, proxy: useFaultProxy(standIn) };
  });
  const free: Env[] = [...envs];
  const waiting: ((env: Env) => void)[] = [];
  async function withEnv<T>(fn: (env: Env) => Promise<T>): Promise<T> {
    const env = free.pop() ?? (await new Promise<Env>((resolve) => waiting.push(resolve)));
    try {
      return await fn(env);
    } finally {
      const next = waiting.shift();
      if (next) next(env);
      else free.push(env);
    }
  }

  describe.concurrent(`fault sweep: ${kind}`, () => {
    it('every registered type has a scenario', () => {
      expect(typeNames().filter((t) => scenariosFor(t) === undefined)).toEqual([]);
    });

    for (const type of typeNames()) {
      const scenario = scenariosFor(type)?.find((s) => s.kind === kind);
      it.skipIf(!scenario)(`${kind} ${type}: every position × mode ends consistent`, { timeout: 170_000 }, async () => {
        const { outcomes } = await withEnv(({ moto, standIn, proxy }) => {
          proxy.setAwsConflicts(true);
          return sweepScenario(scenario!, {
            endpoint: standIn.endpoint,
            reset: async () => {
              await moto.reset();
              standIn.reset();
            },
            proxy,
          });
        });
        const ok = outcomes.filter((o) => o.consistent).length;
        console.log(`sweep ${kind} ${type}: ${ok}/${outcomes.length} consistent`);
        expect(describeFailures(outcomes)).toBe('');
      });
    }
  });
}

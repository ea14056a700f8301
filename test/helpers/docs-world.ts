// The account the documentation's examples run in: every function, queue, bucket, topic, table, stream,
// rule and log group the pages name, created in the emulator before a page's examples run, and the files
// the examples read (`--filter @file`, `--pattern @file`) in the directory they run from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, createRule } from './events-fixtures.js';
import { createAlias, createBucket, createFunction, createQueue, createStream, createTable, createTopic } from './fixtures.js';
import { createBroker, createMskCluster } from './kafka-fixtures.js';
import { createLogGroup } from './logs-fixtures.js';

/** Names the pages use, by kind. Keep in step with docs/development.md ("The examples' account"). */
export const DOCS_WORLD = {
  functions: ['process-orders', 'make-thumbnails', 'page-oncall', 'audit', 'audit-orders', 'count-clicks', 'worker', 'nightly-report', 'ship-errors', 'on-order', 'replay-clicks', 'fan-out-clicks', 'thumbnailer', 'ingest', 'report', 'thumbs', 'notify', 'ship-logs', 'alerts', 'index-orders'],
  /** Aliases, as function:alias (of $LATEST). */
  aliases: ['process-orders:live'],
  queues: ['orders', 'audit-dlq', 'failed-events', 'orders-dlq', 'paid-dlq'],
  fifoQueues: ['jobs.fifo'],
  buckets: ['uploads', 'raw-data'],
  topics: ['alerts', 'click-failures', 'orders'],
  /** Tables with a stream; `orders-table` has none (examples enable it). */
  streamTables: ['orders'],
  plainTables: ['orders-table', 'invoices'],
  streams: ['clicks'],
  buses: ['shop'],
  rules: [
    { name: 'order-placed', pattern: { source: ['shop'], 'detail-type': ['OrderPlaced'] } },
    { name: 'paid', bus: 'shop', pattern: { source: ['shop'], 'detail-type': ['Paid'] } },
  ] as { name: string; bus?: string; pattern: object }[],
  logGroups: ['/app/api', '/aws/lambda/orders'],
  /** MSK clusters (moto keeps them CREATING) and Amazon MQ brokers; their mappings go to the stand-in. */
  mskClusters: ['orders-cluster'],
  brokers: [
    { name: 'orders-broker', engine: 'ACTIVEMQ' },
    { name: 'orders-rabbit', engine: 'RABBITMQ' },
  ] as { name: string; engine: 'ACTIVEMQ' | 'RABBITMQ' }[],
  files: {
    'more-filters.json': JSON.stringify({ body: { priority: ['high'] } }),
    'pattern.json': JSON.stringify({ source: ['shop'] }),
    'filter.json': JSON.stringify({ type: ['refund'] }),
  } as Record<string, string>,
};

/** Creates the examples' account in the emulator; returns a directory holding the files they read. */
export async function buildDocsWorld(endpoint: string): Promise<string> {
  const w = DOCS_WORLD;
  await Promise.all(w.functions.map((name) => createFunction(endpoint, name, { timeout: 60 })));
  await Promise.all([
    ...w.queues.map((name) => createQueue(endpoint, name, { VisibilityTimeout: '360' })),
    ...w.fifoQueues.map((name) => createQueue(endpoint, name, { FifoQueue: 'true', VisibilityTimeout: '360' })),
    ...w.buckets.map((name) => createBucket(endpoint, name)),
    ...w.topics.map((name) => createTopic(endpoint, name)),
    ...w.streamTables.map((name) => createTable(endpoint, name, 'NEW_AND_OLD_IMAGES')),
    ...w.plainTables.map((name) => createTable(endpoint, name)),
    ...w.streams.map((name) => createStream(endpoint, name)),
    ...w.logGroups.map((name) => createLogGroup(endpoint, name)),
    ...w.buses.map((name) => createBus(endpoint, name)),
    ...w.mskClusters.map((name) => createMskCluster(endpoint, name)),
    ...w.brokers.map((b) => createBroker(endpoint, b.name, b.engine)),
    ...w.aliases.map((a) => createAlias(endpoint, a.split(':')[0] ?? '', a.split(':')[1] ?? '')),
  ]);
  // Rules after their buses.
  await Promise.all(w.rules.map((r) => createRule(endpoint, r.name, { pattern: r.pattern, ...(r.bus ? { bus: r.bus } : {}) })));
  const dir = mkdtempSync(join(tmpdir(), 'evsrc-docs-world-'));
  for (const [name, body] of Object.entries(w.files)) writeFileSync(join(dir, name), body);
  return dir;
}

// Try evsrc without an AWS account: starts moto on loopback, creates a function and a queue,
// and runs evsrc against them, printing each command and its output. Run with `npm run demo`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBucket, createFunction, createLogGroup, createQueue, createStream, createTable, createTopic } from './fixtures.mjs';
import { startMoto } from './moto.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const bin = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'evsrc.js');
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'demo', AWS_SECRET_ACCESS_KEY: 'demo', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };

const moto = await startMoto();
const shown = (args) => ['evsrc', ...args].map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ');
function evsrc(...args) {
  console.log(`\n$ ${shown(args)}`);
  const r = spawnSync(process.execPath, [bin, ...args, '--endpoint-url', moto.endpoint], { env, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  console.log(`(exit ${r.status})`);
  return r;
}

try {
  console.log(`moto server on ${moto.endpoint}; every command below also gets --endpoint-url ${moto.endpoint}`);
  await createFunction(moto.endpoint, 'process-orders', 10);
  const url = await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' });
  await createQueue(moto.endpoint, 'jobs.fifo', { FifoQueue: 'true', VisibilityTimeout: '60' });
  console.log(`created function process-orders and queues orders (${url}) and jobs.fifo`);

  evsrc('add', 'sqs', 'orders', '--function', 'process-orders', '--batch-size', '50', '--batching-window', '5', '--dry-run');
  evsrc('add', 'sqs', 'orders', '--function', 'process-orders', '--batch-size', '50', '--batching-window', '5');
  evsrc('add', 'sqs', url, '--function', 'process-orders', '--batch-size', '50', '--batching-window', '5');
  evsrc('add', 'sqs', 'orders', '--function', 'process-orders', '--batch-size', '100', '--report-batch-item-failures', '--output', 'json');
  evsrc('add', 'sqs', 'jobs.fifo', '--function', 'process-orders', '--batch-size', '20');
  evsrc('add', 'sqs', 'missing-queue', '--function', 'process-orders');

  await createBucket(moto.endpoint, 'uploads');
  await createTopic(moto.endpoint, 'alerts');
  await createTable(moto.endpoint, 'orders-table');
  await createStream(moto.endpoint, 'clicks');
  console.log('\ncreated bucket uploads, topic alerts, table orders-table (no stream yet) and stream clicks');
  evsrc('add', 's3', 'uploads', '--function', 'process-orders', '--prefix', 'images/', '--suffix', '.jpg');
  evsrc('add', 's3', 'uploads', '--function', 'process-orders', '--events', 's3:ObjectCreated:Put', '--prefix', 'images/');
  evsrc('add', 'sns', 'alerts', '--function', 'process-orders', '--filter-policy', '{"severity":["high"]}');
  evsrc('add', 'dynamodb', 'orders-table', '--function', 'process-orders', '--starting-position', 'LATEST');
  evsrc('add', 'dynamodb', 'orders-table', '--function', 'process-orders', '--starting-position', 'LATEST', '--enable-stream', 'NEW_AND_OLD_IMAGES');
  evsrc('add', 'kinesis', 'clicks', '--function', 'process-orders', '--starting-position', 'TRIM_HORIZON', '--batch-size', '500', '--parallelization', '2');

  await createLogGroup(moto.endpoint, '/app/orders');
  console.log('\ncreated log group /app/orders; the EventBridge rule nightly does not exist yet');
  evsrc('add', 'eventbridge', 'nightly', '--function', 'process-orders');
  evsrc('add', 'eventbridge', 'nightly', '--function', 'process-orders', '--schedule', 'rate(1 hour)', '--retry-attempts', '3');
  evsrc('add', 'logs', '/app/orders', '--function', 'process-orders', '--filter-pattern', 'ERROR');

  evsrc('list', '--function', 'process-orders');
  evsrc('remove', 'sns', 'alerts', '--function', 'process-orders');
  evsrc('remove', 'sns', 'alerts', '--function', 'process-orders', '--yes');
  evsrc('list', '--function', 'process-orders', '--type', 'sns');
  evsrc('remove', 'eventbridge', 'nightly', '--function', 'process-orders', '--yes');
} finally {
  moto.stop();
}

#!/usr/bin/env node
// Benchmark of `evsrc list` over many functions, against a local moto server (never real AWS).
//
//   npm run build && node scripts/bench-list.mjs [--functions 200] [--triggers 300] [--runs 5] [--keep]
//   node scripts/bench-list.mjs --sizes 50,200,800 [--runs 3]   (region-wide list at each size, 1.5 triggers a function)
//   … [--bin path/to/bin/evsrc.js]                               (another build, to compare before and after)
//
// Starts `python3 -m moto.server` on a free loopback port, creates the functions and a mix of SQS
// mappings, SNS subscriptions and S3 notifications (with their permissions) straight through the SDK,
// then times `node bin/evsrc.js list … --output json` for the whole region, for the region with
// --check-permissions, and for one function. Prints the median wall time and the number of AWS calls
// (the `aws <service> <Operation>` lines --verbose writes to stderr) and the peak memory of the run. With
// --sizes, a fresh moto per size, and the region-wide list only. --keep leaves moto running with
// the data so the commands can be tried by hand.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient, CreateRoleCommand } from '@aws-sdk/client-iam';
import { LambdaClient, CreateFunctionCommand, CreateEventSourceMappingCommand, AddPermissionCommand } from '@aws-sdk/client-lambda';
import { SQSClient, CreateQueueCommand } from '@aws-sdk/client-sqs';
import { SNSClient, CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { S3Client, CreateBucketCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { handlerZip } from './fixtures.mjs';
import { startMoto } from './moto.mjs';

// The SDK's Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
let FUNCTIONS = flag('functions', 200);
let TRIGGERS = flag('triggers', 300);
const at = args.indexOf('--sizes');
const SIZES = at >= 0 ? args[at + 1].split(',').map(Number) : undefined;
const PEAK = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));
const RUNS = flag('runs', 5);
const KEEP = args.includes('--keep');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const binAt = args.indexOf('--bin');
// --bin points at another build (a checkout of main, say) to compare before and after on one machine.
const BIN = binAt >= 0 ? resolve(args[binAt + 1]) : fileURLToPath(new URL('../bin/evsrc.js', import.meta.url));
const ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: REGION,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NO_COLOR: '1',
};
delete ENV.AWS_PROFILE;
delete ENV.AWS_ENDPOINT_URL;

async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

const range = (n) => Array.from({ length: n }, (_, i) => i);
const pad = (i) => String(i).padStart(3, '0');

/** 200 functions; triggers split a third each between SQS mappings, SNS subscriptions and S3 notifications. */
async function seed(endpoint) {
  const config = { region: REGION, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const lambda = new LambdaClient(config);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const role = (
    await new IAMClient(config).send(
      new CreateRoleCommand({
        RoleName: 'bench-role',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    )
  ).Role.Arn;
  const zip = handlerZip();
  const fnArn = (i) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn-${pad(i)}`;
  await pool(range(FUNCTIONS), 16, (i) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: `fn-${pad(i)}`, Runtime: 'python3.12', Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, Timeout: 10 })),
  );
  const perKind = Math.floor(TRIGGERS / 3);
  const sqsCount = TRIGGERS - 2 * perKind;
  // SQS: one queue and one mapping per trigger.
  await pool(range(sqsCount), 16, async (i) => {
    await sqs.send(new CreateQueueCommand({ QueueName: `queue-${pad(i)}`, Attributes: { VisibilityTimeout: '60' } }));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnArn(i % FUNCTIONS), EventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:queue-${pad(i)}`, BatchSize: 10 }));
  });
  // SNS: 20 topics, subscriptions spread over the functions, each with its permission.
  const topics = [];
  for (const t of range(20)) topics.push((await sns.send(new CreateTopicCommand({ Name: `topic-${pad(t)}` }))).TopicArn);
  await pool(range(perKind), 8, async (i) => {
    const topic = topics[i % topics.length];
    const fn = (i * 7) % FUNCTIONS;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'lambda', Endpoint: fnArn(fn), ReturnSubscriptionArn: true }));
    await lambda.send(new AddPermissionCommand({ FunctionName: fnArn(fn), StatementId: `sns-${pad(i)}`, Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: topic }));
  });
  // S3: 50 buckets, two Lambda entries each (disjoint prefixes), each with its permission.
  const buckets = Math.ceil(perKind / 2);
  await pool(range(buckets), 8, async (b) => {
    const bucket = `bucket-${pad(b)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const entries = range(Math.min(2, perKind - 2 * b)).map((k) => ({
      Id: `entry-${k}`,
      LambdaFunctionArn: fnArn((b * 2 + k) * 3 % FUNCTIONS),
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `p${k}/` }] } },
    }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { LambdaFunctionConfigurations: entries } }));
    for (const [k, e] of entries.entries()) {
      await lambda.send(
        new AddPermissionCommand({ FunctionName: e.LambdaFunctionArn, StatementId: `s3-${bucket}-${k}`, Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${bucket}`, SourceAccount: ACCOUNT }),
      );
    }
  });
  return { sqs: sqsCount, sns: perKind, s3: perKind };
}

function runEvsrc(argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const peakFile = join(mkdtempSync(join(tmpdir(), 'evsrc-list-')), 'peak');
    const child = spawn(process.execPath, ['-r', PEAK, BIN, ...argv], { env: { ...ENV, EVSRC_PEAK_RSS_OUT: peakFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started, peakMiB: existsSync(peakFile) ? Number(readFileSync(peakFile, 'utf8')) / 1024 : NaN }));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function measure(label, argv) {
  const times = [];
  const peaks = [];
  let calls = 0;
  let byOp = {};
  let triggers = 0;
  let warnings = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const r = await runEvsrc([...argv, '--output', 'json', '--verbose']);
    if (r.code !== 0) throw new Error(`${label}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
    times.push(r.ms);
    peaks.push(r.peakMiB);
    const lines = r.stderr.split('\n').filter((l) => /^aws \S+ \S+ \d+ms/.test(l));
    calls = lines.length;
    byOp = {};
    for (const l of lines) {
      const op = l.split(' ').slice(1, 3).join(':');
      byOp[op] = (byOp[op] ?? 0) + 1;
    }
    const doc = JSON.parse(r.stdout);
    triggers = doc.triggers.length;
    warnings = doc.warnings.length;
  }
  const ops = Object.entries(byOp)
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op}×${n}`)
    .join(' ');
  console.log(
    `${label.padEnd(34)} median ${Math.round(median(times))} ms (min ${Math.round(Math.min(...times))}, max ${Math.round(Math.max(...times))}), ${calls} AWS calls, ${triggers} triggers, ${warnings} warnings, peak ${median(peaks).toFixed(1)} MiB`,
  );
  console.log(`${''.padEnd(34)} ${ops}`);
}

if (SIZES) {
  for (const size of SIZES) {
    FUNCTIONS = size;
    TRIGGERS = Math.round(size * 1.5);
    const moto = await startMoto();
    try {
      const seeded = await seed(moto.endpoint);
      console.log(`${FUNCTIONS} functions, ${seeded.sqs + seeded.sns + seeded.s3} triggers (${seeded.sqs} SQS, ${seeded.sns} SNS, ${seeded.s3} S3); ${RUNS} runs`);
      await measure(`  list (whole region), ${size} fns`, ['list', '--endpoint-url', moto.endpoint]);
    } finally {
      moto.stop();
    }
  }
} else {
  const moto = await startMoto();
  const { endpoint } = moto;
  try {
    const seeded = await seed(endpoint);
    console.log(`moto at ${endpoint}: ${FUNCTIONS} functions, ${seeded.sqs + seeded.sns + seeded.s3} triggers (${seeded.sqs} SQS, ${seeded.sns} SNS, ${seeded.s3} S3); ${RUNS} runs each, node ${process.version}`);
    if (KEEP) {
      console.log(`try: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=${REGION} node bin/evsrc.js list --endpoint-url ${endpoint}`);
      console.log('Ctrl-C stops moto.');
      await new Promise((resolve) => process.once('SIGINT', resolve));
    } else {
      await measure('list (whole region)', ['list', '--endpoint-url', endpoint]);
      await measure('list --check-permissions', ['list', '--check-permissions', '--endpoint-url', endpoint]);
      await measure('list --function fn-000', ['list', '--function', 'fn-000', '--endpoint-url', endpoint]);
    }
  } finally {
    moto.stop();
  }
}

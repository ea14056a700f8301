// Benchmark: every row of the speed targets, side by side in one run, as ratios (never a pass or fail).
//
//   npm run bench            (builds first)    node scripts/bench.mjs [--runs 9] [--quick] [--bin path/to/bin/evsrc.js]
//
// 1. Start-up: evsrc against a bare `node -e 0` (--help, --version, add sqs --help).
// 2. Whole-process wiring against a local moto server: evsrc against the AWS CLI script a person would
//    run by hand for the same wiring (add sqs, s3, sns, dynamodb, kinesis; each run on fresh resources).
//    Without the `aws` command, those rows say "aws CLI not found".
// Both with NODE_EXTRA_CA_CERTS unset and set (to the machine's CA bundle, or the one already set).
// 3. Calls and sequential rounds of each command through a latency-adding proxy (bench-rounds.mjs).
// 4. `list` at 50, 200 and 800 functions: calls and peak memory (bench-list.mjs).
// Runs are interleaved (A B A B …) and each ratio is the median of the per-round ratios, so a machine
// whose speed drifts during the run slows both sides alike. --quick skips 3 and 4 (and 800 functions).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createBucket, createFunction, createQueue, createTopic } from './fixtures.mjs';
import { startMoto } from './moto.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const root = fileURLToPath(new URL('..', import.meta.url));
// --bin measures another build (a checkout of main, say), for before and after on one machine.
const bin = flag('bin') ? resolve(flag('bin')) : join(root, 'bin', 'evsrc.js');
const probe = join(root, 'scripts', 'sdk-probe.cjs');
const peakProbe = join(root, 'scripts', 'peak-rss.cjs');
const RUNS = Number(flag('runs', process.env.BENCH_RUNS ?? 9));
const WIRE_RUNS = Number(flag('wire-runs', Math.max(3, Math.ceil(RUNS / 2))));
const QUICK = args.includes('--quick');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const base = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
  NO_COLOR: '1',
};
delete base.AWS_PROFILE;
delete base.AWS_ENDPOINT_URL;
// The figures are with NODE_EXTRA_CA_CERTS unset; the second column sets it to a real bundle.
const caFile = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find((f) => f && existsSync(f));
delete base.NODE_EXTRA_CA_CERTS;
const variants = [{ label: 'NODE_EXTRA_CA_CERTS unset', env: base }];
if (caFile) variants.push({ label: 'NODE_EXTRA_CA_CERTS set', env: { ...base, NODE_EXTRA_CA_CERTS: caFile } });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

/** Runs a command to its end; returns its wall time. A failure stops the benchmark: a ratio of a failed run means nothing. */
function timed(command, argv, env) {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, argv, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${argv.join(' ')} exited ${r.status}: ${(r.stderr ?? '').slice(-1500)}`);
  return { wall, stdout: r.stdout, stderr: r.stderr };
}

function printTable(rows) {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => String(r[k] ?? '').length)));
  for (const r of rows) console.log(`  ${r.map((c, k) => String(c ?? '').padEnd(widths[k])).join('   ')}`);
}

/** Peak resident memory of one evsrc run, in MiB (the process's own accounting, read at exit). */
function peakMiB(argv, env) {
  const out = join(mkdtempSync(join(tmpdir(), 'evsrc-peak-')), 'peak');
  spawnSync(process.execPath, ['-r', peakProbe, bin, ...argv], { env: { ...env, EVSRC_PEAK_RSS_OUT: out }, encoding: 'utf8' });
  return existsSync(out) ? Number(readFileSync(out, 'utf8')) / 1024 : NaN;
}

function sdkPackagesLoaded(argv) {
  const out = join(mkdtempSync(join(tmpdir(), 'evsrc-bench-')), 'probe.json');
  spawnSync(process.execPath, ['-r', probe, bin, ...argv], { env: { ...base, EVSRC_SDK_PROBE_OUT: out }, encoding: 'utf8' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

// --- 1. start-up --------------------------------------------------------------------------------

const STARTUP = [
  { name: '--help', argv: ['--help'], target: '<= 1.5x node' },
  { name: '--version', argv: ['--version'] },
  { name: 'add sqs --help', argv: ['add', 'sqs', '--help'], target: '<= 1.5x node' },
];

function startup(env) {
  const ratios = STARTUP.map(() => []);
  const times = STARTUP.map(() => []);
  const nodeTimes = [];
  for (let round = 0; round <= RUNS; round += 1) {
    const node = timed(process.execPath, ['-e', '0'], env).wall;
    const t = STARTUP.map((c) => timed(process.execPath, [bin, ...c.argv], env).wall);
    if (round === 0) continue; // warm-up: file cache
    nodeTimes.push(node);
    t.forEach((x, i) => {
      times[i].push(x);
      ratios[i].push(x / node);
    });
  }
  return { node: median(nodeTimes), rows: STARTUP.map((c, i) => ({ ...c, median: median(times[i]), ratio: median(ratios[i]) })) };
}

console.log(`evsrc benchmark: node ${process.version}; medians of interleaved runs; ratios are medians of per-round ratios\n`);
console.log(`1. Start-up against a bare node (${RUNS} rounds after a warm-up)`);
const starts = variants.map((v) => ({ ...v, result: startup(v.env) }));
printTable([
  ['', ...starts.map((s) => s.label), 'target'],
  ['node -e 0', ...starts.map((s) => ms(s.result.node)), ''],
  ...STARTUP.map((c, i) => [`evsrc ${c.name}`, ...starts.map((s) => `${ms(s.result.rows[i].median)}  ${s.result.rows[i].ratio.toFixed(2)}x node`), c.target ?? '']),
]);
console.log(`  peak memory: --help ${peakMiB(['--help'], base).toFixed(1)} MiB, add sqs --help ${peakMiB(['add', 'sqs', '--help'], base).toFixed(1)} MiB`);
for (const argv of [['--help'], ['--version'], ['add', 'sqs', '--help']]) console.log(`  AWS SDK packages loaded by ${argv.join(' ')}: ${JSON.stringify(sdkPackagesLoaded(argv))}`);

// --- 2. wiring against moto: evsrc and the AWS CLI script -------------------------------------------

const awsFound = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const AWS = awsFound.status === 0 ? (awsFound.stdout || awsFound.stderr).trim().split(/\s/)[0] : undefined;

/** Creates a DynamoDB table with a stream; returns nothing (the AWS CLI script reads the stream ARN itself). */
async function createStreamTable(endpoint, name) {
  const { DynamoDBClient, CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
  await new DynamoDBClient({ region: REGION, endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }).send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
}

async function createKinesisStream(endpoint, name) {
  const { KinesisClient, CreateStreamCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  await new KinesisClient({ region: REGION, endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, requestHandler: new NodeHttpHandler() }).send(
    new CreateStreamCommand({ StreamName: name, ShardCount: 1 }),
  );
}

const FN = 'bench-fn';
const FN_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FN}`;
// The AWS CLI side: the fewest `aws` calls a person would run by hand for the same wiring, each value
// read from the previous answer. ($E is the endpoint, $S the source's name.)
const WIRING = [
  {
    name: 'add sqs create',
    target: 'AWS CLI >= 8x slower',
    prepare: (endpoint, name) => createQueue(endpoint, name, { VisibilityTimeout: '60' }),
    evsrc: (s) => ['add', 'sqs', s, '--function', FN],
    aws: `url=$(aws --endpoint-url "$E" sqs get-queue-url --queue-name "$S" --query QueueUrl --output text) &&
      arn=$(aws --endpoint-url "$E" sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn --query Attributes.QueueArn --output text) &&
      aws --endpoint-url "$E" lambda create-event-source-mapping --function-name "$F" --event-source-arn "$arn" >/dev/null`,
  },
  {
    name: 'add s3 create',
    target: 'AWS CLI >= 4x slower',
    prepare: (endpoint, name) => createBucket(endpoint, name),
    evsrc: (s) => ['add', 's3', s, '--function', FN],
    aws: `aws --endpoint-url "$E" s3api get-bucket-notification-configuration --bucket "$S" >/dev/null &&
      aws --endpoint-url "$E" lambda add-permission --function-name "$F" --statement-id "s3-$S" --action lambda:InvokeFunction --principal s3.amazonaws.com --source-arn "arn:aws:s3:::$S" --source-account ${ACCOUNT} >/dev/null &&
      aws --endpoint-url "$E" s3api put-bucket-notification-configuration --bucket "$S" --notification-configuration "{\\"LambdaFunctionConfigurations\\":[{\\"LambdaFunctionArn\\":\\"$FA\\",\\"Events\\":[\\"s3:ObjectCreated:*\\"]}]}"`,
  },
  {
    name: 'add sns create',
    target: 'AWS CLI >= 5x slower',
    prepare: (endpoint, name) => createTopic(endpoint, name),
    evsrc: (s) => ['add', 'sns', s, '--function', FN],
    aws: `aws --endpoint-url "$E" lambda add-permission --function-name "$F" --statement-id "sns-$S" --action lambda:InvokeFunction --principal sns.amazonaws.com --source-arn "arn:aws:sns:${REGION}:${ACCOUNT}:$S" >/dev/null &&
      aws --endpoint-url "$E" sns subscribe --topic-arn "arn:aws:sns:${REGION}:${ACCOUNT}:$S" --protocol lambda --notification-endpoint "$FA" >/dev/null`,
  },
  {
    name: 'add dynamodb create',
    target: 'AWS CLI >= 5x slower',
    prepare: (endpoint, name) => createStreamTable(endpoint, name),
    evsrc: (s) => ['add', 'dynamodb', s, '--function', FN, '--starting-position', 'LATEST'],
    aws: `arn=$(aws --endpoint-url "$E" dynamodb describe-table --table-name "$S" --query Table.LatestStreamArn --output text) &&
      aws --endpoint-url "$E" lambda create-event-source-mapping --function-name "$F" --event-source-arn "$arn" --starting-position LATEST >/dev/null`,
  },
  {
    name: 'add kinesis create',
    target: 'AWS CLI >= 5x slower',
    prepare: (endpoint, name) => createKinesisStream(endpoint, name),
    evsrc: (s) => ['add', 'kinesis', s, '--function', FN, '--starting-position', 'LATEST'],
    aws: `arn=$(aws --endpoint-url "$E" kinesis describe-stream-summary --stream-name "$S" --query StreamDescriptionSummary.StreamARN --output text) &&
      aws --endpoint-url "$E" lambda create-event-source-mapping --function-name "$F" --event-source-arn "$arn" --starting-position LATEST >/dev/null`,
  },
];

async function wiring(endpoint) {
  console.log(`\n2. Wiring a new source against moto, whole process (${WIRE_RUNS} rounds each; ratio: the AWS CLI script's time / evsrc's)`);
  console.log(`   AWS CLI: ${AWS ?? 'not found'}; the script makes the fewest aws calls that do the same wiring by hand`);
  await createFunction(endpoint, FN, 10);
  const rows = [['', ...variants.flatMap((v) => [`evsrc (${v.label})`, 'AWS CLI script', 'ratio']), 'target']];
  let serial = 0;
  for (const w of WIRING) {
    const cells = [];
    for (const v of variants) {
      const evsrcTimes = [];
      const awsTimes = [];
      const ratios = [];
      for (let round = 0; round <= WIRE_RUNS; round += 1) {
        serial += 1;
        const mine = `bench-e-${serial}`;
        const theirs = `bench-a-${serial}`;
        await w.prepare(endpoint, mine);
        if (AWS) await w.prepare(endpoint, theirs);
        const e = timed(process.execPath, [bin, ...w.evsrc(mine), '--endpoint-url', endpoint], v.env).wall;
        const a = AWS ? timed('sh', ['-c', w.aws], { ...v.env, E: endpoint, S: theirs, F: FN, FA: FN_ARN }).wall : NaN;
        if (round === 0) continue; // warm-up
        evsrcTimes.push(e);
        awsTimes.push(a);
        ratios.push(a / e);
      }
      cells.push(ms(median(evsrcTimes)), AWS ? ms(median(awsTimes)) : 'aws CLI not found', AWS ? `AWS CLI ${median(ratios).toFixed(2)}x slower` : 'aws CLI not found');
    }
    rows.push([w.name, ...cells, w.target]);
  }
  printTable(rows);
  console.log(`  peak memory of evsrc add sqs (create): ${peakMiB(['add', 'sqs', 'bench-peak', '--function', FN, '--endpoint-url', endpoint, '--dry-run'], base).toFixed(1)} MiB (dry run)`);
}

/** Runs another bench script, its output inline. */
function runScript(script, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts', script), ...extra], { stdio: 'inherit', env: base });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

const moto = await startMoto();
try {
  await wiring(moto.endpoint);
} finally {
  moto.stop();
}
if (!QUICK) {
  console.log('\n3. Calls and sequential rounds through a proxy that delays every AWS call by 100 ms (targets: add sqs <= 3, add s3 <= 4, add sns <= 4, list --function <= 3)');
  await runScript('bench-rounds.mjs', ['--bin', bin]);
  console.log('\n4. list at 50, 200 and 800 functions (1.5 triggers per function): calls and peak memory');
  await runScript('bench-list.mjs', ['--sizes', '50,200,800', '--runs', '3', '--bin', bin]);
}

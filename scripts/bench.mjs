// Benchmark: start-up time of evsrc next to a bare node, and `evsrc add sqs` against moto
// (time and number of AWS calls). Prints figures; asserts nothing. Run with `npm run bench`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The benchmark's own fixtures use the SDK; its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { startMoto } from './moto.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'evsrc.js');
const probe = join(root, 'scripts', 'sdk-probe.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  NO_COLOR: '1',
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

function timeCommand(args, runs = RUNS, extraEnv = {}) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i += 1) {
    const t = process.hrtime.bigint();
    last = spawnSync(process.execPath, args, { env: { ...env, ...extraEnv }, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { median: median(times), min: Math.min(...times), last };
}

/** Peak resident memory of one run in MiB, read from the kernel's accounting of the finished child. */
function peakRssMiB(args) {
  // GNU time prints the child's maximum resident set size (KiB); not every system has it.
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env, encoding: 'utf8' });
  const kib = Number((r.stderr ?? '').trim().split('\n').at(-1));
  return Number.isFinite(kib) && kib > 0 ? `${(kib / 1024).toFixed(1)} MiB peak RSS` : '';
}

function sdkPackagesLoaded(args) {
  const out = join(mkdtempSync(join(tmpdir(), 'evsrc-bench-')), 'probe.json');
  spawnSync(process.execPath, ['-r', probe, ...args], { env: { ...env, EVSRC_SDK_PROBE_OUT: out }, encoding: 'utf8' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

function printTable(rows) {
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, ...cols] of rows) console.log(`  ${name.padEnd(width)}  ${cols.join('  ')}`);
}

console.log(`evsrc benchmark (node ${process.version}, ${RUNS} runs each, median / min)\n`);
console.log('Start-up:');
const bare = timeCommand(['-e', '0']);
const help = timeCommand([bin, '--help']);
const version = timeCommand([bin, '--version']);
const sdk = timeCommand(['-e', "require('@aws-sdk/client-lambda');require('@aws-sdk/client-sqs')"], Math.min(RUNS, 7));
printTable([
  ['node -e 0', fmt(bare.median), fmt(bare.min), peakRssMiB(['-e', '0'])],
  ['evsrc --help', fmt(help.median), fmt(help.min), `(+${fmt(help.median - bare.median)} over node) ${peakRssMiB([bin, '--help'])}`],
  ['evsrc --version', fmt(version.median), fmt(version.min), `(+${fmt(version.median - bare.median)} over node) ${peakRssMiB([bin, '--version'])}`],
  ['(for scale) load lambda+sqs SDK', fmt(sdk.median), fmt(sdk.min), ''],
]);
console.log(`  SDK packages loaded by --help: ${JSON.stringify(sdkPackagesLoaded([bin, '--help']))}`);
console.log(`  SDK packages loaded by --version: ${JSON.stringify(sdkPackagesLoaded([bin, '--version']))}`);

const moto = await startMoto();
try {
  const { setup } = await import('./fixtures.mjs');
  await setup(moto.endpoint, RUNS);
  const calls = (stderr) => stderr.split('\n').filter((l) => /^aws \S+ \S+ \d+ms/.test(l));
  const create = [];
  const rerun = [];
  let createCalls = [];
  let rerunCalls = [];
  for (let i = 0; i < RUNS; i += 1) {
    const args = [bin, 'add', 'sqs', `bench-${i}`, '--function', 'bench-fn', '--endpoint-url', moto.endpoint, '--verbose'];
    let t = process.hrtime.bigint();
    const first = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    create.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (first.status !== 0) throw new Error(`add sqs failed: ${first.stderr}`);
    createCalls = calls(first.stderr);
    t = process.hrtime.bigint();
    const second = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    rerun.push(Number(process.hrtime.bigint() - t) / 1e6);
    rerunCalls = calls(second.stderr);
  }
  console.log('\nevsrc add sqs <name> --function <name> against moto (whole process, resolve by name):');
  printTable([
    ['create', fmt(median(create)), fmt(Math.min(...create)), `${createCalls.length} AWS calls`],
    ['re-run (no changes)', fmt(median(rerun)), fmt(Math.min(...rerun)), `${rerunCalls.length} AWS calls, ${peakRssMiB([bin, 'add', 'sqs', 'bench-0', '--function', 'bench-fn', '--endpoint-url', moto.endpoint])}`],
  ]);
  console.log('  calls of one create:');
  for (const line of createCalls) console.log(`    ${line}`);
} finally {
  moto.stop();
}

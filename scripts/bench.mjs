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

/**
 * Runs each command once per round, in turn (interleaved, so a machine whose speed drifts slows all
 * alike), and returns per command the median time and the median of its per-round ratio to the first.
 */
function interleaved(commands, runs = RUNS) {
  const times = commands.map(() => []);
  const ratios = commands.map(() => []);
  for (let round = 0; round < runs + 1; round += 1) {
    const t = commands.map(({ args, env: extra }) => {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { env: { ...env, ...extra }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    });
    if (round === 0) continue; // warm-up: file cache, compile cache
    t.forEach((ms, i) => {
      times[i].push(ms);
      ratios[i].push(ms / t[0]);
    });
  }
  return commands.map((c, i) => ({ ...c, median: median(times[i]), min: Math.min(...times[i]), ratio: median(ratios[i]) }));
}

// The targets: --help and add sqs --help within 1.5x of a bare node.
const TARGET = { '--help': 1.5, 'add sqs --help': 1.5 };
// Unset unless a row says so (the figures are without it); kept to compare with it set.
const caCerts = env.NODE_EXTRA_CA_CERTS;
delete env.NODE_EXTRA_CA_CERTS;
const startupRows = (extra) => {
  const commands = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: '--help', args: [bin, '--help'] },
    { name: '--version', args: [bin, '--version'] },
    { name: 'add sqs --help', args: [bin, 'add', 'sqs', '--help'] },
  ].map((c) => ({ ...c, env: extra }));
  return interleaved(commands);
};

console.log(`evsrc benchmark (node ${process.version}, ${RUNS} interleaved runs each after a warm-up; medians)\n`);
console.log('Start-up, evsrc against a bare `node -e 0` (ratio: median of the per-round ratios):');
const variants = [['NODE_EXTRA_CA_CERTS unset', {}]];
// Node reads the extra CA file at start-up: compare with it set when the machine has one to give.
if (caCerts) variants.push([`NODE_EXTRA_CA_CERTS=${caCerts}`, { NODE_EXTRA_CA_CERTS: caCerts }]);
const startup = variants.map(([label, extra]) => [label, startupRows(extra)]);
const names = startup[0][1].map((r) => r.name);
printTable([
  ['', ...startup.map(([label]) => label.padEnd(46))],
  ...names.map((name, i) => [
    name === 'node -e 0' ? name : `evsrc ${name}`,
    ...startup.map(([, rows]) => {
      const r = rows[i];
      const target = TARGET[name] ? ` (target <= ${TARGET[name]}x)` : '';
      return (i === 0 ? fmt(r.median) : `${fmt(r.median)}  ${r.ratio.toFixed(2)}x node${target}`).padEnd(46);
    }),
  ]),
]);
console.log(`  peak memory: node -e 0 ${peakRssMiB(['-e', '0'])}; evsrc --help ${peakRssMiB([bin, '--help'])}`);
console.log(`  SDK packages loaded by --help: ${JSON.stringify(sdkPackagesLoaded([bin, '--help']))}`);
console.log(`  SDK packages loaded by --version: ${JSON.stringify(sdkPackagesLoaded([bin, '--version']))}`);
console.log(`  SDK packages loaded by add sqs --help: ${JSON.stringify(sdkPackagesLoaded([bin, 'add', 'sqs', '--help']))}`);

const moto = await startMoto();
try {
  const { setup } = await import('./fixtures.mjs');
  await setup(moto.endpoint, RUNS);
  const calls = (stderr) => stderr.split('\n').filter((l) => /^aws \S+ \S+ \d+ms/.test(l));
  const create = [];
  const rerun = [];
  const createRatio = [];
  const rerunRatio = [];
  const spawnMs = (args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, r };
  };
  let createCalls = [];
  let rerunCalls = [];
  for (let i = 0; i < RUNS; i += 1) {
    const args = [bin, 'add', 'sqs', `bench-${i}`, '--function', 'bench-fn', '--endpoint-url', moto.endpoint, '--verbose'];
    // A bare node in each round, beside the two runs, for ratios that hold when the machine drifts.
    const bare = spawnMs(['-e', '0']).ms;
    const { ms: createMs, r: first } = spawnMs(args);
    if (first.status !== 0) throw new Error(`add sqs failed: ${first.stderr}`);
    create.push(createMs);
    createRatio.push(createMs / bare);
    createCalls = calls(first.stderr);
    const { ms: rerunMs, r: second } = spawnMs(args);
    rerun.push(rerunMs);
    rerunRatio.push(rerunMs / bare);
    rerunCalls = calls(second.stderr);
  }
  console.log('\nevsrc add sqs <name> --function <name> against moto (whole process, resolve by name):');
  printTable([
    ['create', fmt(median(create)), `${median(createRatio).toFixed(2)}x node -e 0`, `${createCalls.length} AWS calls`],
    ['re-run (no changes)', fmt(median(rerun)), `${median(rerunRatio).toFixed(2)}x node -e 0`, `${rerunCalls.length} AWS calls, ${peakRssMiB([bin, 'add', 'sqs', 'bench-0', '--function', 'bench-fn', '--endpoint-url', moto.endpoint])}`],
  ]);
  console.log('  calls of one create:');
  for (const line of createCalls) console.log(`    ${line}`);
} finally {
  moto.stop();
}

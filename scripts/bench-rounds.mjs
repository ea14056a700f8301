#!/usr/bin/env node
// Round-trip benchmark: runs evsrc commands against moto through a loopback proxy that delays every
// request by 100 ms and records when each one started and ended. Prints, per command, the AWS calls and
// the sequential rounds: the longest chain of requests where each starts after the previous one ended
// (requests that overlap in time ran side by side, so they share a round). Asserts nothing.
//
//   npm run build && node scripts/bench-rounds.mjs [--bin path/to/bin/evsrc.js] [--delay 100] [--runs 3]
//
// --bin points at another build (a checkout of main, say) to compare before and after in one machine.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createBucket, createFunction, createQueue, createTopic } from './fixtures.mjs';
import { startMoto } from './moto.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const BIN = resolve(flag('bin', fileURLToPath(new URL('../bin/evsrc.js', import.meta.url))));
const DELAY = Number(flag('delay', 100));
const RUNS = Number(flag('runs', 3));

/** A proxy in front of `target` that holds each request `delay` ms and records [start, end] of each. */
async function startLatencyProxy(target, delay) {
  const upstream = new URL(target);
  const records = [];
  const server = http.createServer((req, res) => {
    const start = performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const body = Buffer.concat(chunks);
        const out = http.request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', () => records.push({ start, end: performance.now(), what: `${req.method} ${req.url}` }));
          },
        );
        out.on('error', () => {
          res.writeHead(502).end();
          records.push({ start, end: performance.now(), what: `${req.method} ${req.url} (failed)` });
        });
        out.end(body);
      }, delay);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take: () => records.splice(0, records.length),
    close: () => new Promise((r) => server.close(r)),
  };
}

/** The longest chain of requests each starting after the previous one ended: the sequential rounds. */
export function sequentialRounds(records) {
  const sorted = [...records].sort((a, b) => a.end - b.end);
  const depth = [];
  for (let i = 0; i < sorted.length; i += 1) {
    let best = 0;
    for (let j = 0; j < i; j += 1) if (sorted[j].end <= sorted[i].start) best = Math.max(best, depth[j]);
    depth.push(best + 1);
  }
  return Math.max(0, ...depth);
}

const ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  NO_COLOR: '1',
};
delete ENV.AWS_PROFILE;
delete ENV.AWS_ENDPOINT_URL;

function runCli(argv) {
  return new Promise((done) => {
    const t = performance.now();
    const child = spawn(process.execPath, [BIN, ...argv], { env: ENV });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => done({ code, stderr, ms: performance.now() - t }));
  });
}

const moto = await startMoto();
const proxy = await startLatencyProxy(moto.endpoint, DELAY);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  await createFunction(moto.endpoint, 'rounds-fn');
  const cases = [
    { name: 'add sqs (create)', prepare: (i) => createQueue(moto.endpoint, `rounds-q-${i}`, { VisibilityTimeout: '60' }), argv: (i) => ['add', 'sqs', `rounds-q-${i}`] },
    { name: 'add sqs (no change)', argv: (i) => ['add', 'sqs', `rounds-q-${i}`] },
    { name: 'add s3 (create)', prepare: (i) => createBucket(moto.endpoint, `rounds-b-${i}`), argv: (i) => ['add', 's3', `rounds-b-${i}`] },
    { name: 'add sns (create)', prepare: (i) => createTopic(moto.endpoint, `rounds-t-${i}`), argv: (i) => ['add', 'sns', `rounds-t-${i}`] },
    { name: 'list --function', argv: () => ['list'] },
    { name: 'list (region)', argv: () => ['list'], region: true },
  ];
  console.log(`evsrc round trips through a ${DELAY} ms proxy (${BIN}; ${RUNS} runs each, median)\n`);
  const rows = [['command', 'calls', 'rounds', 'wall']];
  for (const c of cases) {
    const calls = [];
    const rounds = [];
    const walls = [];
    let lines = [];
    for (let i = 0; i < RUNS; i += 1) {
      if (c.prepare) await c.prepare(i);
      proxy.take();
      const fnArgs = c.region ? [] : ['--function', 'rounds-fn'];
      const r = await runCli([...c.argv(i), ...fnArgs, '--endpoint-url', proxy.endpoint, '--verbose']);
      const records = proxy.take();
      if (r.code !== 0) throw new Error(`${c.name} failed (${r.code}): ${r.stderr}`);
      calls.push(records.length);
      rounds.push(sequentialRounds(records));
      walls.push(r.ms);
      lines = r.stderr.split('\n').filter((l) => /^aws \S+ \S+ \d+ms/.test(l));
    }
    rows.push([c.name, String(median(calls)), String(median(rounds)), `${median(walls).toFixed(0)} ms`]);
    if (args.includes('--calls')) for (const l of lines) console.log(`  ${c.name}: ${l}`);
  }
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  for (const r of rows) console.log(`  ${r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  ')}`);
} finally {
  await proxy.close();
  moto.stop();
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/evsrc.js runs the code-split bundle in dist/ (scripts/build.mjs, run by `npm test`'s build step).
// scripts/sdk-probe.cjs notes which files of dist/ a run loads; dist/meta.json says whose code each holds.
const root = fileURLToPath(new URL('../..', import.meta.url));
const meta = JSON.parse(readFileSync(join(root, 'dist', 'meta.json'), 'utf8')) as {
  inputs: Record<string, { imports: { path: string; kind: string }[] }>;
  outputs: Record<string, { inputs: Record<string, unknown> }>;
};
const SDK_INPUT = /node_modules\/@(aws-sdk|smithy)\//;

function probe(...args: string[]): { packages: string[]; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'evsrc-bundle-'));
  const out = join(dir, 'packages.json');
  const files = join(dir, 'files.json');
  const run = spawnSync(process.execPath, ['-r', './scripts/sdk-probe.cjs', 'bin/evsrc.js', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      EVSRC_SDK_PROBE_OUT: out,
      EVSRC_SDK_PROBE_FILES: files,
    },
  });
  expect(run.error).toBeUndefined();
  return { packages: JSON.parse(readFileSync(out, 'utf8')) as string[], files: JSON.parse(readFileSync(files, 'utf8')) as string[] };
}

/** The modules statically reachable from `from` (itself included), by the bundle's own import graph. */
function reachable(from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  for (let path = todo.pop(); path !== undefined; path = todo.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const i of meta.inputs[path]?.imports ?? []) if (i.kind === 'import-statement' && i.path in meta.inputs) todo.push(i.path);
  }
  return seen;
}

// The registry imports each type's spec statically and its implementation with import(): what only the
// implementations reach (planning, list, remove, the mechanisms), and neither the CLI nor the specs do,
// is the code help must not load.
const REGISTRY = 'src/sources/registry.ts';
const implementations = (meta.inputs[REGISTRY]?.imports ?? []).filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
const specSide = reachable([REGISTRY, 'src/cli.ts']);
const implementationOnly = [...reachable(implementations)].filter((p) => !specSide.has(p));
const implementationFiles = (files: string[]) => files.filter((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).some((i) => implementationOnly.includes(i)));

const sdkFiles = (files: string[]) => files.filter((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).some((i) => SDK_INPUT.test(i)));

/** The files among `files` that hold code from inputs matching `pattern`. */
const filesHolding = (files: string[], pattern: RegExp) => files.filter((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).some((i) => pattern.test(i)));

describe('the bundle', () => {
  it('holds the AWS SDK in chunks of its own', () => {
    expect(Object.keys(meta.outputs)).toContain('dist/cli.js');
    expect(sdkFiles(['dist/cli.js'])).toEqual([]);
    expect(sdkFiles(Object.keys(meta.outputs)).length).toBeGreaterThan(0);
  });

  it("--help, --version, add sqs --help, the new commands' help and completion load no file of it that holds AWS SDK code", () => {
    for (const args of [['--help'], ['--version'], ['-V'], ['add', 'sqs', '--help'], ['help', 'remove'], ['export', '--help'], ['apply', '--help'], ['diff', '--help'], ['completion', 'bash'], ['completion', 'zsh'], ['completion', 'fish']]) {
      const { packages, files } = probe(...args);
      // Help and the version come from the CommonJS build of the command line alone; completion runs the ES module bundle.
      if (args[0] === 'completion') expect(files, args.join(' ')).toContain('dist/cli.js');
      else expect(files, args.join(' ')).toEqual(['dist/help.cjs']);
      expect(files.every((f) => f in meta.outputs), args.join(' ')).toBe(true);
      expect(sdkFiles(files), args.join(' ')).toEqual([]);
      expect(packages, args.join(' ')).toEqual([]);
    }
  });

  it('add sqs --help, remove --help and a usage error load the specs of the types and no implementation of any', () => {
    // One implementation per registered type, each with code of its own.
    expect(implementations.length).toBeGreaterThanOrEqual(7);
    expect(implementationOnly).toEqual(expect.arrayContaining(implementations));
    for (const args of [['add', 'sqs', '--help'], ['add', 's3', '--help'], ['remove', '--help'], ['list', '--help'], ['add', 'sqs', 'q', '--no-such-flag']]) {
      const { files } = probe(...args);
      expect(files.some((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).includes('src/sources/sqs/spec.ts')), args.join(' ')).toBe(true);
      expect(implementationFiles(files), args.join(' ')).toEqual([]);
    }
  });

  it('a command loads the SDK clients it uses and no other', () => {
    // Nothing listens on port 9: the run fails at its first call, after loading what that call needs.
    const { packages, files } = probe('add', 'sqs', 'q', '--function', 'f', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9', '--cli-connect-timeout', '1');
    expect(sdkFiles(files).length).toBeGreaterThan(0);
    expect(packages).toContain('@aws-sdk/client-lambda');
    expect(packages).toContain('@aws-sdk/client-sqs');
    // Nor the triggers-file commands or the YAML library: those are export's, apply's and diff's.
    expect(filesHolding(files, /node_modules\/yaml\/|src\/file\/|src\/commands\/(export|apply|diff)\.ts/)).toEqual([]);
    // The sqs implementation, and no other type's.
    const loadedImplementations = implementations.filter((i) => files.some((f) => i in (meta.outputs[f]?.inputs ?? {})));
    expect(loadedImplementations).toEqual(['src/sources/sqs.ts']);
    for (const other of ['@aws-sdk/client-s3', '@aws-sdk/client-sns', '@aws-sdk/client-dynamodb', '@aws-sdk/client-kinesis', '@aws-sdk/client-eventbridge', '@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-kafka', '@aws-sdk/client-mq', '@aws-sdk/client-docdb']) {
      expect(packages).not.toContain(other);
    }
  });

  it("help and the version, written to a pipe, load none of Node's stream or socket code; its text is all there", () => {
    // What Node itself loads, against what a run of evsrc adds (process.moduleLoadList, read at exit).
    const loaded = (args: string[]) => {
      const run = spawnSync(
        process.execPath,
        ['-e', "process.on('exit', () => require('fs').writeSync(2, '\\n' + JSON.stringify(process.moduleLoadList))); " + (args.length ? `process.argv.splice(1, 0, 'bin/evsrc.js'); process.argv.push(...${JSON.stringify(args)}); require('./bin/evsrc.js')` : '0')],
        { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir() } },
      );
      expect(run.status, run.stderr).toBe(0);
      return { stdout: run.stdout, modules: JSON.parse(run.stderr.trim().split('\n').pop() ?? '[]') as string[] };
    };
    for (const args of [['--help'], ['--version'], ['add', 'sqs', '--help']]) {
      const { stdout, modules } = loaded(args);
      expect(modules, args.join(' ')).not.toContain('NativeModule net');
      expect(modules, args.join(' ')).not.toContain('NativeModule stream');
      // Nor start the ES module loader (dist/help.cjs is CommonJS).
      expect(modules, args.join(' ')).not.toContain('NativeModule internal/modules/esm/module_job');
      expect(stdout.length, args.join(' ')).toBeGreaterThan(0);
    }
    // The help of add sqs, whole: its last line is the last example.
    expect(loaded(['add', 'sqs', '--help']).stdout.trimEnd().split('\n').pop()).toMatch(/^ {2}\$ evsrc add sqs /);
  });

  it('answers every command line with help in it as the ES module bundle alone does, handing it over when it asks for more', () => {
    const env = { PATH: process.env.PATH, HOME: tmpdir() };
    const viaBin = (args: string[]) => spawnSync(process.execPath, ['bin/evsrc.js', ...args], { cwd: root, encoding: 'utf8', env });
    // dist/cli.js on its own, as bin ran it before dist/help.cjs existed (run() reads process.argv from the third entry).
    const esmOnly = (args: string[]) =>
      spawnSync(process.execPath, ['-e', "import('./dist/cli.js').then((m) => m.run())", 'evsrc', ...args], { cwd: root, encoding: 'utf8', env });
    const lines = [
      ['--help'], ['-h'], ['--version'], ['-V'], ['help'], ['help', 'add', 'sqs'], ['help', 'completion'], ['add', '--help'], ['add', 'sqs', '--help'],
      ['remove', '-h'], ['list', '--help', '--json'], ['--output', 'json', '--help'], ['add', 'sqs', '--bogus', '--help'], ['--region', '--help'],
      ['completion', '--help'], ['add', 'sqs', 'q', '--function', '--help'], ['add', 'kafka', '--help'], ['help', 'nothing'],
    ];
    for (const args of lines) {
      const [a, b] = [viaBin(args), esmOnly(args)];
      expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }, args.join(' ')).toEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr });
    }
    // That one asks for more than help (--help is --function's value): the help build hands it to the whole CLI.
    const { files } = probe('add', 'sqs', 'q', '--function', '--help');
    expect(files).toEqual(expect.arrayContaining(['dist/help.cjs', 'dist/cli.js']));
    expect(viaBin(['add', 'sqs', 'q', '--function', '--help']).stderr).toMatch(/^error: no AWS region/);
  });

  it('--help and add load neither the YAML library nor the triggers-file commands; export does', () => {
    for (const args of [['--help'], ['add', 'sqs', '--help'], ['apply', '--help']]) {
      expect(filesHolding(probe(...args).files, /node_modules\/yaml\//), args.join(' ')).toEqual([]);
    }
    const { files } = probe('export', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9', '--cli-connect-timeout', '1');
    expect(filesHolding(files, /src\/commands\/export\.ts/).length).toBe(1);
  });
});

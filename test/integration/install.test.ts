import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFunction, createQueue, mappingsOf } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

// The package as a user gets it: `npm pack` of a copy of this repository (its prepack builds dist/ and
// writes the manifest that ships), then `npm install -g --prefix <tmp> <tarball> --offline`, with nothing
// to fetch: the package has no dependencies. The installed `evsrc` runs from a folder with no
// node_modules above it, through its bin link, with the node that runs the tests first on the PATH.

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
const moto = useMoto();
const work = mkdtempSync(join(tmpdir(), 'evsrc-install-'));
const prefix = join(work, 'prefix');
const home = join(work, 'home');
const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
const bin = join(prefix, 'bin', 'evsrc');

/** The environment of a user's shell: none of `npm test`'s npm_* settings, this node first on the PATH. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !/^(NODE_OPTIONS|NODE_PATH|VITEST.*|AWS_.*)$/.test(key)) env[key] = value;
  Object.assign(env, { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: home, npm_config_update_notifier: 'false' }, extra);
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** npm as the tests' node runs it (the npm beside that node). */
function npm(args: string[], options: SpawnSyncOptions) {
  return spawnSync('npm', args, { encoding: 'utf8', env: userEnv(), ...options });
}

let packOutput = '';
let installOutput = '';

beforeAll(() => {
  mkdirSync(home, { recursive: true });
  // A copy of the repository (as a fresh clone has it) with this checkout's node_modules, so that packing
  // never rebuilds the dist/ the other tests are running.
  const copy = join(work, 'repo');
  for (const entry of ['bin', 'src', 'scripts', 'package.json', 'package-lock.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const pack = npm(['pack', '--pack-destination', work, '--no-audit', '--no-fund'], { cwd: copy });
  packOutput = `${pack.stdout}${pack.stderr}`;
  expect(pack.status, packOutput).toBe(0);
  // postpack put the copy's own manifest back.
  expect(readFileSync(join(copy, 'package.json'), 'utf8')).toBe(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(existsSync(join(copy, 'package.json.packing'))).toBe(false);
  const install = npm(['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: work });
  installOutput = `${install.stdout}${install.stderr}`;
  expect(install.status, installOutput).toBe(0);
}, 120_000);

/** Runs the installed evsrc from the work folder, as a user would. */
function evsrc(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const env = userEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', NO_COLOR: '1', ...extra });
  const r = spawnSync(bin, args, { cwd: work, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the packed tarball', () => {
  it('holds the bundle, the licences, the changelog and a manifest with no dependencies or scripts', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/evsrc.js', 'dist/cli.js', 'dist/THIRD-PARTY-LICENSES.txt']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(src|test|scripts|node_modules)\//.test(f) || f.endsWith('meta.json'))).toEqual([]);
    const shipped = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(shipped).toMatchObject({ name: 'evsrc', version: pkg.version, license: 'Apache-2.0', bin: { evsrc: 'bin/evsrc.js' }, engines: { node: '>=20' } });
    for (const key of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies', 'scripts']) expect(shipped, key).not.toHaveProperty(key);
    const licences = execFileSync('tar', ['-xzOf', tarball, 'package/dist/THIRD-PARTY-LICENSES.txt'], { encoding: 'utf8' });
    for (const name of ['commander', '@aws-sdk/client-lambda', 'chalk']) expect(licences).toContain(name);
    expect(execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' })).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it('installs offline with nothing to fetch and no install script to approve', () => {
    expect(installOutput).toMatch(/added 1 package/);
    expect(installOutput).not.toMatch(/install-scripts|allowScripts/i);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', 'evsrc'))).not.toContain('node_modules');
  });
});

describe('the installed evsrc', () => {
  let queueArn = '';
  beforeAll(async () => {
    await moto.reset();
    await createFunction(moto.endpoint, 'worker', { timeout: 10 });
    queueArn = (await createQueue(moto.endpoint, 'orders', { VisibilityTimeout: '60' })).arn;
  });

  it('--version, --help and completion', () => {
    const version = evsrc(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = evsrc(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['add', 'list', 'remove', 'completion']) expect(help.stdout).toContain(command);
    const completion = evsrc(['completion', 'bash']);
    expect(completion.code).toBe(0);
    expect(completion.stdout).toMatch(/complete -F _evsrc evsrc/);
  });

  it('add --dry-run, add, list and remove against the emulator, with no SDK warning even with --verbose', async () => {
    // The SDK's Node version notice is off unless the user sets the variable.
    const unset = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined };
    const dry = evsrc(['add', 'sqs', 'orders', '--function', 'worker', '--endpoint-url', moto.endpoint, '--dry-run', '--verbose'], unset);
    expect(dry.stderr).not.toMatch(/NodeVersionSupportWarning|will require node|error/i);
    expect(dry.code).toBe(0);
    expect(`${dry.stdout}${dry.stderr}`).toMatch(/CreateEventSourceMapping/);
    const add = evsrc(['add', 'sqs', 'orders', '--function', 'worker', '--endpoint-url', moto.endpoint, '--output', 'json'], unset);
    expect(add.stderr).not.toMatch(/NodeVersionSupportWarning|error/i);
    expect(add.code).toBe(0);
    const id = JSON.parse(add.stdout).trigger.id as string;
    const list = evsrc(['list', '--function', 'worker', '--endpoint-url', moto.endpoint, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain(id);
    const remove = evsrc(['remove', id, '--yes', '--endpoint-url', moto.endpoint]);
    expect(remove.stderr).not.toMatch(/error/i);
    expect(remove.code).toBe(0);
    expect((await mappingsOf(moto.endpoint, queueArn)).filter((m) => m.State !== 'Deleting')).toHaveLength(0);
  });
});

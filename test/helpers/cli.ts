/** Runs the evsrc CLI in-process (main(argv)) or as a child process, capturing stdout and stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/render/io.js';

/** What one CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws when it is not exactly one JSON document). */
  json<T = any>(): T;
}

/** Credentials and region for the emulator; never real ones. */
export const TEST_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NO_COLOR: '1',
};

function result(code: number, stdout: string, stderr: string): CliResult {
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** A terminal to pretend stdout and stderr are (isTTY, with this many columns). */
export interface FakeTerminal {
  columns: number;
}

/** Runs main(argv) in this process with an emulator endpoint and instant sleeps; off a terminal unless `tty` is given. */
export async function runCli(argv: string[], endpoint?: string, extraEnv: NodeJS.ProcessEnv = {}, tty?: FakeTerminal): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const env = { ...TEST_ENV, ...extraEnv };
  // The SDK's credential chain reads process.env; keep it pointed at the fake keys.
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  // On a pretend terminal, what a spinner (ora) calls to redraw its line does nothing.
  const terminal = tty ? { isTTY: true, columns: tty.columns, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, once: () => {}, removeListener: () => {} } : { isTTY: false };
  const io: Io = {
    stdout: { write: (s: string) => ((stdout += s), true), ...terminal },
    stderr: { write: (s: string) => ((stderr += s), true), ...terminal },
    env,
    interactive: false,
  };
  const args = endpoint ? ['--endpoint-url', endpoint, ...argv] : argv;
  const code = await main(args, io, { sleep: async () => {} });
  return result(code, stdout, stderr);
}

const BIN = fileURLToPath(new URL('../../bin/evsrc.js', import.meta.url));

/** How the reader of a spawned evsrc's stdout behaves. */
export interface SpawnOptions {
  /** Close stdout early, like `| head -1`: before evsrc writes anything, or after its first chunk. */
  closeStdout?: 'at-once' | 'after-first-chunk';
  /** Close stderr before evsrc writes anything (`2>&1 | head -1` once stdout has had its line). */
  closeStderr?: boolean;
  /** Given the child once spawned (to send it signals). */
  onChild?: (child: ChildProcess) => void;
}

/** Runs bin/evsrc.js as a child process (needs a build in dist/). */
export function spawnCli(argv: string[], extraEnv: NodeJS.ProcessEnv = {}, options: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...TEST_ENV, ...extraEnv };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, [BIN, ...argv], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onChild?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.closeStdout === 'after-first-chunk') child.stdout.destroy();
    });
    if (options.closeStdout === 'at-once') child.stdout.destroy();
    if (options.closeStderr) child.stderr.destroy();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code ?? -1, stdout, stderr)));
  });
}

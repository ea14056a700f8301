/**
 * Starts and stops a moto server (an independent AWS emulator written in Python) on a free
 * loopback port for integration tests. Never points anything at real AWS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** A running moto server. */
export interface MotoServer {
  /** Base URL to use as the SDK endpoint, e.g. http://127.0.0.1:5123 */
  endpoint: string;
  port: number;
  /** Clears all emulated state (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Kills the server and waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Result of the pre-flight check. */
export type MotoAvailability =
  | { available: true; python: string; version: string }
  | { available: false; python: string; reason: string };

const INSTALL_HINT = "Install it with: pip install 'moto[server]'";
const START_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
// Enough of the child's output to explain a failed start without holding a whole request log.
const OUTPUT_TAIL_CHARS = 4_000;

/** The python binary used to run moto: $MOTO_PYTHON, else python3. */
export function motoPython(): string {
  const fromEnv = process.env['MOTO_PYTHON'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'python3';
}

function startError(reason: string): Error {
  return new Error(`moto server could not start: ${reason}. ${INSTALL_HINT}`);
}

/** Asks the OS for a free loopback port (listen on 0, read it, close). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a loopback listener'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

interface RawResponse {
  status: number;
  body: string;
}

function httpRequest(url: string, method: string, timeoutMs: number): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    // agent: false so a poll never leaves a keep-alive socket open against the child.
    const req = http.request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function runCapture(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    let output = '';
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, output: '', spawnError: err as Error });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output, spawnError: err });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

/**
 * Pre-flight check for CI: can the configured python import moto's server (which also needs
 * flask/werkzeug from the `server` extra)? Never throws.
 */
export async function checkMotoAvailable(): Promise<MotoAvailability> {
  const python = motoPython();
  const probe = 'import moto, moto.server; print(moto.__version__)';
  const result = await runCapture(python, ['-c', probe], 15_000);
  if (result.spawnError) {
    return { available: false, python, reason: `cannot run ${python} (${result.spawnError.message})` };
  }
  if (result.code !== 0) {
    const detail = lastLine(result.output) || `exit code ${String(result.code)}`;
    return { available: false, python, reason: `${python} cannot import moto.server (${detail})` };
  }
  return { available: true, python, version: lastLine(result.output) };
}

/**
 * Spawns `python3 -m moto.server -H 127.0.0.1 -p 0` and resolves once it has said which port it bound
 * (" * Running on http://127.0.0.1:PORT") and GET /moto-api/ answers there. Letting moto take its own port
 * leaves no moment in which another server (another test file's proxy, another session's emulator) can take
 * a port chosen for it and answer in its place. Throws "moto server could not start: … Install it with: …"
 * otherwise.
 */
export async function startMoto(): Promise<MotoServer> {
  const python = motoPython();
  let port = 0;
  let endpoint = '';

  let child: ChildProcess;
  try {
    child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Unbuffered so a start-up traceback reaches us before the process dies.
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
  } catch (err) {
    throw startError(`cannot run ${python} (${(err as Error).message})`);
  }

  // moto logs every request; the pipes must be drained or the child blocks on a full pipe.
  let outputTail = '';
  const keepTail = (chunk: Buffer): void => {
    outputTail = (outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    if (port === 0) {
      const bound = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(outputTail);
      if (bound) {
        port = Number(bound[1]);
        endpoint = `http://127.0.0.1:${port}`;
      }
    }
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      exited = true;
      resolve();
    });
  });

  // If the test process dies without calling stop(), do not leave an orphan server behind.
  const killOnExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) {
      await stop();
      throw startError(`cannot run ${python} (${spawnError.message})`);
    }
    if (exited) {
      await stop();
      const why = lastLine(outputTail) || `exit code ${String(child.exitCode)}`;
      throw startError(`${python} -m moto.server exited: ${why}`);
    }
    if (port !== 0) {
      try {
        const res = await httpRequest(`${endpoint}/moto-api/`, 'GET', 2_000);
        if (res.status > 0) break;
      } catch {
        // Not answering yet.
      }
    }
    if (Date.now() > deadline) {
      await stop();
      const why = lastLine(outputTail);
      throw startError(
        `no answer from ${endpoint || 'moto (no port announced)'}/moto-api/ within ${START_TIMEOUT_MS / 1000} s` +
          (why ? ` (last output: ${why})` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }

  return {
    endpoint,
    port,
    async reset(): Promise<void> {
      const res = await httpRequest(`${endpoint}/moto-api/reset`, 'POST', 10_000);
      if (res.status !== 200) {
        throw new Error(`moto reset failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      }
    },
    stop,
  };
}

/**
 * Starts one moto server for the test file (beforeAll) and stops it (afterAll). The handle reads the
 * running server, so it can be declared at the top of a file and used inside tests and hooks.
 */
export function useMoto(): MotoServer {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMoto();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const current = (): MotoServer => {
    if (!server) throw new Error('moto is not started yet: use it inside tests and hooks');
    return server;
  };
  return {
    get endpoint() {
      return current().endpoint;
    },
    get port() {
      return current().port;
    },
    reset: () => current().reset(),
    stop: () => current().stop(),
  };
}

// Starts moto server (an AWS emulator) on a free loopback port for the benchmark and the demo.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts moto and resolves once it answers; `stop()` ends it. */
export async function startMoto() {
  const port = await freePort();
  const child = spawn(process.env.MOTO_PYTHON ?? 'python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop: () => child.kill() };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("moto server did not start; install it with: pip install 'moto[server]'");
}


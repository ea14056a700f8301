/**
 * Small loopback servers for network tests: one that never answers, one that answers HTML, one that
 * answers as no AWS service does, one that
 * drops connections, a recording HTTP proxy (plain-HTTP forwarding and CONNECT tunnels), and a
 * closed port. Only 127.0.0.1; node built-ins only.
 */
import http from 'node:http';
import net from 'node:net';

/** A running loopback server. */
export interface Loopback {
  port: number;
  url: string;
  close(): Promise<void>;
}

function listen(server: net.Server, sockets: Set<net.Socket>): Promise<Loopback> {
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        url: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Accepts connections and never answers. */
export function silentServer(): Promise<Loopback> {
  const sockets = new Set<net.Socket>();
  return listen(
    net.createServer((socket) => socket.on('error', () => {})),
    sockets,
  );
}

/** Answers every request with `status` and an HTML page. */
export function htmlServer(status: number): Promise<Loopback> {
  return listen(
    http.createServer((req, res) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
    }),
    new Set(),
  );
}

/** Answers every request with `status`, this content type and body, and no AWS request id (not AWS, not an emulator). */
export function foreignServer(status: number, contentType: string | undefined, body: string): Promise<Loopback> {
  return listen(
    http.createServer((req, res) => {
      req.resume();
      res.writeHead(status, contentType ? { 'content-type': contentType } : {});
      res.end(body);
    }),
    new Set(),
  );
}

/**
 * Forwards every request to `target` and drops the request-id headers of Query-protocol answers (those with
 * <ResponseMetadata> in the body), as some emulators answer SNS: the request id is then only in the body.
 */
export function queryIdInBodyOnly(target: string): Promise<Loopback> {
  return listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const upstream = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            const headers = { ...answer.headers };
            if (body.includes('<ResponseMetadata>')) {
              for (const name of Object.keys(headers)) if (/request-?id/i.test(name)) delete headers[name];
            }
            res.writeHead(answer.statusCode ?? 500, headers);
            res.end(body);
          });
        });
        upstream.end(Buffer.concat(chunks));
      });
    }),
    new Set(),
  );
}

/** Reads the request's first bytes, then resets the connection (reset) or closes it (hang-up). */
export function droppingServer(how: 'reset' | 'hangup'): Promise<Loopback> {
  return listen(
    net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => (how === 'reset' ? socket.resetAndDestroy() : socket.destroy()));
    }),
    new Set(),
  );
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One request the proxy handled: `GET http://host:port/path` or `CONNECT host:port`, and the signing service. */
export interface ProxiedRequest {
  method: string;
  target: string;
  service?: string;
}

/** A proxy that answers every CONNECT with `status` (403 Forbidden, 407 Proxy Authentication Required) and tunnels nothing. */
export function refusingProxy(status: number): Promise<Loopback> {
  const server = http.createServer((req, res) => res.writeHead(status).end());
  server.on('connect', (_req: http.IncomingMessage, client: net.Socket) => {
    client.on('error', () => {});
    const challenge = status === 407 ? 'Proxy-Authenticate: Basic realm="proxy"\r\n' : '';
    client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n${challenge}Content-Length: 0\r\n\r\n`);
  });
  return listen(server, new Set());
}

/** A recording forward proxy: plain-HTTP requests (absolute URI) are forwarded, CONNECT is tunnelled. */
export async function recordingProxy(): Promise<Loopback & { seen: ProxiedRequest[] }> {
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1];
    seen.push({ method: req.method ?? '', target: req.url ?? '', ...(service ? { service } : {}) });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('not a proxy request');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', target: req.url ?? '' });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const loopback = await listen(server, sockets);
  return { ...loopback, seen };
}

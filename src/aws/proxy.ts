/**
 * The HTTP agent used when a proxy variable is set. Loaded only then: the proxy packages cost start-up
 * time that a run without a proxy never pays. http-proxy-agent and https-proxy-agent (one maintained
 * project) speak the proxy protocols; this agent picks, per request, the proxy the environment names
 * for that URL, or a direct connection when NO_PROXY exempts the host.
 */
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { proxyFor, type ProxyEnv } from './network.js';

type ProxyAgent = HttpProxyAgent<string> | HttpsProxyAgent<string>;

/** An agent that sends each request through the proxy the environment names for it, or directly. */
export class EnvProxyAgent extends Agent {
  /** The proxy each request went through ('' for direct), for tests and --verbose. */
  readonly used: string[] = [];
  private readonly proxies: ProxyEnv;
  private readonly secure: boolean;
  private readonly tlsOptions: { ca?: string };
  private readonly byProxy = new Map<string, ProxyAgent>();

  constructor(proxies: ProxyEnv, secure: boolean, options: { ca?: string } = {}) {
    super({ keepAlive: true, maxSockets: 50, ...options });
    this.proxies = proxies;
    this.secure = secure;
    this.tlsOptions = options;
    // http.request refuses an agent whose protocol differs from the URL's; agent-base guesses otherwise.
    this.protocol = secure ? 'https:' : 'http:';
  }

  connect(req: http.ClientRequest, options: AgentConnectOpts): Promise<Duplex> | Duplex {
    const host = options.host ?? 'localhost';
    const port = options.port ?? (this.secure ? 443 : 80);
    const proxy = proxyFor(this.proxies, this.secure, host, port);
    if (this.used.length < 1000) this.used.push(proxy ?? '');
    if (!proxy) {
      if (options.secureEndpoint) {
        return tls.connect({ ...options, ...this.tlsOptions, servername: net.isIP(host) ? undefined : host });
      }
      return net.connect(options);
    }
    let agent = this.byProxy.get(proxy);
    if (!agent) {
      agent = this.secure ? new HttpsProxyAgent(proxy, { ...this.tlsOptions }) : new HttpProxyAgent(proxy);
      this.byProxy.set(proxy, agent);
    }
    // https-proxy-agent drops the host of an IP-address target and would check the certificate
    // against "localhost": check it against the address that was asked for.
    const identity = net.isIP(host) ? { checkServerIdentity: (_name: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert) } : {};
    if (!this.secure) return agent.connect(req as never, options) as Promise<Duplex>;
    return this.tunnel(agent, req, { ...options, ...this.tlsOptions, ...identity } as AgentConnectOpts, proxy, `${host}:${port}`);
  }

  /**
   * Opens a CONNECT tunnel. A proxy that refuses it (403, 407 Proxy Authentication Required) would
   * otherwise have its answer handed to the SDK as if the endpoint had given it: refuse the request
   * instead, naming the proxy (without its credentials) and its status.
   */
  private async tunnel(agent: ProxyAgent, req: http.ClientRequest, options: AgentConnectOpts, proxy: string, target: string): Promise<Duplex> {
    let refused: { statusCode: number; statusText: string } | undefined;
    req.once('proxyConnect', (connect: { statusCode: number; statusText: string }) => {
      if (connect.statusCode !== 200) refused = connect;
    });
    const socket = (await agent.connect(req as never, options)) as Duplex;
    if (!refused) return socket;
    socket.destroy();
    const url = new URL(proxy);
    url.username = '';
    url.password = '';
    const shown = url.href.replace(/\/$/, '');
    throw Object.assign(new Error(`the proxy ${shown} refused the tunnel to ${target}: HTTP ${refused.statusCode} ${refused.statusText}`.trim()), {
      code: 'EVSRC_PROXY_REFUSED',
      proxy: shown,
      proxyStatus: refused.statusCode,
      proxyStatusText: refused.statusText,
    });
  }

  override destroy(): void {
    for (const agent of this.byProxy.values()) agent.destroy();
    super.destroy();
  }
}


import net from 'node:net';
import { invalidFlag } from '../core/errors.js';

/** The AWS CLI's defaults for --cli-connect-timeout and --cli-read-timeout, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * Reads a timeout flag given in seconds (as the AWS CLI does: a non-negative number, 0 = no timeout)
 * and returns milliseconds. Anything else is a usage error naming the flag.
 */
export function parseTimeoutSeconds(flag: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const trimmed = value.trim();
  const seconds = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  // setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days).
  if (!Number.isFinite(seconds) || seconds * 1000 > 2 ** 31 - 1) {
    throw invalidFlag(flag, value, 'a number of seconds such as 10 or 2.5 (0 = no timeout)');
  }
  return Math.round(seconds * 1000);
}

/** The proxy variables as the AWS CLI reads them: the lower-case name wins over the upper-case one. */
export interface ProxyEnv {
  http?: string;
  https?: string;
  noProxy?: string;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name.toLowerCase()] || env[name.toUpperCase()];
  return value ? value : undefined;
}

/** The proxy settings of `env`, or undefined when no proxy is set (then no proxy code is ever loaded). */
export function proxyEnv(env: NodeJS.ProcessEnv): ProxyEnv | undefined {
  const http = envValue(env, 'http_proxy');
  const https = envValue(env, 'https_proxy');
  if (!http && !https) return undefined;
  const proxies: ProxyEnv = {};
  if (http) proxies.http = withScheme(http);
  if (https) proxies.https = withScheme(https);
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy) proxies.noProxy = noProxy;
  return proxies;
}

/** "127.0.0.1:3128" means "http://127.0.0.1:3128", as it does for the AWS CLI. */
function withScheme(proxy: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/**
 * True when NO_PROXY exempts host:port. Entries are comma-separated: `*` (everything), a host name
 * (also matches its subdomains; a leading `.` or `*.` is ignored), `host:port`, an IP address, or a
 * CIDR block such as 10.0.0.0/8.
 */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [base = '', bits = ''] = entry.split('/');
      const family = net.isIP(base);
      if (family && net.isIP(h) === family && /^\d+$/.test(bits)) {
        const block = new net.BlockList();
        try {
          block.addSubnet(base, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
        } catch {
          continue;
        }
        if (block.check(h, family === 6 ? 'ipv6' : 'ipv4')) return true;
      }
      continue;
    }
    let entryPort: number | undefined;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) {
      entry = withPort[1] ?? entry;
      entryPort = Number(withPort[2]);
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    // An IP address matches only itself (or a CIDR block above): '.0.0.1' is not a suffix of 127.0.0.1.
    if (h === entry || (!net.isIP(h) && h.endsWith(`.${entry}`))) return true;
  }
  return false;
}

/** The proxy URL for a request to host:port (https or plain http), or undefined for a direct connection. */
export function proxyFor(proxies: ProxyEnv, secure: boolean, host: string, port: number): string | undefined {
  const proxy = secure ? proxies.https : proxies.http;
  if (!proxy) return undefined;
  return bypassesProxy(host, port, proxies.noProxy) ? undefined : proxy;
}

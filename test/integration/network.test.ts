/**
 * Networks, proxies, timeouts and profiles, on loopback only: servers that never answer, answer HTML
 * or drop the connection, a recording proxy in front of moto, and temporary AWS config files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { createBucket, createFunction, createTopic } from '../helpers/fixtures.js';
import { closedPort, droppingServer, foreignServer, htmlServer, queryIdInBodyOnly, recordingProxy, refusingProxy, silentServer, type Loopback } from '../helpers/loopback.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const FN = 'net-fn';

// runCli copies its environment into process.env (the SDK reads it there): put it back after each test.
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

const open: Loopback[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});
async function track<T extends Loopback>(server: Promise<T>): Promise<T> {
  const s = await server;
  open.push(s);
  return s;
}

/** A temporary HOME with an AWS config and credentials file; returns the environment that points at them. */
function awsFiles(config: string, credentials = ''): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'evsrc-net-home-'));
  writeFileSync(join(home, 'config'), config);
  writeFileSync(join(home, 'credentials'), credentials);
  return { HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true' };
}

beforeAll(async () => {
  await createFunction(moto.endpoint, FN);
});

describe('timeouts', () => {
  it('--cli-read-timeout 1 against an endpoint that never answers fails fast, naming the endpoint, the call and the flag', async () => {
    const silent = await track(silentServer());
    const started = Date.now();
    const r = await runCli(['--cli-read-timeout', '1', 'list', '--function', 'x'], silent.url);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${silent.url} did not answer within 1 s (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).toMatch(/hint: raise --cli-read-timeout/);
    // The SDK makes 3 attempts (its standard retry mode), each waiting the read timeout, with
    // sub-second back-off between them: about 3 s here, never a multiple of that.
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(8_000);
  });

  it('also for add sqs; --cli-connect-timeout is accepted with it', async () => {
    const silent = await track(silentServer());
    const r = await runCli(['--cli-read-timeout', '0.5', '--cli-connect-timeout', '2', 'add', 'sqs', 'orders', '--function', FN], silent.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not answer within 0\.5 s \((lambda|sqs):\w+\)/);
  });

  it.each([
    ['--cli-read-timeout', 'abc'],
    ['--cli-read-timeout', '-1'],
    ['--cli-connect-timeout', '1e3'],
    ['--cli-connect-timeout', ''],
  ])('%s %j exits 2 naming the flag', async (flag, value) => {
    const r = await runCli([`${flag}=${value}`, 'list', '--function', FN], moto.endpoint);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag}: invalid value`);
  });

  it('0 means no timeout, and the defaults leave normal calls alone', async () => {
    const r = await runCli(['--cli-read-timeout', '0', '--cli-connect-timeout', '0', 'list', '--function', FN], moto.endpoint);
    expect(r.code).toBe(0);
    expect((await runCli(['list', '--function', FN], moto.endpoint)).code).toBe(0);
  });
});

describe('answers that are not AWS answers, and dropped connections', () => {
  it.each([500, 200])('an endpoint answering %i with an HTML page', async (status) => {
    const web = await track(htmlServer(status));
    const r = await runCli(['list', '--function', 'x'], web.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${web.url} answered HTTP ${status} with an HTML page that is not an AWS response (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).toMatch(/hint: something other than AWS answered: check --endpoint-url .*HTTPS_PROXY/);
  });

  it('an HTML page is refused by the XML services too (S3 would read a 200 page as an empty answer)', async () => {
    const web = await track(htmlServer(200));
    const r = await runCli(['add', 's3', 'uploads', '--function', 'x', '--dry-run'], web.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered HTTP 200 with an HTML page that is not an AWS response \((lambda|s3):\w+\)/);
  });

  it.each([
    ['an empty body', undefined, ''],
    ['a JSON document that is not AWS\'s', 'application/json', '{"hello":"world"}'],
    ['an XML document that is not AWS\'s', 'application/xml', '<ok/>'],
  ])('an endpoint answering 200 with %s is not taken for an empty AWS answer', async (_what, contentType, body) => {
    const web = await track(foreignServer(200, contentType, body));
    for (const argv of [
      ['add', 'sqs', 'q', '--function', 'x'],
      ['add', 's3', 'uploads', '--function', 'x', '--dry-run'],
      ['list', '--function', 'x'],
      ['remove', 'sqs', 'q', '--function', 'x', '--yes'],
    ]) {
      const r = await runCli(argv, web.url);
      expect({ argv, code: r.code, stdout: r.stdout }).toEqual({ argv, code: 1, stdout: '' });
      expect(r.stderr).toMatch(new RegExp(`error: ${web.url} answered HTTP 200 with no AWS request id: not an AWS response \\((lambda|sqs|s3):\\w+\\)`));
      expect(r.stderr).toMatch(/hint: something other than AWS answered/);
    }
  });

  it('a Query-protocol answer with its request id only in the body (as some emulators send SNS) is an AWS answer', async () => {
    await createTopic(moto.endpoint, 'alerts');
    const front = await track(queryIdInBodyOnly(moto.endpoint));
    const r = await runCli(['add', 'sns', 'alerts', '--function', FN, '--dry-run', '--json'], front.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions.map((a: { api: string }) => a.api)).toContain('sns:Subscribe');
  });

  it('connection refused: nothing listens at the endpoint', async () => {
    const port = await closedPort();
    const r = await runCli(['list', '--function', 'x'], `http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: connection refused: nothing listens at http://127.0.0.1:${port} (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).not.toMatch(/timed out|did not answer/);
  });

  it.each(['reset', 'hangup'] as const)('a connection dropped by the server (%s) is not called a timeout', async (how) => {
    const dropping = await track(droppingServer(how));
    const r = await runCli(['list', '--function', 'x'], dropping.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: the connection to ${dropping.url} was closed before an answer (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).not.toMatch(/timed out|did not answer/);
  });
});

describe('proxies', () => {
  it('HTTP_PROXY carries the calls to a plain-HTTP endpoint; NO_PROXY=127.0.0.1 bypasses it', async () => {
    const proxy = await track(recordingProxy());
    const through = await runCli(['list', '--function', FN], moto.endpoint, { HTTP_PROXY: proxy.url });
    expect(through.code).toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(0);
    // Every call of the run (lambda, and the reads of each trigger type) went through the proxy to moto.
    expect(proxy.seen.every((r) => r.target.startsWith(`${moto.endpoint}/`))).toBe(true);
    expect(proxy.seen.some((r) => r.service === 'lambda')).toBe(true);

    proxy.seen.length = 0;
    const direct = await runCli(['list', '--function', FN], moto.endpoint, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(direct.code).toBe(0);
    expect(proxy.seen).toEqual([]);

    // lower case wins, as for the AWS CLI; HTTPS_PROXY is not used for an http:// endpoint
    const lower = await runCli(['list', '--function', FN], moto.endpoint, { http_proxy: proxy.url, no_proxy: 'localhost,127.0.0.1:1' });
    expect(lower.code).toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(0);
    proxy.seen.length = 0;
    const httpsOnly = await runCli(['list', '--function', FN], moto.endpoint, { HTTPS_PROXY: proxy.url });
    expect(httpsOnly.code).toBe(0);
    expect(proxy.seen).toEqual([]);
  });

  it.each([
    [407, 'Proxy Authentication Required', /hint: the proxy wants credentials/],
    [403, 'Forbidden', /hint: the proxy does not carry this connection/],
  ])('a proxy that answers the CONNECT with %i is named, not taken for the endpoint', async (status, text, hint) => {
    const proxy = await track(refusingProxy(status));
    const endpoint = 'https://lambda.us-east-1.amazonaws.com';
    const r = await runCli(['list', '--function', FN], endpoint, { HTTPS_PROXY: proxy.url.replace('http://', 'http://user:secret@') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: the proxy ${proxy.url} refused to connect to ${endpoint}: HTTP ${status} ${text} (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).toMatch(hint);
    expect(r.stderr).not.toContain('secret');
  });

  it('a proxy that refuses connections is named as what refused', async () => {
    const port = await closedPort();
    const r = await runCli(['list', '--function', FN], moto.endpoint, { HTTP_PROXY: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`connection refused: nothing listens at 127.0.0.1:${port} (on the way to ${moto.endpoint})`);
  });
});

/** A self-signed certificate for 127.0.0.1 made with openssl, or undefined when openssl is missing. */
function selfSigned(): { cert: string; key: string; certFile: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'evsrc-tls-'));
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  if (r.status !== 0) return undefined;
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
}

describe('CA bundle', () => {
  it('AWS_CA_BUNDLE naming a missing file exits 2 naming the variable', async () => {
    const r = await runCli(['list', '--function', FN], moto.endpoint, { AWS_CA_BUNDLE: '/nonexistent/ca.pem' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('AWS_CA_BUNDLE: cannot read the CA bundle /nonexistent/ca.pem: no such file');
  });

  it("a profile's missing ca_bundle exits 2 naming the profile setting", async () => {
    const files = awsFiles('[profile tls]\nregion = us-east-1\nca_bundle = /nonexistent/bundle.pem\n', '[tls]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const r = await runCli(['--profile', 'tls', 'list', '--function', FN], moto.endpoint, files);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ca_bundle of profile tls: cannot read the CA bundle /nonexistent/bundle.pem');
  });

  const tls = selfSigned();
  it.skipIf(!tls)('an HTTPS endpoint with a self-signed certificate is trusted with AWS_CA_BUNDLE, also through an HTTPS_PROXY tunnel', async () => {
    const t = tls!;
    const server = https.createServer({ cert: t.cert, key: t.key }, (req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>TLS ok</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const untrusted = await runCli(['list', '--function', 'x'], url);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain(`error: the certificate of ${url} is not trusted: self-signed certificate (lambda:GetFunctionConfiguration)`);
      expect(untrusted.stderr).toMatch(/hint: .*AWS_CA_BUNDLE/);
      // The TLS handshake succeeded: the answer (an HTML page) reached evsrc.
      const trusted = await runCli(['list', '--function', 'x'], url, { AWS_CA_BUNDLE: t.certFile });
      expect(trusted.stderr).toContain(`${url} answered HTTP 500 with an HTML page`);
      const proxy = await track(recordingProxy());
      const tunnelled = await runCli(['list', '--function', 'x'], url, { AWS_CA_BUNDLE: t.certFile, HTTPS_PROXY: proxy.url });
      expect(tunnelled.stderr).toContain(`${url} answered HTTP 500 with an HTML page`);
      expect(proxy.seen[0]).toEqual({ method: 'CONNECT', target: url.replace('https://', '') });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an https:// URL for an endpoint that speaks plain HTTP is a failed TLS handshake, not a raw OpenSSL line', async () => {
    const url = moto.endpoint.replace('http://', 'https://');
    const r = await runCli(['list', '--function', FN], url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: the TLS handshake with ${url} failed (wrong version number) (lambda:GetFunctionConfiguration)`);
    expect(r.stderr).toMatch(/hint: .*http:\/\//);
  });
});

describe('profiles', () => {
  const CONFIG = '[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[sso-session corp]\nsso_region = us-east-1\n';
  const CREDENTIALS = '[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n';

  it('--profile typo exits 2, saying which files were read and which profiles exist', async () => {
    const files = awsFiles(CONFIG, CREDENTIALS);
    const r = await runCli(['--profile', 'typo', 'list', '--function', FN], moto.endpoint, files);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: profile "typo" (--profile) is not in the AWS config file (${files.AWS_CONFIG_FILE}) or credentials file (${files.AWS_SHARED_CREDENTIALS_FILE})`);
    expect(r.stderr).toContain('hint: profiles there: ci, default, dev');
  });

  it('AWS_PROFILE=typo too; without any file it says none are defined', async () => {
    const files = awsFiles('', '');
    const r = await runCli(['list', '--function', FN], moto.endpoint, { ...files, AWS_PROFILE: 'typo' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('profile "typo" (AWS_PROFILE)');
    expect(r.stderr).toMatch(/neither file defines any profile/);
  });

  it("a profile's endpoint_url is used, and S3 then addresses buckets by path", async () => {
    await createBucket(moto.endpoint, 'net-profile-bucket');
    const files = awsFiles(
      `[profile emu]\nregion = us-east-1\nendpoint_url = ${moto.endpoint}\n`,
      '[emu]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );
    const r = await runCli(['--profile', 'emu', '--dry-run', 'add', 's3', 'net-profile-bucket', '--function', FN], undefined, files);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
  });

  it('with --endpoint-url, an assume-role profile gets its credentials from the same endpoint (moto STS)', async () => {
    const proxy = await track(recordingProxy());
    const dead = await closedPort();
    const files = awsFiles(
      '[profile base]\nregion = us-east-1\n[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n',
      '[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );
    // HTTP_PROXY records every call to moto; HTTPS_PROXY points nowhere, so a call that escaped to a
    // real (https) AWS endpoint would fail instead of leaving the machine.
    const r = await runCli(['--profile', 'deploy', 'list', '--function', FN], moto.endpoint, {
      ...files,
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: `http://127.0.0.1:${dead}`,
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(proxy.seen[0]?.service).toBe('sts');
    expect(proxy.seen.some((c) => c.service === 'lambda')).toBe(true);
  });

  it("with --profile, an assume-role profile's own endpoint_url gets the STS call too", async () => {
    const proxy = await track(recordingProxy());
    const dead = await closedPort();
    const files = awsFiles(
      `[profile base]\nregion = us-east-1\n[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nendpoint_url = ${moto.endpoint}\n`,
      '[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );
    const r = await runCli(['--profile', 'deploy', 'list', '--function', FN], undefined, {
      ...files,
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: `http://127.0.0.1:${dead}`,
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(proxy.seen[0]?.service).toBe('sts');
  });
});

describe("failures of an assume-role profile's STS call", () => {
  const files = () =>
    awsFiles(
      '[profile base]\nregion = us-east-1\n[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n',
      '[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );

  it('name that call and its endpoint, not the call that needed the credentials', async () => {
    const silent = await track(silentServer());
    const slow = await runCli(['--profile', 'deploy', '--cli-read-timeout', '0.2', 'list', '--function', FN], silent.url, files());
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain(`error: ${silent.url} did not answer within 0.2 s (sts:AssumeRole, for the credentials of profile deploy)`);
    const port = await closedPort();
    const refused = await runCli(['--profile', 'deploy', 'list', '--function', FN], `http://127.0.0.1:${port}`, files());
    expect(refused.stderr).toContain(`error: connection refused: nothing listens at http://127.0.0.1:${port} (sts:AssumeRole, for the credentials of profile deploy)`);
  });

  it.each([
    ['an empty body', undefined, ''],
    ['some other JSON', 'application/json', '{"hello":"world"}'],
  ])('an answer with %s is not an AWS response', async (_what, contentType, body) => {
    const web = await track(foreignServer(200, contentType, body));
    const r = await runCli(['--profile', 'deploy', 'list', '--function', FN], web.url, files());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: ${web.url} answered (HTTP 200 )?with something that is not an AWS response \\(sts:AssumeRole, for the credentials of profile deploy\\)`));
  });
});

describe('regions and endpoints from the environment and the profile', () => {
  it('a malformed AWS_REGION, AWS_ENDPOINT_URL_<SERVICE> or profile endpoint_url is exit 2 naming where it was set', async () => {
    const region = await runCli(['list', '--function', FN], moto.endpoint, { AWS_REGION: 'us east 1' });
    expect(region.code).toBe(2);
    expect(region.stderr).toContain('error: AWS_REGION: invalid value "us east 1"');
    const endpoint = await runCli(['list', '--function', FN], undefined, { AWS_ENDPOINT_URL_LAMBDA: 'notaurl' });
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain('error: AWS_ENDPOINT_URL_LAMBDA: invalid value "notaurl"');
    const files = awsFiles('[profile bad]\nendpoint_url = localhost:4566\nregion = us-east-1\n');
    const profile = await runCli(['list', '--function', FN, '--profile', 'bad'], undefined, files);
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('error: endpoint_url of profile bad: invalid value "localhost:4566"');
  });
});

describe('the SDK\'s own warnings', () => {
  const files = () =>
    awsFiles('[profile p]\nregion = us-east-1\n', '[p]\naws_access_key_id = testing\naws_secret_access_key = testing\n');

  it('are not shown without --verbose; evsrc says in one line which credentials it uses', async () => {
    const r = await spawnCli(['--profile', 'p', '--endpoint-url', moto.endpoint, 'list', '--function', FN], {
      ...files(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/Multiple credential sources/);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
    expect(r.stderr).toContain('note: using profile p (--profile p); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment are ignored');
    expect(r.stderr.split('\n').filter((l) => l.includes('note:'))).toHaveLength(1);
  });

  it('--verbose (and its alias --debug) shows them, but never the Node version notice', async () => {
    for (const flag of ['--verbose', '--debug']) {
      const r = await spawnCli([flag, '--profile', 'p', '--endpoint-url', moto.endpoint, 'list', '--function', FN], {
        ...files(),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/Multiple credential sources detected/);
      expect(r.stderr).toMatch(/aws lambda GetFunctionConfiguration \d+ms ok/);
      // Not the SDK's notice that its releases from 2027 on need Node 22: evsrc bundles its SDK, so it is
      // never news for a user (the SDK gives it on Node 20 only).
      expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
    }
  });

  it('no note when only the environment or only a profile gives credentials', async () => {
    const r = await spawnCli(['--endpoint-url', moto.endpoint, 'list', '--function', FN], files());
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/note:/);
  });
});

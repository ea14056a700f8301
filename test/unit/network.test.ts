import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toEvsrcError } from '../../src/aws/errors.js';
import { bypassesProxy, parseTimeoutSeconds, proxyEnv, proxyFor } from '../../src/aws/network.js';
import { checkProfile, configuredEndpoint, profileNames, profileSettings, readSharedFiles } from '../../src/aws/profile.js';
import { EnvProxyAgent } from '../../src/aws/proxy.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';

describe('timeout flags', () => {
  it('take seconds like the AWS CLI (default 60, 0 = none) and return ms', () => {
    expect(parseTimeoutSeconds('--cli-read-timeout', undefined)).toBe(60_000);
    expect(parseTimeoutSeconds('--cli-read-timeout', '0')).toBe(0);
    expect(parseTimeoutSeconds('--cli-read-timeout', '2.5')).toBe(2_500);
    expect(parseTimeoutSeconds('--cli-connect-timeout', ' 10 ')).toBe(10_000);
  });

  it.each(['abc', '-1', '', '1e3', '10s', '999999999'])('refuse %j naming the flag', (value) => {
    expect(() => parseTimeoutSeconds('--cli-connect-timeout', value)).toThrow(UsageError);
    expect(() => parseTimeoutSeconds('--cli-connect-timeout', value)).toThrow(/^--cli-connect-timeout: invalid value/);
  });
});

describe('proxy variables', () => {
  it('are read lower case first, as the AWS CLI reads them; none set means no proxy at all', () => {
    expect(proxyEnv({})).toBeUndefined();
    expect(proxyEnv({ NO_PROXY: 'x' })).toBeUndefined();
    expect(proxyEnv({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', HTTP_PROXY: 'c:3', NO_PROXY: 'n' })).toEqual({
      https: 'http://b:2',
      http: 'http://c:3',
      noProxy: 'n',
    });
  });

  it('an https URL uses HTTPS_PROXY only, an http URL HTTP_PROXY only', () => {
    const proxies = { https: 'http://s:1', http: 'http://p:2' };
    expect(proxyFor(proxies, true, 'lambda.us-east-1.amazonaws.com', 443)).toBe('http://s:1');
    expect(proxyFor(proxies, false, '127.0.0.1', 5000)).toBe('http://p:2');
    expect(proxyFor({ http: 'http://p:2' }, true, 'sqs.us-east-1.amazonaws.com', 443)).toBeUndefined();
  });

  it.each([
    ['*', 'anything.example', 443, true],
    ['127.0.0.1', '127.0.0.1', 5000, true],
    ['localhost, 127.0.0.1', '127.0.0.1', 5000, true],
    ['amazonaws.com', 'sqs.us-east-1.amazonaws.com', 443, true],
    ['.amazonaws.com', 'sqs.us-east-1.amazonaws.com', 443, true],
    ['*.amazonaws.com', 's3.amazonaws.com', 443, true],
    ['amazonaws.com', 'notamazonaws.com', 443, false],
    ['127.0.0.1:5000', '127.0.0.1', 5000, true],
    ['127.0.0.1:5000', '127.0.0.1', 5001, false],
    ['10.0.0.0/8', '10.1.2.3', 80, true],
    ['10.0.0.0/8', '11.1.2.3', 80, false],
    ['', '127.0.0.1', 80, false],
    // An IP address is matched whole or by CIDR, never as a name suffix.
    ['.0.0.1', '127.0.0.1', 80, false],
    ['1', '10.0.0.1', 80, false],
  ] as const)('NO_PROXY=%j for %s:%i bypasses: %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(expected);
  });

  it('the proxy agent carries the CA bundle to TLS connections and picks per request', () => {
    const agent = new EnvProxyAgent({ https: 'http://127.0.0.1:3128', noProxy: 'internal' }, true, { ca: 'PEM' });
    try {
      expect(agent.options.ca).toBe('PEM');
      expect(agent.protocol).toBe('https:');
    } finally {
      agent.destroy();
    }
  });
});

describe('shared config files', () => {
  function files(config: string, credentials: string) {
    const dir = mkdtempSync(join(tmpdir(), 'evsrc-unit-aws-'));
    writeFileSync(join(dir, 'config'), config);
    writeFileSync(join(dir, 'credentials'), credentials);
    return readSharedFiles({ AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), HOME: dir });
  }

  it('lists profiles of both files, not sso-session or services sections', async () => {
    const f = await files(
      '[default]\nregion=us-east-1\n[profile dev]\nregion=eu-west-1\nservices=emu\n[sso-session corp]\nsso_region=us-east-1\n[services emu]\ns3 =\n  endpoint_url = http://127.0.0.1:9\n',
      '[ci]\naws_access_key_id=a\naws_secret_access_key=b\n',
    );
    expect(profileNames(f)).toEqual(['ci', 'default', 'dev']);
    expect(() => checkProfile(f, 'dev', '--profile')).not.toThrow();
    expect(() => checkProfile(f, 'ci', '--profile')).not.toThrow();
    let error: UsageError | undefined;
    try {
      checkProfile(f, 'typo', '--profile');
    } catch (e) {
      error = e as UsageError;
    }
    expect(error?.exitCode).toBe(ExitCode.USAGE);
    expect(error?.hint).toBe('profiles there: ci, default, dev');
    const dev = profileSettings(f, 'dev');
    expect(configuredEndpoint(f, dev, 's3', {})).toBe('http://127.0.0.1:9');
    expect(configuredEndpoint(f, dev, 'lambda', {})).toBeUndefined();
    expect(configuredEndpoint(f, dev, 's3', { AWS_ENDPOINT_URL_S3: 'http://e:1' })).toBe('http://e:1');
    expect(configuredEndpoint(f, dev, 's3', { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
  });

  it('missing files define no profiles', async () => {
    const f = await readSharedFiles({ AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' });
    expect(profileNames(f)).toEqual([]);
    expect(() => checkProfile(f, 'x', 'AWS_PROFILE')).toThrow(/profile "x" \(AWS_PROFILE\) is not in the AWS config file \(\/nonexistent\/config\)/);
  });
});

describe('network errors', () => {
  const tagged = (error: Error, extra: Record<string, unknown> = {}) =>
    Object.assign(error, { evsrcApi: 'sqs:GetQueueUrl', evsrcEndpoint: 'https://sqs.us-east-1.amazonaws.com', evsrcTimeouts: { connectMs: 5_000, readMs: 60_000 }, ...extra });

  it('a connect timeout names the endpoint, the call and --cli-connect-timeout', () => {
    const e = toEvsrcError(
      tagged(Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.'), { name: 'TimeoutError' })),
    );
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('no connection to https://sqs.us-east-1.amazonaws.com within 5 s (sqs:GetQueueUrl)');
    expect(e.hint).toMatch(/--cli-connect-timeout/);
  });

  it('a read timeout names --cli-read-timeout', () => {
    const e = toEvsrcError(tagged(Object.assign(new Error('the request socket timed out after 60000 ms of inactivity'), { name: 'TimeoutError' })));
    expect(e.message).toBe('https://sqs.us-east-1.amazonaws.com did not answer within 60 s (sqs:GetQueueUrl)');
    expect(e.hint).toMatch(/--cli-read-timeout/);
  });

  it('a reset labelled TimeoutError by the handler is worded as a dropped connection', () => {
    const e = toEvsrcError(tagged(Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' })));
    expect(e.message).toBe('the connection to https://sqs.us-east-1.amazonaws.com was closed before an answer (sqs:GetQueueUrl)');
    // Nor does the error name (shown in --output json) say it timed out.
    expect(e.awsErrorName).toBe('ECONNRESET');
  });

  it('an untrusted certificate and a handshake with no TLS on the other side are worded as TLS failures', () => {
    const cert = toEvsrcError(tagged(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })));
    expect(cert.message).toBe('the certificate of https://sqs.us-east-1.amazonaws.com is not trusted: self-signed certificate (sqs:GetQueueUrl)');
    expect(cert.hint).toMatch(/AWS_CA_BUNDLE/);
    const plain = toEvsrcError(
      tagged(
        Object.assign(new Error('write EPROTO 80ECE27EF97F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:'), {
          code: 'EPROTO',
        }),
      ),
    );
    expect(plain.message).toBe('the TLS handshake with https://sqs.us-east-1.amazonaws.com failed (wrong version number) (sqs:GetQueueUrl)');
    expect(plain.hint).toMatch(/http:\/\//);
  });

  it('an unparsable answer with a status says it is not an AWS response', () => {
    const e = toEvsrcError(tagged(Object.assign(new SyntaxError('Unexpected token'), { $metadata: { httpStatusCode: 502 } })));
    expect(e.message).toBe('https://sqs.us-east-1.amazonaws.com answered HTTP 502 with something that is not an AWS response (sqs:GetQueueUrl)');
    expect(e.hint).toMatch(/--endpoint-url/);
    // An XML parser's failure without a status is the same; a modelled AWS error that quotes a parser is AWS's own answer.
    const xml = toEvsrcError(tagged(new Error('@aws-sdk XML parse error: mismatched tags <html> and </title>.')));
    expect(xml.message).toMatch(/answered with something that is not an AWS response/);
    const aws = toEvsrcError(
      tagged(Object.assign(new Error('Event pattern is not valid. Reason: Unexpected token at [Source: (String)"{"; line: 1]'), { name: 'InvalidEventPatternException', $metadata: { httpStatusCode: 400, requestId: 'r-1' } })),
    );
    expect(aws.message).not.toMatch(/not an AWS response/);
    expect(aws.message).toMatch(/InvalidEventPatternException/);
  });

  it('a date the SDK cannot read (an emulator writing one without a time zone) is named as an answer AWS would not give, not a TypeError', () => {
    const e = toEvsrcError(tagged(new TypeError('Invalid RFC-3339 date-time value'), { evsrcApi: 'kafka:ListClustersV2' }));
    expect(e.message).toBe('https://sqs.us-east-1.amazonaws.com answered (kafka:ListClustersV2) with a value no AWS service writes (Invalid RFC-3339 date-time value)');
    expect(e.exitCode).toBe(1);
    expect(e.hint).toMatch(/emulator/);
  });
});

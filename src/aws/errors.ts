import { AwsFailure, EvsrcError, UsageError, type ErrorDetails } from '../core/errors.js';
import type { SdkError } from './session.js';

/** The AWS error name of an SDK error (its `name`, or the `Code` of query/XML protocols). */
export function awsErrorName(error: unknown): string {
  if (!error || typeof error !== 'object') return 'Error';
  // An error evsrc raised from an AWS answer (a failed entry of PutTargets) carries the AWS name it reported.
  if (error instanceof EvsrcError && error.awsErrorName) return error.awsErrorName;
  const e = error as SdkError;
  return e.Code ?? e.name ?? e.code ?? 'Error';
}

/** True when an SDK error has one of the given names. */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(awsErrorName(error));
}

/** The request id AWS gave a failed call, if any. */
export function requestIdOf(error: unknown): string | undefined {
  return (error as SdkError | undefined)?.$metadata?.requestId;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
  'KMSAccessDeniedException',
]);
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
]);

/** Turns any error into an EvsrcError with a one-line message and a hint a person can act on. */
export function toEvsrcError(error: unknown): EvsrcError {
  if (error instanceof EvsrcError) return error;
  const e = (error ?? {}) as SdkError;
  const name = awsErrorName(error);
  const api = e.evsrcApi;
  const requestId = requestIdOf(error);
  const message = (e.message || name).split('\n')[0] ?? name;
  const where = api ? ` (${api})` : '';
  const details = { awsErrorName: name, requestId, cause: error };

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new AwsFailure(`no AWS credentials found${where}`, {
      ...details,
      hint: 'set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for SSO profiles run `aws sso login` first)',
    });
  }
  if (/Region is missing/i.test(message)) {
    return new UsageError('no AWS region: pass --region <region> or set AWS_REGION', details);
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new AwsFailure(`${name}: ${message}${where}`, {
      ...details,
      hint: 'the credentials were refused: check the profile or keys, and refresh expired session tokens',
    });
  }
  if (ACCESS_DENIED.has(name)) {
    return new AwsFailure(`${name}: ${message}${where}`, {
      ...details,
      hint: api ? `the caller needs IAM permission for ${api}; see docs/iam.md (the IAM reference)` : 'the caller lacks an IAM permission; see docs/iam.md (the IAM reference)',
    });
  }
  const network = networkFailure(e, name, message, where, details);
  if (network) return network;
  const culprits = argumentPairs(error);
  if (culprits.length > 0) {
    // S3's "Unable to validate the following destination configurations" names each destination it
    // could not reach in ArgumentNameN (destination ARN) and ArgumentValueN (why).
    return new AwsFailure(`${name}: ${message}${where}: ${culprits.map(([n, v]) => `${n}${v ? ` (${v})` : ''}`).join('; ')}`, details);
  }
  return new AwsFailure(`${name}: ${message}${where}`, details);
}

// Node's codes for a certificate that the trusted CAs do not vouch for, or that does not name the host.
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const ENDPOINT_HINT = 'check --endpoint-url (or AWS_ENDPOINT_URL, or the profile\'s endpoint_url) and the proxy variables HTTPS_PROXY / HTTP_PROXY / NO_PROXY';

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Failures where no AWS answer arrived, each worded for what it was: no such host, nothing listening,
 * a dropped connection, a timeout (naming the flag that sets it), or an answer that is not from AWS.
 */
function networkFailure(e: SdkError, name: string, message: string, where: string, details: ErrorDetails): EvsrcError | undefined {
  const cause = e.cause as { code?: string; address?: string; port?: number } | undefined;
  const code = e.code ?? cause?.code;
  const endpoint = e.evsrcEndpoint;
  const at = endpoint ?? 'the AWS endpoint';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || name === 'UnknownEndpoint' || /getaddrinfo/i.test(message)) {
    return new AwsFailure(`cannot reach ${at}${where}: ${message}`, {
      ...details,
      hint: 'check --region (is it a real region?) and --endpoint-url',
    });
  }
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    // The refusing address may be a proxy's rather than the endpoint's: name the one that refused.
    const address = (e as { address?: string }).address ?? cause?.address;
    const port = (e as { port?: number }).port ?? cause?.port;
    const proxied = Boolean(endpoint && address && port && !endpoint.includes(`//${address}:${port}`));
    const refuser = proxied ? `${address}:${port}` : at;
    const via = proxied ? ` (on the way to ${endpoint})` : '';
    return new AwsFailure(`connection refused: nothing listens at ${refuser}${via}${where}`, { ...details, hint: `is the endpoint running? ${ENDPOINT_HINT}` });
  }
  if (code === 'EVSRC_PROXY_REFUSED') {
    // Set by the proxy agent (proxy.ts) when the proxy answered the CONNECT with another status than 200.
    const refusal = e as { proxy?: string; proxyStatus?: number; proxyStatusText?: string };
    return new AwsFailure(`the proxy ${refusal.proxy} refused to connect to ${at}: HTTP ${refusal.proxyStatus} ${refusal.proxyStatusText ?? ''}`.trimEnd() + where, {
      ...details,
      hint:
        refusal.proxyStatus === 407
          ? 'the proxy wants credentials: give them in the proxy URL (HTTPS_PROXY=http://user:password@host:port)'
          : 'the proxy does not carry this connection: check HTTPS_PROXY, and NO_PROXY for hosts to reach directly',
    });
  }
  // A TLS handshake that failed: the certificate is not trusted here, or no TLS answered at all.
  if (code && CERTIFICATE_CODES.has(code)) {
    return new AwsFailure(`the certificate of ${at} is not trusted: ${message}${where}`, {
      ...details,
      hint: 'a TLS-inspecting proxy or a private endpoint needs its CA: point AWS_CA_BUNDLE (or ca_bundle in the profile) at a PEM file of it; else check --endpoint-url',
    });
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|SSL routines/i.test(message)) {
    // OpenSSL's message is "write EPROTO <ids>:SSL routines:<function>:<reason>:<source file>:<line>:".
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message;
    return new AwsFailure(`the TLS handshake with ${at} failed (${reason})${where}`, {
      ...details,
      hint: `an endpoint that speaks plain HTTP (most emulators) needs an http:// URL; ${ENDPOINT_HINT}`,
    });
  }
  // node-http-handler names these TimeoutError too, but nothing timed out: the other side hung up.
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|ECONNRESET/i.test(message)) {
    return new AwsFailure(`the connection to ${at} was closed before an answer${where}`, {
      ...details,
      // The socket's code, not the handler's TimeoutError label (--output json shows this name).
      awsErrorName: code === 'EPIPE' ? 'EPIPE' : 'ECONNRESET',
      hint: `the endpoint or a proxy dropped the connection; ${ENDPOINT_HINT}`,
    });
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const timeouts = e.evsrcTimeouts;
    if (/establish a connection|connect ETIMEDOUT/i.test(message) || (code === 'ETIMEDOUT' && name !== 'TimeoutError')) {
      const limit = timeouts ? ` within ${seconds(timeouts.connectMs)}` : '';
      return new AwsFailure(`no connection to ${at}${limit}${where}`, {
        ...details,
        hint: `raise --cli-connect-timeout <seconds> (0 = no limit), or check the network: ${ENDPOINT_HINT}`,
      });
    }
    const limit = timeouts ? ` within ${seconds(timeouts.readMs)}` : '';
    return new AwsFailure(`${at} did not answer${limit}${where}`, {
      ...details,
      hint: `raise --cli-read-timeout <seconds> (0 = no limit), or check the endpoint: ${ENDPOINT_HINT}`,
    });
  }
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // A value AWS always writes in its own format that the SDK could not read (an emulator's date without a
  // time zone, say): the answer came from something that is not AWS, or not quite.
  if (name === 'TypeError' && /Invalid RFC-\d+ date-time value|date-time value/i.test(message)) {
    return new AwsFailure(`${at} answered${where} with a value no AWS service writes (${message})`, {
      ...details,
      hint: `an emulator may answer in a shape AWS does not (moto writes some dates without a time zone); against AWS, ${ENDPOINT_HINT}`,
    });
  }
  // The SDK's parsers name what they could not read: an answer in no AWS protocol.
  // Only for errors the SDK raised itself: an AWS error of a modelled name (ValidationException, …) may
  // quote a parser's words about the user's own JSON.
  const sdkRaised = ['Error', 'SyntaxError', 'TypeError', 'Unknown', 'UnknownError', 'CredentialsProviderError'].includes(name);
  const unreadable = sdkRaised && /XML parse error|Unexpected token|is not valid JSON|Invalid response from STS/i.test(message);
  if (name === 'NotAnAwsResponse' || ((name === 'SyntaxError' || name === 'Unknown' || name === 'UnknownError' || unreadable) && (status !== undefined || unreadable))) {
    const what = e.evsrcWhat ?? 'with something that is not an AWS response';
    return new AwsFailure(`${at} answered ${status === undefined ? '' : `HTTP ${status} `}${what}${where}`, {
      ...details,
      hint: `something other than AWS answered: ${ENDPOINT_HINT}`,
    });
  }
  return undefined;
}

/** The ArgumentNameN / ArgumentValueN pairs an S3 InvalidArgument error carries (the SDK copies extra XML fields onto the error). */
export function argumentPairs(error: unknown): [string, string][] {
  if (!error || typeof error !== 'object') return [];
  const e = error as Record<string, unknown>;
  const pairs: [string, string][] = [];
  for (let i = 1; i <= 50; i += 1) {
    const n = e[`ArgumentName${i}`];
    if (typeof n !== 'string') break;
    const v = e[`ArgumentValue${i}`];
    pairs.push([n, typeof v === 'string' ? v : '']);
  }
  if (pairs.length === 0 && typeof e.ArgumentName === 'string') pairs.push([e.ArgumentName, typeof e.ArgumentValue === 'string' ? e.ArgumentValue : '']);
  return pairs;
}

/**
 * True when a failed call may still have been carried out: no HTTP answer reached us (connection
 * dropped, timeout), the service answered 5xx, or the SDK retried (an earlier attempt may have been
 * carried out and its answer lost; the retry then meets "already exists" or a conflict).
 * A 4xx on the first attempt means the request was refused and changed nothing.
 */
export function isUnknownOutcome(error: unknown): boolean {
  const meta = (error as SdkError | undefined)?.$metadata;
  const status = meta?.httpStatusCode;
  if (status === undefined || status >= 500) return true;
  return (meta?.attempts ?? 1) > 1;
}

/** True when AWS refused a create because what it would create exists already (409 / "already exists"). */
export function isAlreadyExists(error: unknown): boolean {
  if (!isAwsError(error, 'ResourceConflictException', 'ResourceAlreadyExistsException', 'ConflictException')) return false;
  const message = error instanceof Error ? error.message : String((error as { message?: unknown } | undefined)?.message ?? '');
  return /already exists/i.test(message);
}

/**
 * The rule for writes: when the outcome is unknown (lost answer, timeout, 5xx, a conflict after a retry) or
 * AWS says the thing already exists (someone, maybe this run, made it), read back and act on what is there.
 */
export function shouldReadBack(error: unknown): boolean {
  return isUnknownOutcome(error) || isAlreadyExists(error);
}

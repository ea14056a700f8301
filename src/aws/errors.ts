import { AwsFailure, EvsrcError, UsageError } from '../core/errors.js';
import type { SdkError } from './session.js';

/** The AWS error name of an SDK error (its `name`, or the `Code` of query/XML protocols). */
export function awsErrorName(error: unknown): string {
  if (!error || typeof error !== 'object') return 'Error';
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
      hint: api ? `the caller needs IAM permission for ${api}; see "IAM permissions" in the README` : 'the caller lacks an IAM permission; see "IAM permissions" in the README',
    });
  }
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (code === 'ENOTFOUND' || name === 'UnknownEndpoint' || /getaddrinfo/i.test(message)) {
    return new AwsFailure(`cannot reach the AWS endpoint${where}: ${message}`, {
      ...details,
      hint: 'check --region (is it a real region?) and --endpoint-url',
    });
  }
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return new AwsFailure(`connection refused${where}: ${message}`, { ...details, hint: 'is the endpoint given with --endpoint-url running?' });
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new AwsFailure(`the AWS call timed out${where}`, details);
  }
  const culprits = argumentPairs(error);
  if (culprits.length > 0) {
    // S3's "Unable to validate the following destination configurations" names each destination it
    // could not reach in ArgumentNameN (destination ARN) and ArgumentValueN (why).
    return new AwsFailure(`${name}: ${message}${where}: ${culprits.map(([n, v]) => `${n}${v ? ` (${v})` : ''}`).join('; ')}`, details);
  }
  return new AwsFailure(`${name}: ${message}${where}`, details);
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
 * dropped, timeout) or the service answered 5xx. A 4xx means the request was refused and changed nothing.
 */
export function isUnknownOutcome(error: unknown): boolean {
  const status = (error as SdkError | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

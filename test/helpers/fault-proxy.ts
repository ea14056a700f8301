/**
 * A small fault-injecting HTTP proxy for integration tests. It sits between the AWS SDK and moto
 * server, forwards requests verbatim, and on request answers chosen AWS operations with
 * throttling errors, 5xx errors, dropped connections or any status, so retries and rollback can
 * be tested on real HTTP. Only node built-ins; loopback only.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** What a rule does to a matched request. */
export type FaultKind = 'throttle' | 'server-error' | 'drop' | 'status' | 'delay';

/** AWS wire protocol of a request, as far as the proxy can tell. */
export type AwsProtocol = 'awsJson' | 'awsQuery' | 'restJson' | 'restXml';

/**
 * Which requests a rule applies to. Every criterion given must hold; an empty match selects every
 * request. `pathIncludes` / `pathRegex` match when either the path alone or the full request
 * target (path plus `?query`, as sent) matches, so `'?notification'` and `/\/policy$/` both work.
 */
export interface FaultMatch {
  /** AWS operation name, e.g. 'GetQueueUrl', 'Subscribe', 'CreateEventSourceMapping'. */
  operation?: string;
  /** Signing name from the credential scope, e.g. 'sqs', 'lambda', 's3'. */
  service?: string;
  /** HTTP method, case-insensitive. */
  method?: string;
  pathIncludes?: string;
  pathRegex?: RegExp;
}

/** One fault to inject. */
export interface FaultRule {
  match: FaultMatch;
  fault: FaultKind;
  /** HTTP status: required for 'status'; overrides the default of 'throttle' / 'server-error'. */
  status?: number;
  /** Response body for 'status' (objects are sent as JSON); overrides the generated error body. */
  body?: string | object;
  /** Extra response headers for 'status', 'throttle' and 'server-error'. */
  headers?: Record<string, string>;
  /** Error code for 'throttle' / 'server-error' instead of the protocol default (e.g. 'LimitExceededException'). */
  code?: string;
  /** How many times the rule fires once it is armed (default 1; Infinity for always). */
  times?: number;
  /** Let the first N matching requests through untouched before firing. */
  after?: number;
  /**
   * Forward the request to the target first, so the write really happens there, and then replace
   * the answer with the fault (simulates "the write happened but the response was lost").
   */
  afterForward?: boolean;
  /** Hold the request this long before faulting or forwarding it (to provoke client timeouts). */
  delayMs?: number;
}

/** One request seen by the proxy, in arrival order. */
export interface ProxyCall {
  method: string;
  /** Request target as sent: path plus query string. */
  path: string;
  /** AWS operation name, or `METHOD /path` when a REST request is not recognised. */
  operation: string;
  /** Signing name from the Authorization credential scope, e.g. 'sqs'. */
  service: string | undefined;
  region: string | undefined;
  protocol: AwsProtocol;
  /** Status the client received; 0 while in flight or when the connection was dropped. */
  status: number;
  /** Set when a rule fired on this request. */
  injected?: FaultKind;
  /** True when the request reached the target (normal calls and afterForward faults). */
  forwarded: boolean;
  /** What the target answered, when forwarded (differs from `status` under afterForward). */
  upstreamStatus?: number;
}

/** Live view of an injected rule. */
export interface InjectedRule {
  readonly rule: FaultRule;
  /** Requests that matched so far (including the ones skipped by `after`). */
  readonly matched: number;
  /** Times the fault was applied. */
  readonly fired: number;
  /** Stops the rule from firing again. */
  remove(): void;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** http://127.0.0.1:PORT — use as the SDK endpoint. */
  readonly url: string;
  readonly port: number;
  /** Every request seen, in arrival order. The array is cleared in place by clear(). */
  readonly calls: ProxyCall[];
  /** Adds a rule; rules are checked in the order they were added and the first armed one fires. */
  inject(rule: FaultRule): InjectedRule;
  /** Removes all rules and empties the call log. */
  clear(): void;
  /** Calls whose operation is `operation`. */
  callsFor(operation: string): ProxyCall[];
  /** Stops listening and destroys open connections. */
  close(): Promise<void>;
  /**
   * Answers a repeated create the way AWS does: a second CreateEventSourceMapping for the same function and
   * source, or a second AddPermission with the same statement id, gets 409 ResourceConflictException instead
   * of being forwarded (moto would make a duplicate). Only creates seen through the proxy count; clear() forgets them.
   */
  setAwsConflicts(on: boolean): void;
}

interface RequestInfo {
  method: string;
  target: string;
  pathname: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  service: string | undefined;
  region: string | undefined;
  protocol: AwsProtocol;
  operation: string;
}

interface ActiveRule {
  rule: FaultRule;
  times: number;
  after: number;
  matched: number;
  fired: number;
  removed: boolean;
}

interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Headers that describe one hop, not the message; the proxy re-frames both legs itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

// Signing names whose APIs use the query protocol (Action=... form bodies).
const QUERY_SERVICES = new Set(['sns', 'iam', 'sts', 'ec2', 'cloudformation', 'cloudwatch', 'ses', 'elasticloadbalancing', 'rds']);

// X-Amz-Target prefixes, for logging a service when a request is not SigV4-signed.
const TARGET_PREFIX_SERVICE: Array<[string, string]> = [
  ['AmazonSQS', 'sqs'],
  ['DynamoDBStreams_', 'dynamodb'],
  ['DynamoDB_', 'dynamodb'],
  ['Kinesis_', 'kinesis'],
  ['AWSEvents', 'events'],
  ['Logs_', 'logs'],
];

// Lambda REST routes: [method, path pattern, operation]. Path segments are URL-encoded, so an ARN
// used as FunctionName (colons become %3A) still fits in one segment.
const SEG = '[^/]+';
const LAMBDA_ROUTES: Array<[string, RegExp, string]> = (
  [
    ['GET', '/2015-03-31/functions', 'ListFunctions'],
    ['POST', '/2015-03-31/functions', 'CreateFunction'],
    ['GET', `/2015-03-31/functions/${SEG}`, 'GetFunction'],
    ['DELETE', `/2015-03-31/functions/${SEG}`, 'DeleteFunction'],
    ['GET', `/2015-03-31/functions/${SEG}/configuration`, 'GetFunctionConfiguration'],
    ['PUT', `/2015-03-31/functions/${SEG}/configuration`, 'UpdateFunctionConfiguration'],
    ['PUT', `/2015-03-31/functions/${SEG}/code`, 'UpdateFunctionCode'],
    ['POST', `/2015-03-31/functions/${SEG}/invocations`, 'Invoke'],
    ['GET', `/2015-03-31/functions/${SEG}/policy`, 'GetPolicy'],
    ['POST', `/2015-03-31/functions/${SEG}/policy`, 'AddPermission'],
    ['DELETE', `/2015-03-31/functions/${SEG}/policy/${SEG}`, 'RemovePermission'],
    ['GET', `/2015-03-31/functions/${SEG}/versions`, 'ListVersionsByFunction'],
    ['POST', `/2015-03-31/functions/${SEG}/versions`, 'PublishVersion'],
    ['GET', `/2015-03-31/functions/${SEG}/aliases`, 'ListAliases'],
    ['POST', `/2015-03-31/functions/${SEG}/aliases`, 'CreateAlias'],
    ['GET', `/2015-03-31/functions/${SEG}/aliases/${SEG}`, 'GetAlias'],
    ['PUT', `/2015-03-31/functions/${SEG}/aliases/${SEG}`, 'UpdateAlias'],
    ['DELETE', `/2015-03-31/functions/${SEG}/aliases/${SEG}`, 'DeleteAlias'],
    ['GET', '/2015-03-31/event-source-mappings', 'ListEventSourceMappings'],
    ['POST', '/2015-03-31/event-source-mappings', 'CreateEventSourceMapping'],
    ['GET', `/2015-03-31/event-source-mappings/${SEG}`, 'GetEventSourceMapping'],
    ['PUT', `/2015-03-31/event-source-mappings/${SEG}`, 'UpdateEventSourceMapping'],
    ['DELETE', `/2015-03-31/event-source-mappings/${SEG}`, 'DeleteEventSourceMapping'],
    ['GET', '/2016-08-19/account-settings', 'GetAccountSettings'],
    ['GET', `/2017-03-31/tags/${SEG}`, 'ListTags'],
    ['POST', `/2017-03-31/tags/${SEG}`, 'TagResource'],
    ['DELETE', `/2017-03-31/tags/${SEG}`, 'UntagResource'],
  ] as Array<[string, string, string]>
).map(([method, path, op]) => [method, new RegExp(`^${path}/?$`), op]);

// S3 bucket sub-resources: query key -> operation per method.
const S3_BUCKET_SUBRESOURCES: Array<[string, Record<string, string>]> = [
  ['notification', { GET: 'GetBucketNotificationConfiguration', PUT: 'PutBucketNotificationConfiguration' }],
  ['location', { GET: 'GetBucketLocation' }],
  ['policy', { GET: 'GetBucketPolicy', PUT: 'PutBucketPolicy', DELETE: 'DeleteBucketPolicy' }],
  ['tagging', { GET: 'GetBucketTagging', PUT: 'PutBucketTagging', DELETE: 'DeleteBucketTagging' }],
  ['versioning', { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' }],
  ['versions', { GET: 'ListObjectVersions' }],
  ['uploads', { GET: 'ListMultipartUploads' }],
  ['acl', { GET: 'GetBucketAcl', PUT: 'PutBucketAcl' }],
  ['cors', { GET: 'GetBucketCors', PUT: 'PutBucketCors', DELETE: 'DeleteBucketCors' }],
  ['lifecycle', { GET: 'GetBucketLifecycleConfiguration', PUT: 'PutBucketLifecycleConfiguration', DELETE: 'DeleteBucketLifecycle' }],
  ['delete', { POST: 'DeleteObjects' }],
];

function s3Operation(method: string, pathname: string, query: URLSearchParams, headers: http.IncomingHttpHeaders): string {
  // The SDK tags many S3 requests with ?x-id=<Operation>; trust it when present.
  const xId = query.get('x-id');
  if (xId) return xId;
  // Path-style addressing: the SDK uses it for an IP endpoint such as the proxy's.
  const parts = pathname.split('/').filter((p) => p !== '');
  const bucket = parts[0];
  const hasKey = parts.length > 1;
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : `${method} ${pathname}`;
  if (!hasKey) {
    for (const [key, byMethod] of S3_BUCKET_SUBRESOURCES) {
      const op = query.has(key) ? byMethod[method] : undefined;
      if (op) return op;
    }
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return `${method} ${pathname}`;
  }
  if (query.has('tagging')) {
    const op = ({ GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' } as Record<string, string>)[method];
    if (op) return op;
  }
  if (query.has('uploads') && method === 'POST') return 'CreateMultipartUpload';
  if (query.has('uploadId')) {
    const op = ({ PUT: 'UploadPart', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload', GET: 'ListParts' } as Record<string, string>)[method];
    if (op) return op;
  }
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return `${method} ${pathname}`;
}

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Service and region from a SigV4 credential scope: `Credential=AKID/DATE/REGION/SERVICE/aws4_request`. */
function credentialScope(headers: http.IncomingHttpHeaders, query: URLSearchParams): { service?: string; region?: string } {
  const auth = headerValue(headers, 'authorization') ?? '';
  const fromHeader = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  if (fromHeader) return { region: fromHeader[1], service: fromHeader[2] };
  // Presigned URLs carry the same scope in the query string.
  const fromQuery = /^[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request$/.exec(query.get('X-Amz-Credential') ?? '');
  if (fromQuery) return { region: fromQuery[1], service: fromQuery[2] };
  return {};
}

function describeRequest(method: string, target: string, headers: http.IncomingHttpHeaders, body: Buffer): RequestInfo {
  const qIndex = target.indexOf('?');
  const pathname = qIndex === -1 ? target : target.slice(0, qIndex);
  const query = new URLSearchParams(qIndex === -1 ? '' : target.slice(qIndex + 1));
  let { service, region } = credentialScope(headers, query);
  const base = { method, target, pathname, query, headers, body, region };

  // awsJson 1.0/1.1 (SQS, DynamoDB, Kinesis): X-Amz-Target: <ServicePrefix>.<Operation>
  const amzTarget = headerValue(headers, 'x-amz-target');
  if (amzTarget) {
    if (!service) service = TARGET_PREFIX_SERVICE.find(([prefix]) => amzTarget.startsWith(prefix))?.[1];
    const operation = amzTarget.slice(amzTarget.lastIndexOf('.') + 1);
    return { ...base, service, protocol: 'awsJson', operation };
  }

  // awsQuery (SNS, IAM, STS): Action=<Operation> in a form body, or in the query string.
  const contentType = headerValue(headers, 'content-type') ?? '';
  const action = contentType.startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8')).get('Action')
    : null;
  const queryAction = action ?? query.get('Action');
  if (queryAction) return { ...base, service, protocol: 'awsQuery', operation: queryAction };
  if (service && QUERY_SERVICES.has(service)) {
    return { ...base, service, protocol: 'awsQuery', operation: `${method} ${pathname}` };
  }

  // restXml (S3) and restJson (Lambda and the rest): method + path.
  if (service === 's3') {
    return { ...base, service, protocol: 'restXml', operation: s3Operation(method, pathname, query, headers) };
  }
  const route = LAMBDA_ROUTES.find(([m, re]) => m === method && re.test(pathname));
  if (route) return { ...base, service: service ?? 'lambda', protocol: 'restJson', operation: route[2] };
  return { ...base, service, protocol: 'restJson', operation: `${method} ${pathname}` };
}

function testPath(match: FaultMatch, req: RequestInfo): boolean {
  if (match.pathIncludes !== undefined) {
    if (!req.pathname.includes(match.pathIncludes) && !req.target.includes(match.pathIncludes)) return false;
  }
  if (match.pathRegex !== undefined) {
    const re = match.pathRegex;
    // A /g or /y regex keeps lastIndex between calls; reset so each test starts fresh.
    re.lastIndex = 0;
    const onPath = re.test(req.pathname);
    re.lastIndex = 0;
    if (!onPath && !re.test(req.target)) return false;
  }
  return true;
}

function matches(match: FaultMatch, req: RequestInfo): boolean {
  if (match.operation !== undefined && match.operation !== req.operation) return false;
  if (match.service !== undefined && match.service !== req.service) return false;
  if (match.method !== undefined && match.method.toUpperCase() !== req.method) return false;
  return testPath(match, req);
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function jsonContentType(req: RequestInfo): string {
  // awsJson answers in the request's own media type (application/x-amz-json-1.0 or -1.1).
  const ct = headerValue(req.headers, 'content-type');
  return req.protocol === 'awsJson' && ct ? ct : 'application/json';
}

/** Builds an AWS error response in the wire format of the request's protocol. */
function errorResponse(
  req: RequestInfo,
  status: number,
  code: string,
  message: string,
  senderFault: boolean,
  extraJson: Record<string, string> = {},
): FaultResponse {
  const requestId = randomUUID();
  switch (req.protocol) {
    case 'awsQuery':
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<ErrorResponse><Error><Type>${senderFault ? 'Sender' : 'Receiver'}</Type>` +
          `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'restXml':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code>` +
          `<Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case 'restJson':
      return {
        status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: code, message, ...extraJson }),
      };
    case 'awsJson':
      return {
        status,
        headers: { 'content-type': jsonContentType(req), 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: code, message }),
      };
  }
}

/** The throttling error each protocol's services really send. */
function throttleResponse(req: RequestInfo, rule: FaultRule): FaultResponse {
  switch (req.protocol) {
    case 'restJson': {
      // Lambda: 429 TooManyRequestsException (Reason/Type are fields of Lambda's modeled error).
      const res = errorResponse(req, rule.status ?? 429, rule.code ?? 'TooManyRequestsException', 'Rate exceeded', true, {
        Reason: 'CallerRateLimitExceeded',
        Type: 'User',
      });
      res.headers['retry-after'] = '1';
      return res;
    }
    case 'restXml':
      return errorResponse(req, rule.status ?? 503, rule.code ?? 'SlowDown', 'Please reduce your request rate.', false);
    case 'awsQuery':
      return errorResponse(req, rule.status ?? 400, rule.code ?? 'Throttling', 'Rate exceeded', true);
    case 'awsJson':
      return errorResponse(req, rule.status ?? 400, rule.code ?? 'ThrottlingException', 'Rate exceeded', true);
  }
}

/** A generic internal failure in each protocol's format. */
function serverErrorResponse(req: RequestInfo, rule: FaultRule): FaultResponse {
  const status = rule.status ?? 500;
  switch (req.protocol) {
    case 'restJson':
      return errorResponse(req, status, rule.code ?? 'ServiceException', 'An internal error occurred (injected).', false, {
        Type: 'Service',
      });
    case 'restXml':
      return errorResponse(req, status, rule.code ?? 'InternalError', 'We encountered an internal error. Please try again.', false);
    case 'awsQuery':
      return errorResponse(req, status, rule.code ?? 'InternalError', 'An internal error occurred (injected).', false);
    case 'awsJson':
      return errorResponse(req, status, rule.code ?? 'InternalFailure', 'An internal error occurred (injected).', false);
  }
}

function statusResponse(req: RequestInfo, rule: FaultRule): FaultResponse {
  const status = rule.status ?? 500;
  const body = rule.body === undefined ? '' : typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body);
  const contentType =
    typeof rule.body === 'object' || req.protocol === 'restJson' || req.protocol === 'awsJson'
      ? jsonContentType(req)
      : 'text/xml';
  // A success carries a request id, as every AWS answer does (evsrc refuses one without it).
  const requestId = status >= 200 && status < 300 ? { [req.protocol === 'restXml' ? 'x-amz-request-id' : 'x-amzn-requestid']: randomUUID() } : {};
  return { status, headers: { 'content-type': contentType, ...requestId }, body };
}

function faultResponse(req: RequestInfo, rule: FaultRule): FaultResponse {
  let res: FaultResponse;
  if (rule.fault === 'throttle') res = throttleResponse(req, rule);
  else if (rule.fault === 'server-error') res = serverErrorResponse(req, rule);
  else res = statusResponse(req, rule);
  if (rule.body !== undefined && rule.fault !== 'status') {
    res.body = typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body);
  }
  return { ...res, headers: { ...res.headers, ...(rule.headers ?? {}) } };
}

function sendFault(res: http.ServerResponse, fault: FaultResponse): void {
  const body = Buffer.from(fault.body, 'utf8');
  res.writeHead(fault.status, { ...fault.headers, 'content-length': String(body.length) });
  res.end(body);
}

function validateRule(rule: FaultRule): void {
  const times = rule.times ?? 1;
  const after = rule.after ?? 0;
  if (!(times >= 1)) throw new Error(`fault rule: times must be >= 1 (got ${String(rule.times)})`);
  if (!(after >= 0) || !Number.isFinite(after)) throw new Error(`fault rule: after must be a finite number >= 0 (got ${String(rule.after)})`);
  if (rule.fault === 'status' && rule.status === undefined) throw new Error("fault rule: 'status' needs a status");
  if (rule.status !== undefined && (rule.status < 100 || rule.status > 599)) {
    throw new Error(`fault rule: status ${rule.status} is not an HTTP status`);
  }
}

/** A function name as the proxy keys it: the part after `function:` of an ARN, or the name as sent. */
function functionKey(raw: string): string {
  const name = decodeURIComponent(raw);
  const at = name.indexOf(':function:');
  return at === -1 ? name : name.slice(at + ':function:'.length);
}

/**
 * What an AWS-like conflict check needs of a request: the key of what it creates (create: true) or
 * deletes (create: false; for DeleteEventSourceMapping the key is the mapping UUID), and AWS's message.
 */
function conflictKey(req: RequestInfo): { key: string; create: boolean; message: string } | undefined {
  const json = (): Record<string, unknown> => {
    try {
      return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const segments = req.pathname.split('/');
  switch (req.operation) {
    case 'CreateEventSourceMapping': {
      const body = json();
      const fn = functionKey(String(body.FunctionName ?? ''));
      const source = String(body.EventSourceArn ?? '');
      return {
        key: `esm|${fn}|${source}`,
        create: true,
        message: `The event source arn (${source}) and function (${fn}) provided mapping already exists. Please update or delete the existing mapping.`,
      };
    }
    case 'AddPermission': {
      const sid = String(json().StatementId ?? '');
      return {
        key: `sid|${functionKey(segments[3] ?? '')}|${sid}`,
        create: true,
        message: `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      };
    }
    case 'RemovePermission':
      return { key: `sid|${functionKey(segments[3] ?? '')}|${decodeURIComponent(segments[5] ?? '')}`, create: false, message: '' };
    case 'DeleteEventSourceMapping':
      return { key: decodeURIComponent(segments[3] ?? ''), create: false, message: '' };
    default:
      return undefined;
  }
}

/**
 * Starts a proxy on a free 127.0.0.1 port that forwards to `target` (e.g. http://127.0.0.1:5000,
 * the moto endpoint) and injects the faults added with inject().
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`fault proxy: only http targets are supported (got ${target})`);
  // No keep-alive upstream: every forwarded request gets its own connection, so a dropped client
  // socket can never leave a half-used upstream connection behind.
  const agent = new http.Agent({ keepAlive: false });
  const rules: ActiveRule[] = [];
  const calls: ProxyCall[] = [];
  const sockets = new Set<net.Socket>();
  // Pending delayMs waits, so close() can end them instead of leaving handlers suspended.
  const waits = new Map<NodeJS.Timeout, () => void>();
  let closed = false;
  // AWS-like conflicts: what was created through the proxy, by key; mapping UUID -> key for deletes.
  let awsConflicts = false;
  const created = new Set<string>();
  const mappingKeys = new Map<string, string>();
  // Creates forwarded and not yet answered, by key: a racing create waits for the first one's outcome and
  // then conflicts (or goes ahead, when the first failed), as AWS answers only once one of them is stored.
  const inFlight = new Map<string, { done: Promise<void>; finish: () => void }>();

  const pickRule = (req: RequestInfo): ActiveRule | undefined => {
    // Every matching rule counts the request (so `after` means "after N matching requests",
    // whichever rule fired on them); the first armed rule in insertion order fires.
    let chosen: ActiveRule | undefined;
    for (const active of rules) {
      if (active.removed || !matches(active.rule.match, req)) continue;
      active.matched += 1;
      if (chosen === undefined && active.matched > active.after && active.fired < active.times) chosen = active;
    }
    if (chosen) chosen.fired += 1;
    return chosen;
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        waits.delete(t);
        resolve();
      }, ms);
      waits.set(t, resolve);
    });

  const forward = (
    info: RequestInfo,
    onResponse: (upRes: http.IncomingMessage) => void,
    onError: (err: Error) => void,
  ): void => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(info.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // The body was buffered, so its length is known even if the client sent it chunked.
    if (info.body.length > 0 || info.headers['content-length'] !== undefined) {
      headers['content-length'] = String(info.body.length);
    }
    const upReq = http.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: info.method,
        path: info.target,
        headers,
        agent,
        // Keep the client's Host header (moto builds URLs such as SQS queue URLs from it).
        setHost: false,
      },
      onResponse,
    );
    upReq.on('error', onError);
    upReq.end(info.body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> => {
    const info = describeRequest((req.method ?? 'GET').toUpperCase(), req.url ?? '/', req.headers, body);
    const call: ProxyCall = {
      method: info.method,
      path: info.target,
      operation: info.operation,
      service: info.service,
      region: info.region,
      protocol: info.protocol,
      status: 0,
      forwarded: false,
    };
    calls.push(call);
    const conflict = awsConflicts ? conflictKey(info) : undefined;
    while (conflict?.create && inFlight.has(conflict.key)) await inFlight.get(conflict.key)?.done;
    if (conflict?.create && created.has(conflict.key)) {
      call.status = 409;
      sendFault(res, errorResponse(info, 409, 'ResourceConflictException', conflict.message, true));
      return;
    }
    const settleInFlight = (): void => {
      if (!conflict?.create) return;
      const pending = inFlight.get(conflict.key);
      if (pending) {
        inFlight.delete(conflict.key);
        pending.finish();
      }
    };
    const remember = (status: number, body: Buffer): void => {
      if (!conflict) return;
      settleInFlight();
      if (status < 200 || status >= 300) {
        // The create was reserved when it was forwarded (so racing creates conflict); it did not happen.
        if (conflict.create) created.delete(conflict.key);
        return;
      }
      if (conflict.create) {
        created.add(conflict.key);
        if (info.operation === 'CreateEventSourceMapping') {
          try {
            const uuid = (JSON.parse(body.toString('utf8')) as { UUID?: string }).UUID;
            if (uuid) mappingKeys.set(uuid, conflict.key);
          } catch {
            // not JSON: nothing to remember
          }
        }
      } else {
        const key = mappingKeys.get(conflict.key) ?? conflict.key;
        created.delete(key);
      }
    };
    const active = pickRule(info);
    const picked = active?.rule;
    if (picked) call.injected = picked.fault;
    if (picked?.delayMs) await wait(picked.delayMs);
    if (closed || req.socket.destroyed) return;
    // 'delay' only holds the request (delayMs), then forwards it and its answer untouched.
    const rule = picked?.fault === 'delay' ? undefined : picked;

    const applyFault = (r: FaultRule): void => {
      if (r.fault === 'drop') {
        req.socket.destroy();
        return;
      }
      const fault = faultResponse(info, r);
      call.status = fault.status;
      sendFault(res, fault);
    };

    if (rule && !rule.afterForward) {
      applyFault(rule);
      return;
    }

    call.forwarded = true;
    if (conflict?.create) {
      created.add(conflict.key);
      let finish = (): void => {};
      const done = new Promise<void>((resolve) => (finish = resolve));
      inFlight.set(conflict.key, { done, finish });
    }
    forward(
      info,
      (upRes) => {
        call.upstreamStatus = upRes.statusCode ?? 0;
        const chunks: Buffer[] = [];
        if (conflict) {
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => remember(call.upstreamStatus ?? 0, Buffer.concat(chunks)));
        }
        if (rule) {
          // afterForward: let the target finish the write, then lose or replace its answer.
          upRes.resume();
          upRes.on('end', () => applyFault(rule));
          upRes.on('error', () => applyFault(rule));
          return;
        }
        const outHeaders: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upRes.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) outHeaders[name] = value;
        }
        call.status = upRes.statusCode ?? 0;
        res.writeHead(call.status, upRes.statusMessage, outHeaders);
        upRes.pipe(res);
        upRes.on('error', () => req.socket.destroy());
      },
      (err) => {
        if (conflict?.create) created.delete(conflict.key);
        settleInFlight();
        // The target is unreachable: answer like a gateway would, so the test sees why.
        if (res.headersSent) {
          req.socket.destroy();
          return;
        }
        call.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: cannot reach ${target}: ${err.message}`);
      },
    );
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fault proxy error: ${String(err)}`);
        } else {
          req.socket.destroy();
        }
      });
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that vanished mid-request is part of the game here, not a proxy failure.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no listening port');
  const port = address.port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    inject(rule: FaultRule): InjectedRule {
      validateRule(rule);
      const active: ActiveRule = {
        rule,
        times: rule.times ?? 1,
        after: rule.after ?? 0,
        matched: 0,
        fired: 0,
        removed: false,
      };
      rules.push(active);
      return {
        rule,
        get matched() {
          return active.matched;
        },
        get fired() {
          return active.fired;
        },
        remove() {
          active.removed = true;
          const i = rules.indexOf(active);
          if (i !== -1) rules.splice(i, 1);
        },
      };
    },
    clear(): void {
      for (const r of rules) r.removed = true;
      rules.length = 0;
      calls.length = 0;
      created.clear();
      mappingKeys.clear();
    },
    callsFor(operation: string): ProxyCall[] {
      return calls.filter((c) => c.operation === operation);
    },
    setAwsConflicts(on: boolean): void {
      awsConflicts = on;
      created.clear();
      mappingKeys.clear();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const [t, resolve] of waits) {
        clearTimeout(t);
        resolve();
      }
      waits.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      await done;
    },
  };
}

/** A fault proxy in front of the file's moto server, started after it (beforeAll) and closed (afterAll). */
export function useFaultProxy(moto: { readonly endpoint: string }): FaultProxy {
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const current = (): FaultProxy => {
    if (!proxy) throw new Error('the fault proxy is not started yet: use it inside tests and hooks');
    return proxy;
  };
  return {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    get calls() {
      return current().calls;
    },
    inject: (rule) => current().inject(rule),
    clear: () => current().clear(),
    callsFor: (operation) => current().callsFor(operation),
    close: () => current().close(),
    setAwsConflicts: (on) => current().setAwsConflicts(on),
  };
}

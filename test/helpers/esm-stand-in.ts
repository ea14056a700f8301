/**
 * A stand-in for Lambda's event-source-mapping endpoints, for the mapping kinds moto refuses (Amazon MSK,
 * self-managed Apache Kafka, Amazon MQ, DocumentDB: moto answers "Invalid EventSourceArn"). It is a small HTTP
 * server in front of moto: Create/Get/List/Update/DeleteEventSourceMapping and the tag calls of those kinds are
 * answered here, in Lambda's REST JSON response shape; every other request (functions, policies, queues, MSK
 * clusters, MQ brokers, mappings of SQS and streams) is forwarded to moto untouched. ListEventSourceMappings
 * returns moto's mappings and the stand-in's together.
 *
 * It refuses what the Lambda API reference and developer guide document it refuses for these kinds: a missing
 * function (404), a second mapping of the same source, topic or queue (or database and collection) and function
 * (409 ResourceConflictException), EventSourceArn and SelfManagedEventSource together or neither, a Topics or
 * Queues list that is not exactly one name, a missing StartingPosition for Kafka and DocumentDB or one for MQ,
 * AT_TIMESTAMP without a timestamp, out-of-range batch size and window, stream-only parameters, a VIRTUAL_HOST
 * in an update, and an unknown UUID (404). It is not Lambda: it never reads a cluster, broker or secret.
 * Only node built-ins; loopback only.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

type Mapping = Record<string, any>;

/** A running stand-in. */
export interface EsmStandIn {
  /** http://127.0.0.1:PORT — use as the SDK endpoint (or as the fault proxy's target). */
  readonly endpoint: string;
  readonly port: number;
  /** The mappings the stand-in holds (Lambda's response shape), by UUID. */
  mappings(): Mapping[];
  /** The mapping operations it answered itself, in order ('CreateEventSourceMapping 201', …). */
  readonly answered: string[];
  /** Forgets every mapping and tag (with moto's reset, a clean world). */
  reset(): void;
  close(): Promise<void>;
}

const ESM_PATH = /^\/2015-03-31\/event-source-mappings\/?$/;
const ESM_ONE = /^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/;
const TAGS = /^\/2017-03-31\/tags\/([^/]+)\/?$/;

/** The kind of source a create names, or undefined for kinds moto handles itself. */
function kindOf(body: Mapping): 'msk' | 'kafka' | 'mq' | 'documentdb' | undefined {
  if (body.SelfManagedEventSource) return 'kafka';
  const service = String(body.EventSourceArn ?? '').split(':')[2];
  if (service === 'kafka') return 'msk';
  if (service === 'mq') return 'mq';
  if (service === 'rds') return 'documentdb';
  return undefined;
}

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new LambdaError(400, 'InvalidParameterValueException', message);

function checkRange(body: Mapping, key: string, min: number, max: number): void {
  const v = body[key];
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
    throw invalid(`1 validation error detected: Value '${String(v)}' at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
}

/** The identity Lambda refuses a second mapping of: source, function, and topic, queue or database/collection. */
function identity(m: Mapping): string {
  const source = m.EventSourceArn ?? [...(m.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS ?? [])].sort().join(',');
  const doc = m.DocumentDBEventSourceConfig ? `${m.DocumentDBEventSourceConfig.DatabaseName}/${m.DocumentDBEventSourceConfig.CollectionName ?? ''}` : '';
  return `${source}|${m.FunctionArn}|${(m.Topics ?? []).join(',')}|${(m.Queues ?? []).join(',')}|${doc}`;
}

/** Checks a create the way Lambda does for these kinds (before the function is looked up). */
function checkCreate(body: Mapping, kind: NonNullable<ReturnType<typeof kindOf>>): void {
  if (body.EventSourceArn && body.SelfManagedEventSource) throw invalid('Specify either EventSourceArn or SelfManagedEventSource, not both.');
  const kafka = kind === 'msk' || kind === 'kafka';
  if (kafka && (!Array.isArray(body.Topics) || body.Topics.length !== 1)) throw invalid('Topics must contain exactly one topic for a Kafka event source.');
  if (!kafka && body.Topics !== undefined) throw invalid('Topics is only supported for Kafka event sources.');
  if (kind === 'mq' && (!Array.isArray(body.Queues) || body.Queues.length !== 1)) throw invalid('Queues must contain exactly one queue for an Amazon MQ event source.');
  if (kind !== 'mq' && body.Queues !== undefined) throw invalid('Queues is only supported for Amazon MQ event sources.');
  if (kind === 'mq' && body.StartingPosition !== undefined) throw invalid('StartingPosition is not supported for Amazon MQ event sources.');
  if (kind !== 'mq' && !body.StartingPosition) throw invalid('StartingPosition is required for this event source.');
  if (body.StartingPosition === 'AT_TIMESTAMP' && body.StartingPositionTimestamp === undefined) throw invalid('StartingPositionTimestamp is required with AT_TIMESTAMP.');
  if (body.StartingPositionTimestamp !== undefined && body.StartingPosition !== 'AT_TIMESTAMP') throw invalid('StartingPositionTimestamp is only valid with AT_TIMESTAMP.');
  if (typeof body.StartingPositionTimestamp === 'number' && body.StartingPositionTimestamp * 1000 > Date.now()) throw invalid('StartingPositionTimestamp cannot be in the future.');
  if (kind === 'documentdb' && !body.DocumentDBEventSourceConfig?.DatabaseName) throw invalid('DocumentDBEventSourceConfig.DatabaseName is required.');
  if (kind === 'mq' && !(body.SourceAccessConfigurations ?? []).some((a: Mapping) => a.Type === 'BASIC_AUTH')) throw invalid('An Amazon MQ event source needs a BASIC_AUTH secret.');
  if (body.AmazonManagedKafkaEventSourceConfig && kind !== 'msk') throw invalid('AmazonManagedKafkaEventSourceConfig is only supported for Amazon MSK.');
  if (body.SelfManagedKafkaEventSourceConfig && kind !== 'kafka') throw invalid('SelfManagedKafkaEventSourceConfig is only supported for self-managed Kafka.');
  checkCommon(body, kind);
}

function checkCommon(body: Mapping, kind: NonNullable<ReturnType<typeof kindOf>>): void {
  checkRange(body, 'BatchSize', 1, 10000);
  checkRange(body, 'MaximumBatchingWindowInSeconds', 0, 300);
  for (const key of ['ParallelizationFactor', 'TumblingWindowInSeconds', 'ScalingConfig']) {
    if (body[key] !== undefined) throw invalid(`${key} is not supported for this event source.`);
  }
  if (kind === 'mq' || kind === 'documentdb') {
    for (const key of ['MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'DestinationConfig', 'ProvisionedPollerConfig']) {
      if (body[key] !== undefined) throw invalid(`${key} is not supported for this event source.`);
    }
  }
  checkRange(body, 'MaximumRetryAttempts', -1, 10000);
  checkRange(body, 'MaximumRecordAgeInSeconds', -1, 604800);
  const pollers = body.ProvisionedPollerConfig;
  if (pollers && Object.keys(pollers).length > 0) {
    checkRange(pollers, 'MinimumPollers', 1, 200);
    checkRange(pollers, 'MaximumPollers', 1, 2000);
  }
}

/** Starts a stand-in on a free 127.0.0.1 port in front of `target` (moto). */
export async function startEsmStandIn(target: string): Promise<EsmStandIn> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: false });
  const mappings = new Map<string, Mapping>();
  const tags = new Map<string, Record<string, string>>();
  const answered: string[] = [];
  const sockets = new Set<net.Socket>();

  const forward = (req: http.IncomingMessage, body: Buffer, path = req.url ?? '/', method = req.method ?? 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers, 'content-length': String(method === req.method ? body.length : 0) };
      delete headers.connection;
      delete headers['transfer-encoding'];
      const up = http.request({ hostname: upstream.hostname, port: upstream.port, method, path, headers, agent, setHost: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(method === req.method ? body : undefined);
    });

  /** The function's ARN as moto knows it (GetFunctionConfiguration), with the qualifier asked; 404 when missing. */
  const functionArn = async (req: http.IncomingMessage, name: string): Promise<string> => {
    const m = /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:)?([^:]+)(?::([^:]+))?$/.exec(name) ?? /^\d{12}:function:([^:]+)(?::([^:]+))?$/.exec(name);
    const base = m?.[2] ?? name;
    const qualifier = m?.[3];
    const res = await forward(req, Buffer.alloc(0), `/2015-03-31/functions/${encodeURIComponent(base)}/configuration${qualifier ? `?Qualifier=${encodeURIComponent(qualifier)}` : ''}`, 'GET');
    if (res.status !== 200) throw new LambdaError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    const arn = String((JSON.parse(res.body.toString('utf8')) as Mapping).FunctionArn ?? '').replace(/:\$LATEST$/, '');
    return qualifier && !arn.endsWith(`:${qualifier}`) ? `${arn}:${qualifier}` : arn;
  };

  /** What Get shows: a mapping leaves Creating/Updating/Enabling/Disabling when read, and is gone after Deleting. */
  const settle = (uuid: string): Mapping | undefined => {
    const m = mappings.get(uuid);
    if (!m) return undefined;
    if (m.State === 'Deleting') {
      mappings.delete(uuid);
      tags.delete(uuid);
      return undefined;
    }
    if (m.State === 'Creating' || m.State === 'Updating' || m.State === 'Enabling') m.State = m.Enabled === false ? 'Disabled' : 'Enabled';
    if (m.State === 'Disabling') m.State = 'Disabled';
    return m;
  };

  const view = (m: Mapping): Mapping => {
    const { Enabled: _enabled, ...rest } = m;
    return rest;
  };

  const create = async (req: http.IncomingMessage, body: Mapping): Promise<[number, Mapping]> => {
    const kind = kindOf(body)!;
    checkCreate(body, kind);
    const fnArn = await functionArn(req, String(body.FunctionName ?? ''));
    const uuid = randomUUID();
    const region = fnArn.split(':')[3] ?? 'us-east-1';
    const account = fnArn.split(':')[4] ?? '123456789012';
    const { FunctionName: _fn, Tags: given, Enabled, ...settings } = body;
    const m: Mapping = {
      UUID: uuid,
      ...settings,
      FunctionArn: fnArn,
      BatchSize: body.BatchSize ?? 100,
      LastModified: Date.now() / 1000,
      State: 'Creating',
      StateTransitionReason: 'USER_INITIATED',
      LastProcessingResult: 'No records processed',
      EventSourceMappingArn: `arn:aws:lambda:${region}:${account}:event-source-mapping:${uuid}`,
      Enabled: Enabled !== false,
    };
    // Lambda names the consumer group after the mapping when none is given.
    if (kind === 'msk') m.AmazonManagedKafkaEventSourceConfig = { ...(body.AmazonManagedKafkaEventSourceConfig ?? {}), ConsumerGroupId: body.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ?? uuid };
    if (kind === 'kafka') m.SelfManagedKafkaEventSourceConfig = { ...(body.SelfManagedKafkaEventSourceConfig ?? {}), ConsumerGroupId: body.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId ?? uuid };
    const same = [...mappings.values()].find((o) => o.State !== 'Deleting' && identity(o) === identity(m));
    if (same) {
      throw new LambdaError(
        409,
        'ResourceConflictException',
        `An event source mapping with event source ("${m.EventSourceArn ?? 'self-managed Kafka'}"), function ("${fnArn}") and ${m.Topics ? `topics ("${m.Topics.join(',')}")` : m.Queues ? `queues ("${m.Queues.join(',')}")` : 'database'} already exists. Please update or delete the existing mapping with UUID ${same.UUID}`,
      );
    }
    mappings.set(uuid, m);
    if (given && Object.keys(given).length > 0) tags.set(uuid, { ...given });
    return [202, view(m)];
  };

  const update = (uuid: string, body: Mapping): [number, Mapping] => {
    const m = settle(uuid);
    if (!m) throw new LambdaError(404, 'ResourceNotFoundException', `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`);
    for (const key of ['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'Topics', 'Queues', 'SelfManagedEventSource', 'Tags']) {
      if (body[key] !== undefined) throw invalid(`${key} cannot be updated.`);
    }
    if ((body.SourceAccessConfigurations ?? []).some((a: Mapping) => a.Type === 'VIRTUAL_HOST')) throw invalid('VIRTUAL_HOST cannot be specified in an UpdateEventSourceMapping request.');
    if (body.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId !== undefined || body.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId !== undefined) {
      throw invalid('ConsumerGroupId cannot be updated.');
    }
    checkCommon(body, kindOf(m)!);
    const { UUID: _u, FunctionName, Enabled, ...changes } = body;
    if (FunctionName !== undefined) throw invalid('evsrc stand-in: retargeting a mapping is not modelled');
    for (const [k, v] of Object.entries(changes)) {
      if (k === 'SourceAccessConfigurations') {
        // The virtual host is kept: it cannot be changed.
        const host = (m.SourceAccessConfigurations ?? []).filter((a: Mapping) => a.Type === 'VIRTUAL_HOST');
        m[k] = [...(v as Mapping[]), ...host];
      } else if (k === 'DocumentDBEventSourceConfig') m[k] = { ...m[k], ...(v as Mapping) };
      else if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) delete m[k];
      else m[k] = v;
    }
    if (Enabled !== undefined) m.Enabled = Enabled;
    m.State = 'Updating';
    m.LastModified = Date.now() / 1000;
    return [202, view(m)];
  };

  const list = async (req: http.IncomingMessage, body: Buffer, url: URL): Promise<[number, Mapping]> => {
    const fn = url.searchParams.get('FunctionName');
    const source = url.searchParams.get('EventSourceArn');
    let fnArn: string | undefined;
    if (fn) {
      try {
        fnArn = await functionArn(req, fn);
      } catch {
        fnArn = undefined;
      }
    }
    const own = [...mappings.keys()]
      .map(settle)
      .filter((m): m is Mapping => m !== undefined)
      .filter((m) => (!fn || m.FunctionArn === fnArn) && (!source || m.EventSourceArn === source))
      .map(view);
    const upstreamRes = await forward(req, body);
    let theirs: Mapping[] = [];
    if (upstreamRes.status === 200) theirs = (JSON.parse(upstreamRes.body.toString('utf8')) as Mapping).EventSourceMappings ?? [];
    return [200, { EventSourceMappings: [...theirs, ...own] }];
  };

  const handleTags = (method: string, uuid: string, url: URL, body: Mapping): [number, Mapping] => {
    const current = tags.get(uuid) ?? {};
    if (method === 'GET') return [200, { Tags: current }];
    if (method === 'POST') {
      tags.set(uuid, { ...current, ...(body.Tags ?? {}) });
      return [204, {}];
    }
    const keys = url.searchParams.getAll('tagKeys');
    tags.set(uuid, Object.fromEntries(Object.entries(current).filter(([k]) => !keys.includes(k))));
    return [204, {}];
  };

  /** The answer for a request the stand-in owns, or undefined to forward it. */
  const answer = async (req: http.IncomingMessage, raw: Buffer): Promise<[string, number, Mapping] | undefined> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const json = (): Mapping => (raw.length ? (JSON.parse(raw.toString('utf8')) as Mapping) : {});
    if (ESM_PATH.test(url.pathname)) {
      if (method === 'POST') {
        const body = json();
        if (!kindOf(body)) return undefined;
        return ['CreateEventSourceMapping', ...(await create(req, body))];
      }
      if (method === 'GET') return ['ListEventSourceMappings', ...(await list(req, raw, url))];
      return undefined;
    }
    const one = ESM_ONE.exec(url.pathname);
    if (one) {
      const uuid = decodeURIComponent(one[1] ?? '');
      if (!mappings.has(uuid)) return undefined;
      if (method === 'GET') {
        const m = settle(uuid);
        if (!m) throw new LambdaError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return ['GetEventSourceMapping', 200, view(m)];
      }
      if (method === 'PUT') return ['UpdateEventSourceMapping', ...update(uuid, json())];
      if (method === 'DELETE') {
        const m = settle(uuid);
        if (!m) throw new LambdaError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        if (m.State === 'Creating' || m.State === 'Updating') throw new LambdaError(400, 'ResourceInUseException', `Cannot delete the event source mapping because it is in use.`);
        m.State = 'Deleting';
        return ['DeleteEventSourceMapping', 202, view(m)];
      }
      return undefined;
    }
    const tagged = TAGS.exec(url.pathname);
    if (tagged) {
      const uuid = /:event-source-mapping:([^:]+)$/.exec(decodeURIComponent(tagged[1] ?? ''))?.[1];
      if (!uuid || !mappings.has(uuid)) return undefined;
      return [`${method} tags`, ...handleTags(method, uuid, url, json())];
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      void (async () => {
        try {
          const owned = await answer(req, raw);
          if (owned) {
            const [operation, status, body] = owned;
            answered.push(`${operation} ${status}`);
            const text = status === 204 ? '' : JSON.stringify(body);
            res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(text)) });
            res.end(text);
            return;
          }
          const up = await forward(req, raw);
          // moto writes an MSK cluster's creationTime without a time zone, which the SDK refuses to parse
          // (RFC 3339 needs one): that one field is given the UTC zone moto meant. Nothing else is changed.
          if (/^\/(api\/v2|v1)\/clusters/.test(req.url ?? '')) {
            up.body = Buffer.from(up.body.toString('utf8').replace(/("creationTime": ?"\d{4}-\d\d-\d\dT[\d:.]+)"/g, '$1Z"'));
          }
          const headers = { ...up.headers };
          delete headers['transfer-encoding'];
          delete headers.connection;
          headers['content-length'] = String(up.body.length);
          res.writeHead(up.status, headers);
          res.end(up.body);
        } catch (error) {
          const e = error instanceof LambdaError ? error : new LambdaError(500, 'ServiceException', String(error));
          answered.push(`error ${e.status} ${e.code}`);
          const text = JSON.stringify({ Type: e.status >= 500 ? 'Service' : 'User', message: e.message });
          res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.code, 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
        }
      })();
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('stand-in: no listening port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    mappings: () => [...mappings.values()].map(view),
    answered,
    reset() {
      mappings.clear();
      tags.clear();
      answered.length = 0;
    },
    async close() {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      await done;
    },
  };
}

/** A stand-in in front of the file's moto server, started after it (beforeAll) and closed (afterAll). */
export function useEsmStandIn(moto: { readonly endpoint: string }): EsmStandIn {
  let standIn: EsmStandIn | undefined;
  beforeAll(async () => {
    standIn = await startEsmStandIn(moto.endpoint);
  });
  afterAll(async () => {
    await standIn?.close();
  });
  const current = (): EsmStandIn => {
    if (!standIn) throw new Error('the stand-in is not started yet: use it inside tests and hooks');
    return standIn;
  };
  return {
    get endpoint() {
      return current().endpoint;
    },
    get port() {
      return current().port;
    },
    mappings: () => current().mappings(),
    get answered() {
      return current().answered;
    },
    reset: () => current().reset(),
    close: () => current().close(),
  };
}

import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import { parseRegion } from '../core/url.js';
import { proxyEnv } from './network.js';
import { checkConfiguredEndpoints, checkProfile, configuredEndpoint, profileSettings, readSharedFiles, type SharedFiles } from './profile.js';

/** The AWS services evsrc talks to. */
export type ServiceName = 'lambda' | 'sqs' | 's3' | 'sns' | 'dynamodb' | 'kinesis' | 'events' | 'logs' | 'kafka' | 'mq' | 'docdb';

/** Where and as whom evsrc calls AWS. */
export interface AwsSettings {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  verbose?: boolean;
  /** Receives one line per AWS call when verbose (service, operation, duration); never credentials. */
  log?: (line: string) => void;
  /** Receives one-line notes worth showing without --verbose (which credentials are used). */
  note?: (line: string) => void;
  /** Connect and read (socket inactivity) timeouts in ms; 0 = none. Default: the AWS CLI's 60 s each. */
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** The environment to read proxy, CA bundle, profile and endpoint variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Options of one call. */
export interface CallOptions {
  /** Call the service in this region instead of the session's (an SNS topic's region, a function ARN's region). */
  region?: string;
}

/** An SDK error as it reaches evsrc: a name, a message, and metadata where AWS answered. */
export interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $fault?: 'client' | 'server';
  Code?: string;
  code?: string;
  /** The `service:Operation` evsrc was calling when it failed. */
  evsrcApi?: string;
  /** The endpoint (scheme://host[:port]) the failed request went to. */
  evsrcEndpoint?: string;
  /** How an answer that is not AWS's is described after its status ('with an HTML page that …'), set where evsrc refused it. */
  evsrcWhat?: string;
  /** The request handler's timeouts in ms (to word a timeout). */
  evsrcTimeouts?: { connectMs: number; readMs: number };
  $response?: { statusCode?: number; headers?: Record<string, string>; body?: unknown };
}

type SdkModule = Record<string, unknown>;
type SdkClient = {
  send(command: unknown): Promise<unknown>;
  config: { region: () => Promise<string> };
  middlewareStack: {
    add(mw: (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => Promise<unknown>, opts: { step: string; name: string; priority?: string }): void;
  };
  destroy(): void;
};

// Each SDK client costs 65-115 ms to load; only the services a command uses are ever imported, and of
// each only the operations evsrc calls (src/aws/sdk/<service>.ts), so the bundle leaves the rest out.
const LOADERS: Record<ServiceName, () => Promise<SdkModule>> = {
  lambda: () => import('./sdk/lambda.js') as Promise<SdkModule>,
  sqs: () => import('./sdk/sqs.js') as Promise<SdkModule>,
  s3: () => import('./sdk/s3.js') as Promise<SdkModule>,
  sns: () => import('./sdk/sns.js') as Promise<SdkModule>,
  dynamodb: () => import('./sdk/dynamodb.js') as Promise<SdkModule>,
  kinesis: () => import('./sdk/kinesis.js') as Promise<SdkModule>,
  events: () => import('./sdk/events.js') as Promise<SdkModule>,
  logs: () => import('./sdk/logs.js') as Promise<SdkModule>,
  kafka: () => import('./sdk/kafka.js') as Promise<SdkModule>,
  mq: () => import('./sdk/mq.js') as Promise<SdkModule>,
  docdb: () => import('./sdk/docdb.js') as Promise<SdkModule>,
};

const CLIENT_CLASS: Record<ServiceName, string> = {
  lambda: 'LambdaClient',
  sqs: 'SQSClient',
  s3: 'S3Client',
  sns: 'SNSClient',
  dynamodb: 'DynamoDBClient',
  kinesis: 'KinesisClient',
  events: 'EventBridgeClient',
  logs: 'CloudWatchLogsClient',
  kafka: 'KafkaClient',
  mq: 'MqClient',
  docdb: 'DocDBClient',
};

type CredentialProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; expiration?: Date }>;

/** What every client shares: the profile's settings and how to make a request handler. */
interface Setup {
  files?: SharedFiles;
  profile: Record<string, string>;
  /** True when S3 has a custom endpoint (flag, AWS_ENDPOINT_URL[_S3], the profile's endpoint_url). */
  customS3Endpoint: boolean;
  requestHandler(): Promise<unknown>;
}

const TIMEOUT_DEFAULT_MS = 60_000;

/**
 * One session per command: settings, one shared credential provider, and SDK clients created on first use.
 * Every AWS call of evsrc goes through `call`, so verbose logging and call counting live here.
 */
export class AwsSession {
  readonly settings: AwsSettings;
  /** AWS calls made so far (for --verbose and the benchmark). */
  callCount = 0;
  private readonly modules = new Map<ServiceName, Promise<SdkModule>>();
  private readonly clients = new Map<string, Promise<SdkClient>>();
  private credentials?: Promise<CredentialProvider>;
  private regionPromise?: Promise<string>;
  private setupPromise?: Promise<Setup>;
  /** Agents evsrc made itself (proxy, CA bundle) and the credential provider's handler: closed by close(). */
  private readonly agents: { destroy(): void }[] = [];

  constructor(settings: AwsSettings) {
    this.settings = settings;
  }

  /** The region of this session: --region, else the SDK's chain (environment, profile); none is a usage error. */
  region(): Promise<string> {
    this.regionPromise ??= (async () => {
      if (this.settings.region) return this.settings.region;
      const client = await this.client('lambda');
      let region: string | undefined;
      try {
        region = await client.config.region();
      } catch {
        // fall through to the usage error below
      }
      // From the profile (the flag and the environment were checked by the CLI): named as such.
      if (region) return parseRegion(`region of profile ${this.settings.profile ?? this.env.AWS_PROFILE ?? 'default'}`, region);
      throw new UsageError('no AWS region: pass --region <region> or set AWS_REGION (or a region in your AWS profile)');
    })();
    return this.regionPromise;
  }

  /** Calls `service:operation` with `input` and returns the SDK's output. */
  async call<T = Record<string, unknown>>(service: ServiceName, operation: string, input: object, options: CallOptions = {}): Promise<T> {
    const [client, mod] = await Promise.all([this.client(service, options.region), this.module(service)]);
    const Command = mod[`${operation}Command`] as (new (input: object) => unknown) | undefined;
    if (!Command) throw new Error(`internal: ${service}:${operation} is not an SDK command`);
    this.callCount += 1;
    try {
      return (await client.send(new Command(input))) as T;
    } catch (error) {
      // A failure of the credential provider's own call (sts:AssumeRole) keeps that name.
      if (error && typeof error === 'object') (error as SdkError).evsrcApi ??= `${service}:${operation}`;
      throw error;
    }
  }

  /**
   * Loads the SDK code of these services ahead of their first call, one after another, in the order
   * given. It starts once the clients already asked for are built (their first requests are on their
   * way), so the loading fills the wait for their answers instead of delaying the calls that follow.
   * `wanted` is asked before each load: a service that turned out not to be needed is skipped, so the
   * CPU spent on code that is never used is bounded by that wait. A failed load shows at the first call.
   */
  preload(services: readonly ServiceName[], wanted: (service: ServiceName) => boolean = () => true): void {
    const asked = [...this.clients.values()];
    void Promise.allSettled(asked).then(async () => {
      for (const service of services) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.modules.has(service) || !wanted(service)) continue;
        await this.module(service).catch(() => {});
      }
    });
  }

  /** Drains a paginated list call inside the wrapper and returns all items. */
  async paginate<T>(
    service: ServiceName,
    operation: string,
    input: Record<string, unknown>,
    page: { inputToken: string; outputToken: string; items: string },
    options: CallOptions = {},
  ): Promise<T[]> {
    const all: T[] = [];
    let token: unknown;
    const seen = new Set<unknown>();
    do {
      const out = await this.call<Record<string, unknown>>(
        service,
        operation,
        token === undefined ? input : { ...input, [page.inputToken]: token },
        options,
      );
      all.push(...(((out[page.items] as T[] | undefined) ?? []) as T[]));
      token = out[page.outputToken];
      // An emulator that ignores paging returns the same marker forever; stop rather than loop.
      if (token !== undefined && seen.has(token)) break;
      seen.add(token);
    } while (token !== undefined && token !== null && token !== '');
    return all;
  }

  /** Closes the clients' sockets so the process can exit promptly. */
  async close(): Promise<void> {
    for (const client of this.clients.values()) {
      try {
        (await client).destroy();
      } catch {
        // a client that failed to build has nothing to close
      }
    }
    for (const agent of this.agents) agent.destroy();
  }

  private get env(): NodeJS.ProcessEnv {
    return this.settings.env ?? process.env;
  }

  /**
   * Reads what all clients share, once: the shared config files (a profile that does not exist is a
   * usage error here, before any call), the CA bundle, and the proxy settings.
   */
  private setup(): Promise<Setup> {
    this.setupPromise ??= (async () => {
      // Every client needs the request handler: its code loads while the profile files are read.
      const handlerModule = import('@smithy/node-http-handler');
      handlerModule.catch(() => {});
      const env = this.env;
      const profileName = this.settings.profile ?? (env.AWS_PROFILE || undefined);
      const files = await readSharedFiles(env);
      if (profileName) checkProfile(files, profileName, this.settings.profile ? '--profile' : 'AWS_PROFILE');
      const profile = profileSettings(files, profileName ?? 'default');
      checkConfiguredEndpoints(files, profile, profileName ?? 'default', env);
      const customS3Endpoint = Boolean(this.settings.endpointUrl || configuredEndpoint(files, profile, 's3', env));
      const ca = await readCaBundle(env, profile, profileName ?? 'default');
      const proxies = proxyEnv(env);
      let httpAgent: { destroy(): void } | undefined;
      let httpsAgent: { destroy(): void } | undefined;
      if (proxies) {
        const { EnvProxyAgent } = await import('./proxy.js');
        httpAgent = new EnvProxyAgent(proxies, false);
        httpsAgent = new EnvProxyAgent(proxies, true, ca === undefined ? {} : { ca });
      } else if (ca !== undefined) {
        const https = await import('node:https');
        httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50, ca });
      }
      for (const agent of [httpAgent, httpsAgent]) if (agent) this.agents.push(agent);
      const connectionTimeout = this.settings.connectTimeoutMs ?? TIMEOUT_DEFAULT_MS;
      const socketTimeout = this.settings.readTimeoutMs ?? TIMEOUT_DEFAULT_MS;
      return {
        files,
        profile,
        customS3Endpoint,
        requestHandler: async () => {
          // Every client gets the plain HTTP/1.1 handler: it carries the timeouts and agents, and the
          // Kinesis client's default HTTP/2 handler fails against plain-HTTP endpoints anyway.
          // The read timeout is the socket's inactivity timeout, as the AWS CLI's read timeout is.
          const { NodeHttpHandler } = await handlerModule;
          return new NodeHttpHandler({
            connectionTimeout,
            socketTimeout,
            ...(httpAgent ? { httpAgent: httpAgent as never } : {}),
            ...(httpsAgent ? { httpsAgent: httpsAgent as never } : {}),
          });
        },
      };
    })();
    return this.setupPromise;
  }

  private module(service: ServiceName): Promise<SdkModule> {
    let mod = this.modules.get(service);
    if (!mod) {
      mod = LOADERS[service]();
      this.modules.set(service, mod);
    }
    return mod;
  }

  private credentialProvider(): Promise<CredentialProvider> {
    this.credentials ??= (async () => {
      const [{ defaultProvider }, setup] = await Promise.all([import('@aws-sdk/credential-provider-node'), this.setup()]);
      const env = this.env;
      const profile = this.settings.profile ?? (env.AWS_PROFILE || undefined);
      if (profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
        // The SDK's chain skips the environment's keys when a profile is named (and says so in a
        // nine-line warning, shown only with --verbose); evsrc says it in one line.
        const from = this.settings.profile ? `--profile ${profile}` : `AWS_PROFILE=${profile}`;
        this.settings.note?.(`note: using profile ${profile} (${from}); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment are ignored`);
      }
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      // The credential provider's own clients (STS for assume-role profiles, SSO) use the same
      // endpoint, timeouts and proxy as every other client.
      const stsHandler = (await setup.requestHandler()) as { destroy(): void };
      this.agents.push(stsHandler);
      const clientConfig: Record<string, unknown> = { requestHandler: stsHandler };
      // As for every other client (buildClient): the SDK reads a configured endpoint from AWS_PROFILE's
      // profile only, so with --profile its STS client would miss the profile's endpoint_url and go to AWS.
      const stsEndpoint =
        this.settings.endpointUrl ?? (this.settings.profile && setup.files ? configuredEndpoint(setup.files, setup.profile, 'sts', env) : undefined);
      if (stsEndpoint) clientConfig.endpoint = stsEndpoint;
      const base = defaultProvider({
        ...(this.settings.profile ? { profile: this.settings.profile } : {}),
        ...(this.settings.verbose ? {} : { logger: quiet }),
        clientConfig,
      }) as CredentialProvider;
      // One provider for all clients: resolve once, again only when the credentials expire.
      let current: ReturnType<CredentialProvider> | undefined;
      return async () => {
        if (current) {
          const creds = await current.catch(() => undefined);
          if (creds && (!creds.expiration || creds.expiration.getTime() - Date.now() > 60_000)) return creds;
        }
        current = base().catch((error: unknown) => {
          // The STS call of an assume-role profile failed (no answer, or not an AWS one): name that call
          // and where it went, as for evsrc's own calls, not the call that needed the credentials.
          if (error && typeof error === 'object' && (error as Error).name !== 'CredentialsProviderError' && setup.profile.role_arn) {
            const tagged = error as SdkError;
            tagged.evsrcApi ??= `sts:${setup.profile.web_identity_token_file ? 'AssumeRoleWithWebIdentity' : 'AssumeRole'}, for the credentials of profile ${profile}`;
            if (stsEndpoint) tagged.evsrcEndpoint ??= new URL(stsEndpoint).origin;
            tagged.evsrcTimeouts ??= { connectMs: this.settings.connectTimeoutMs ?? TIMEOUT_DEFAULT_MS, readMs: this.settings.readTimeoutMs ?? TIMEOUT_DEFAULT_MS };
          }
          throw error;
        });
        return current;
      };
    })();
    return this.credentials;
  }

  private client(service: ServiceName, region?: string): Promise<SdkClient> {
    const key = `${service}@${region ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.buildClient(service, region);
      this.clients.set(key, client);
    }
    return client;
  }

  private async buildClient(service: ServiceName, region?: string): Promise<SdkClient> {
    const [mod, credentials, setup] = await Promise.all([this.module(service), this.credentialProvider(), this.setup()]);
    const Client = mod[CLIENT_CLASS[service]] as new (config: Record<string, unknown>) => SdkClient;
    const config: Record<string, unknown> = { credentials, requestHandler: await setup.requestHandler() };
    const chosenRegion = region ?? this.settings.region;
    if (chosenRegion) config.region = chosenRegion;
    if (this.settings.profile) config.profile = this.settings.profile;
    // The SDK reads endpoint_url from AWS_PROFILE's profile only, not from the `profile` a client is
    // given: with --profile evsrc passes the profile's endpoint itself. (The service's key is its
    // ServiceName, which is the SDK's service id in lower case for the services evsrc uses.)
    const endpoint =
      this.settings.endpointUrl ?? (this.settings.profile && setup.files ? configuredEndpoint(setup.files, setup.profile, service, this.env) : undefined);
    if (endpoint) config.endpoint = endpoint;
    // Emulators answer on one host: S3 must use path-style addressing whenever its endpoint is custom.
    if (service === 's3' && setup.customS3Endpoint) config.forcePathStyle = true;
    const instance = new Client(config);
    this.tagFailures(instance);
    this.instrument(instance, service);
    return instance;
  }

  /** Marks a failed call's error with the endpoint it went to and the timeouts in force (for errors.ts). */
  private tagFailures(client: SdkClient): void {
    const timeouts = {
      connectMs: this.settings.connectTimeoutMs ?? TIMEOUT_DEFAULT_MS,
      readMs: this.settings.readTimeoutMs ?? TIMEOUT_DEFAULT_MS,
    };
    client.middlewareStack.add(
      // The build step runs once per call, outside the retry loop: the error seen here is the last attempt's.
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (error && typeof error === 'object') {
            const request = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
            if (request?.hostname) {
              const port = request.port ? `:${request.port}` : '';
              (error as SdkError).evsrcEndpoint = `${request.protocol ?? 'https:'}//${request.hostname}${port}`;
            }
            (error as SdkError).evsrcTimeouts = timeouts;
          }
          throw error;
        }
      },
      { step: 'build', name: 'evsrcTagFailures' },
    );
    client.middlewareStack.add(
      // Inside the deserializer: sees the raw answer, and refuses what is not an AWS response.
      // - An HTML page (a proxy's or a web server's error page, a wrong --endpoint-url), whatever the status:
      //   the XML parsers would otherwise read a 200 page as an empty answer. Some emulators label JSON as
      //   text/html, so the body decides.
      // - A success without a request id. Every AWS answer carries one: a header (x-amzn-RequestId; S3's
      //   x-amz-request-id) or, in the Query protocol (SNS, DocumentDB), <ResponseMetadata><RequestId> in the
      //   body, which is all some emulators send there. A success with neither (an empty body, some other
      //   JSON or XML) would be read as an empty answer: a function without an ARN, a mapping with no id.
      // The body is read only in those two cases, once, and handed on unchanged.
      (next) => async (args) => {
        const out = (await next(args)) as { response?: { statusCode?: number; headers?: Record<string, string>; body?: unknown } };
        const response = out.response;
        if (!response) return out;
        const status = response.statusCode ?? 0;
        const html = /^text\/html/i.test(response.headers?.['content-type'] ?? '');
        const unidentified = status >= 200 && status < 300 && !hasRequestId(response.headers);
        if (!html && !unidentified) return out;
        const body = await readAll(response.body);
        const text = body.toString('utf8');
        const refuse = (message: string, what: string): never => {
          throw Object.assign(new Error(`the endpoint answered HTTP ${status} ${message}`), {
            name: 'NotAnAwsResponse',
            evsrcWhat: what,
            $fault: status >= 500 ? 'server' : 'client',
            $metadata: { httpStatusCode: status },
          });
        };
        if (html && /^\s*(<!doctype html|<html|<head|<body)/i.test(text.slice(0, 512))) refuse('with an HTML page', 'with an HTML page that is not an AWS response');
        if (unidentified && !/<RequestId>[^<]+<\/RequestId>/.test(text)) refuse('without an AWS request id', 'with no AWS request id: not an AWS response');
        const { Readable } = await import('node:stream');
        response.body = Readable.from([body]);
        return out;
      },
      { step: 'deserialize', name: 'evsrcRefuseHtml', priority: 'low' },
    );
  }

  private instrument(client: SdkClient, service: ServiceName): void {
    const log = this.settings.log;
    if (!this.settings.verbose || !log) return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        let outcome = 'ok';
        try {
          const out = (await next(args)) as { output?: { $metadata?: { attempts?: number } } };
          const attempts = out.output?.$metadata?.attempts;
          if (attempts && attempts > 1) outcome = `ok after ${attempts} attempts`;
          return out;
        } catch (error) {
          outcome = `failed: ${(error as Error).name}`;
          throw error;
        } finally {
          const ms = Math.round(performance.now() - started);
          log(`aws ${service} ${(context.commandName ?? '').replace(/Command$/, '')} ${ms}ms ${outcome}`);
        }
      },
      { step: 'initialize', name: 'evsrcCallLog' },
    );
  }
}

/**
 * The CA bundle to trust instead of the default roots: AWS_CA_BUNDLE, else the profile's ca_bundle
 * (the AWS CLI's order). A file that cannot be read is a usage error naming where it was set.
 */
async function readCaBundle(env: NodeJS.ProcessEnv, profile: Record<string, string>, profileName: string): Promise<string | undefined> {
  const fromEnv = env.AWS_CA_BUNDLE || undefined;
  const file = fromEnv ?? (profile.ca_bundle || undefined);
  if (!file) return undefined;
  const source = fromEnv ? 'AWS_CA_BUNDLE' : `ca_bundle of profile ${profileName}`;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`${source}: cannot read the CA bundle ${file}: ${why}`);
  }
}

/** True when an HTTP answer carries a request id header, as every AWS answer does. */
function hasRequestId(headers: Record<string, string> | undefined): boolean {
  if (!headers) return false;
  return Object.keys(headers).some((name) => /^x-(amzn-requestid|amzn-request-id|amz-request-id)$/i.test(name));
}

/** Reads a response body stream (or buffer, or string) into one buffer. */
async function readAll(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

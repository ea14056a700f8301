import { UsageError } from '../core/errors.js';

/** The AWS services evsrc talks to. */
export type ServiceName = 'lambda' | 'sqs' | 's3' | 'sns' | 'dynamodb' | 'kinesis' | 'events' | 'logs';

/** Where and as whom evsrc calls AWS. */
export interface AwsSettings {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  verbose?: boolean;
  /** Receives one line per AWS call when verbose (service, operation, duration); never credentials. */
  log?: (line: string) => void;
}

/** Options of one call. */
export interface CallOptions {
  /** Call the service in this region instead of the session's (an SNS topic's region, a function ARN's region). */
  region?: string;
}

/** An SDK error as it reaches evsrc: a name, a message, and metadata where AWS answered. */
export interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: 'client' | 'server';
  Code?: string;
  code?: string;
  /** The `service:Operation` evsrc was calling when it failed. */
  evsrcApi?: string;
}

type SdkModule = Record<string, unknown>;
type SdkClient = {
  send(command: unknown): Promise<unknown>;
  config: { region: () => Promise<string> };
  middlewareStack: {
    add(mw: (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => Promise<unknown>, opts: { step: string; name: string }): void;
  };
  destroy(): void;
};

// Each SDK client costs 65-115 ms to load; only the services a command uses are ever imported.
const LOADERS: Record<ServiceName, () => Promise<SdkModule>> = {
  lambda: () => import('@aws-sdk/client-lambda') as Promise<SdkModule>,
  sqs: () => import('@aws-sdk/client-sqs') as Promise<SdkModule>,
  s3: () => import('@aws-sdk/client-s3') as Promise<SdkModule>,
  sns: () => import('@aws-sdk/client-sns') as Promise<SdkModule>,
  dynamodb: () => import('@aws-sdk/client-dynamodb') as Promise<SdkModule>,
  kinesis: () => import('@aws-sdk/client-kinesis') as Promise<SdkModule>,
  events: () => import('@aws-sdk/client-eventbridge') as Promise<SdkModule>,
  logs: () => import('@aws-sdk/client-cloudwatch-logs') as Promise<SdkModule>,
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
};

type CredentialProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; expiration?: Date }>;

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

  constructor(settings: AwsSettings) {
    this.settings = settings;
  }

  /** The region of this session: --region, else the SDK's chain (environment, profile); none is a usage error. */
  region(): Promise<string> {
    this.regionPromise ??= (async () => {
      if (this.settings.region) return this.settings.region;
      const client = await this.client('lambda');
      try {
        const region = await client.config.region();
        if (region) return region;
      } catch {
        // fall through to the usage error below
      }
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
      if (error && typeof error === 'object') (error as SdkError).evsrcApi = `${service}:${operation}`;
      throw error;
    }
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
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      const base = defaultProvider(this.settings.profile ? { profile: this.settings.profile } : {}) as CredentialProvider;
      // One provider for all clients: resolve once, again only when the credentials expire.
      let current: ReturnType<CredentialProvider> | undefined;
      return async () => {
        if (current) {
          const creds = await current.catch(() => undefined);
          if (creds && (!creds.expiration || creds.expiration.getTime() - Date.now() > 60_000)) return creds;
        }
        current = base();
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
    const [mod, credentials] = await Promise.all([this.module(service), this.credentialProvider()]);
    const Client = mod[CLIENT_CLASS[service]] as new (config: Record<string, unknown>) => SdkClient;
    const config: Record<string, unknown> = { credentials };
    const chosenRegion = region ?? this.settings.region;
    if (chosenRegion) config.region = chosenRegion;
    if (this.settings.profile) config.profile = this.settings.profile;
    const endpoint = this.settings.endpointUrl;
    if (endpoint) config.endpoint = endpoint;
    // Emulators answer on one host: S3 must use path-style addressing there.
    if (service === 's3' && (endpoint || process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3)) {
      config.forcePathStyle = true;
    }
    if (service === 'kinesis') {
      // The Kinesis client defaults to an HTTP/2 handler, which fails against plain-HTTP endpoints.
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      config.requestHandler = new NodeHttpHandler();
    }
    const instance = new Client(config);
    this.instrument(instance, service);
    return instance;
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

import { listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError, invalidFlag } from '../core/errors.js';
import { checkByReadOrListing } from '../mechanisms/esm/inventory.js';
import { mappingLifecycle, namedSourceMatcher } from '../mechanisms/esm/lifecycle.js';
import { parseMappingOptions } from '../mechanisms/esm/mapping-options.js';
import { executionRoleRetry, type EsmSettings } from '../mechanisms/esm/settings.js';
import { parseSecretArn } from '../mechanisms/esm/source-access.js';
import { planKeyedMapping } from '../mechanisms/esm/streams.js';
import { tagsAsked, type TagOptions } from '../mechanisms/esm/tags.js';
import { sourceNameOfArn } from '../inventory/model.js';
import type { AddPlan, AdapterContext, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { MQ_SETTING_KEYS, mqSpec } from './mq/spec.js';
import { mqTypeSpec } from './registry.js';

export { MQ_SETTING_KEYS, mqSpec } from './mq/spec.js';
import { parseFilters, parseIntFlag } from './options.js';
import { accessFlags, mappingDefaults, mappingFlags } from '../mechanisms/esm/entry.js';
import { nameOrArn } from './entry.js';

// Amazon MQ (ActiveMQ and RabbitMQ), Lambda API 2015-03-31 and the Lambda developer guide: EventSourceArn is
// the broker ARN; Queues holds exactly one queue (1-1000 characters), create-only; a BASIC_AUTH secret is
// required; a RabbitMQ virtual host (VIRTUAL_HOST, 1-200 characters of [a-zA-Z0-9-/*:_+=.@]) cannot be
// changed by an update; batch size 1-10000 (default 100); batching window 0-300 s (default 500 ms). No
// starting position, error handling, destinations, partial batch responses or provisioned mode.


const MQ_DEFAULTS: EsmSettings = { batchSize: 100, batchingWindow: 0, filters: [], metrics: [], enabled: true };


/** Validated options of `add mq`. */
export interface MqOptions {
  settings: EsmSettings;
  replace: boolean;
  tags?: TagOptions;
  warnings?: string[];
}

// A SourceAccessConfiguration URI (the virtual host): 1-200 characters of [a-zA-Z0-9-/*:_+=.@].
const VIRTUAL_HOST = /^[a-zA-Z0-9/*:_+=.@-]{1,200}$/;

/** Checks a queue name given to `flag` (Lambda Queues: 1-1000 characters). */
export function parseQueueName(flag: string, value: unknown): string {
  const text = String(value ?? '');
  if (text.trim() === '' || text.length > 1000) throw invalidFlag(flag, value, 'allowed: a queue name of 1-1000 characters');
  return text;
}

/** Validates the raw flags of `add mq` (pure: no AWS). */
export function parseMqOptions(raw: Record<string, unknown>): MqOptions {
  if (raw.reportBatchItemFailures !== undefined) {
    throw invalidFlag('--report-batch-item-failures', raw.reportBatchItemFailures, 'Lambda takes partial batch responses for SQS, Kinesis, DynamoDB and Kafka mappings, not Amazon MQ');
  }
  if (raw.startingPosition !== undefined) throw invalidFlag('--starting-position', raw.startingPosition, 'an Amazon MQ queue has no starting position');
  if (raw.topic !== undefined) throw invalidFlag('--topic', raw.topic, 'Amazon MQ mappings read a queue: use --queue');
  if (raw.disabled && raw.enabled) throw new UsageError('--disabled and --enabled: give one or the other, not both');
  if (raw.queue === undefined) throw new UsageError('--queue <queue> is required for mq: the one broker queue the mapping reads');
  if (raw.secret === undefined) throw new UsageError('--secret <secret-arn> is required for mq: Lambda signs in to the broker with the user name and password of a Secrets Manager secret');
  const settings: EsmSettings = { queue: parseQueueName('--queue', raw.queue), sourceAccess: [`BASIC_AUTH=${parseSecretArn('--secret', raw.secret)}`] };
  if (raw.virtualHost !== undefined) {
    const vhost = String(raw.virtualHost);
    if (!VIRTUAL_HOST.test(vhost)) throw invalidFlag('--virtual-host', raw.virtualHost, 'allowed: 1-200 letters, digits and - / * : _ + = . @');
    settings.virtualHost = vhost;
  }
  const batchSize = parseIntFlag('--batch-size', raw.batchSize, 1, 10000, 'allowed: a whole number from 1 to 10000 (AWS default 100)');
  const batchingWindow = parseIntFlag('--batching-window', raw.batchingWindow, 0, 300, 'allowed: whole seconds from 0 to 300');
  if (batchSize !== undefined) settings.batchSize = batchSize;
  if (batchingWindow !== undefined) settings.batchingWindow = batchingWindow;
  if (raw.filter === false) settings.filters = [];
  else {
    const filters = parseFilters(raw.filter, '--filter', '{"data":{"kind":["order"]}}');
    if (filters) settings.filters = filters;
  }
  if (raw.disabled) settings.enabled = false;
  if (raw.enabled) settings.enabled = true;
  const shared = parseMappingOptions('mq', raw, false);
  Object.assign(settings, shared.settings);
  const options: MqOptions = { settings, replace: Boolean(raw.replace) };
  if (tagsAsked(shared.tags)) options.tags = shared.tags;
  if (shared.warnings.length > 0) options.warnings = shared.warnings;
  return options;
}

// Broker names: 1-50 letters, digits, -, ., _ and ~ (Amazon MQ CreateBroker).
const BROKER_NAME = /^[A-Za-z0-9._~-]{1,50}$/;

/** How the user named a broker, normalised. */
export type BrokerRef = { kind: 'name'; name: string } | { kind: 'arn'; name: string; id: string; arn: string; region: string };

/** Parses a broker name or ARN (arn:aws:mq:<region>:<account>:broker:<name>:<broker-id>). */
export function parseBrokerRef(value: string, label = '<broker>'): BrokerRef {
  const arn = parseArn(value);
  if (arn) {
    const m = /^broker:([^:]+):(b-[0-9a-f-]+)$/.exec(arn.resource);
    if (arn.service !== 'mq' || !m || !BROKER_NAME.test(m[1] ?? '') || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not an Amazon MQ broker ARN (arn:aws:mq:<region>:<account>:broker:<name>:<broker-id>)`);
    }
    return { kind: 'arn', name: m[1] ?? '', id: m[2] ?? '', arn: value, region: arn.region };
  }
  if (!BROKER_NAME.test(value)) throw new UsageError(`${label}: ${JSON.stringify(value)} is not an Amazon MQ broker name or ARN (names are 1-50 letters, digits, -, ., _ and ~)`);
  return { kind: 'name', name: value };
}

/** A broker as evsrc needs it. */
export interface ResolvedBroker {
  name: string;
  arn: string;
  region: string;
  state: string;
  engine: string;
}

type BrokerInfo = { BrokerArn?: string; BrokerId?: string; BrokerName?: string; BrokerState?: string; EngineType?: string };

function missingBroker(name: string, region: string): NotFoundError {
  return new NotFoundError(`Amazon MQ broker ${name} does not exist in ${region}`, {
    awsErrorName: 'NotFoundException',
    hint: 'check the broker name and --region (aws mq list-brokers lists the brokers of a region)',
  });
}

/** Resolves a broker: DescribeBroker by the id in its ARN, or ListBrokers by name (an exact match). Missing is exit 3. */
export async function resolveBroker(aws: AwsSession, ref: BrokerRef): Promise<ResolvedBroker> {
  const region = ref.kind === 'arn' ? ref.region : await aws.region();
  let info: BrokerInfo | undefined;
  if (ref.kind === 'arn') {
    try {
      info = await aws.call<BrokerInfo>('mq', 'DescribeBroker', { BrokerId: ref.id }, { region });
    } catch (error) {
      if (isAwsError(error, 'NotFoundException')) throw missingBroker(ref.name, region);
      throw error;
    }
  } else {
    const list = await aws.paginate<BrokerInfo>('mq', 'ListBrokers', { MaxResults: 100 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'BrokerSummaries' });
    info = list.find((b) => b.BrokerName === ref.name);
    if (!info?.BrokerArn) throw missingBroker(ref.name, region);
  }
  const arn = info.BrokerArn ?? (ref.kind === 'arn' ? ref.arn : '');
  return { name: info.BrokerName ?? ref.name, arn, region: arn.split(':')[3] ?? region, state: info.BrokerState ?? 'RUNNING', engine: info.EngineType ?? 'ACTIVEMQ' };
}

/** The IAM the execution role needs (AWSLambdaMQExecutionRole and the secret). */
export function mqRoleHint(broker: ResolvedBroker, fn: Pick<ResolvedFunction, 'role'>, secret: string): string {
  return (
    `the execution role ${fn.role ?? 'of the function'} needs mq:DescribeBroker on ${broker.arn}, secretsmanager:GetSecretValue on ${secret} ` +
    '(plus kms:Decrypt if the secret uses a customer managed key), ec2:CreateNetworkInterface, ec2:DeleteNetworkInterface, ec2:DescribeNetworkInterfaces, ' +
    'ec2:DescribeSecurityGroups, ec2:DescribeSubnets and ec2:DescribeVpcs; the AWS managed policy AWSLambdaMQExecutionRole grants all but the secret'
  );
}

const DEAD_STATES = new Set(['DELETION_IN_PROGRESS', 'CREATION_FAILED']);

async function planAdd(ctx: AdapterContext, request: AddRequest<MqOptions>): Promise<AddPlan> {
  const ref = parseBrokerRef(request.source);
  const { options } = request;
  const brokerP = resolveBroker(ctx.aws, ref);
  const fnP = resolveFunction(ctx.aws, request.fn);
  const readersP = (ref.kind === 'arn' ? Promise.resolve(ref) : brokerP).then((b) => listMappingsForSource(ctx.aws, b.arn, b.region || undefined));
  const [broker, fn, readers] = await Promise.all([brokerP, fnP, readersP]);
  if (fn.region && broker.region && fn.region !== broker.region) {
    throw new PreconditionError(`broker ${broker.arn} is in ${broker.region} but function ${fn.arn} is in ${fn.region}; Lambda reads brokers of its own region only`);
  }
  if (options.settings.virtualHost !== undefined && broker.engine !== 'RABBITMQ') {
    throw invalidFlag('--virtual-host', options.settings.virtualHost, `broker ${broker.name} runs ${broker.engine}; virtual hosts are a RabbitMQ setting`);
  }
  if (DEAD_STATES.has(broker.state)) {
    throw new PreconditionError(`Amazon MQ broker ${broker.name} is ${broker.state}`, { hint: 'name a broker that is RUNNING (aws mq list-brokers lists them)' });
  }
  // The flags' own warnings (options.warnings) are added by tagStreamPlan, with every mapping type's.
  const warnings: string[] = [];
  if (broker.state !== 'RUNNING') warnings.push(`Amazon MQ broker ${broker.name} is ${broker.state}, not RUNNING: the mapping is made, and starts reading once the broker is ready`);
  const queue = options.settings.queue ?? '';
  const secret = (options.settings.sourceAccess?.[0] ?? '').replace(/^BASIC_AUTH=/, '');
  return planKeyedMapping(ctx, {
    type: 'mq',
    keys: MQ_SETTING_KEYS,
    defaults: MQ_DEFAULTS,
    createOnlyNote: 'Queues or the virtual host (VIRTUAL_HOST)',
    sourceKey: broker.arn,
    sourceName: broker.name,
    fn,
    readers: readers.filter((m) => m.Queues?.includes(queue)),
    asked: options.settings,
    options,
    retry: [executionRoleRetry(mqRoleHint(broker, fn, secret))],
    ...(broker.region ? { region: broker.region } : {}),
    warnings,
  });
}

/** How `remove mq` named its source: a broker, and optionally one queue. */
export interface MqSourceRef {
  broker: BrokerRef;
  queue?: string;
}

/** An Amazon MQ mapping as `add mq` flags: the broker by name where that resolves, the queue, secret and virtual host. */
export const mqFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const gone = scope.findings.some((f) => f.code === 'source-missing');
    const s = view.settings as Record<string, unknown>;
    const name = /^broker:([^:]+):/.exec(parseArn(view.sourceArn)?.resource ?? '')?.[1] ?? '';
    return {
      source: gone ? view.sourceArn : nameOrArn(view.sourceArn, name, scope),
      flags: { queue: s.queue, ...(s.virtualHost ? { virtualHost: s.virtualHost } : {}), ...mappingFlags(view, MQ_DEFAULTS, scope), ...accessFlags(view, 'secret') },
    };
  },
  // Amazon MQ takes no partial batch responses: the shared default for them is left out.
  defaults: mappingDefaults({ batchSize: 100, batchingWindow: 0 }, false).filter((d) => !('reportBatchItemFailures' in d.flags)),
};

/** The Amazon MQ trigger type. */
export const mqType: TriggerType<MqOptions, MqSourceRef> = {
  spec: mqSpec,
  file: mqFile,
  parseAddOptions: parseMqOptions,
  planAdd,
  ...mappingLifecycle<MqSourceRef>({
    type: 'mq',
    settingKeys: MQ_SETTING_KEYS,
    ownsSourceArn: mqTypeSpec.ownsSourceArn,
    // One DescribeBroker per broker for a function; one ListBrokers for the region.
    checkSources: checkByReadOrListing(
      'Amazon MQ broker',
      ['NotFoundException'],
      (scan, sourceArn) => scan.aws.call('mq', 'DescribeBroker', { BrokerId: sourceArn.split(':').at(-1) }, { region: parseArn(sourceArn)?.region || undefined }),
      (scan) =>
        scan.aws
          .paginate<BrokerInfo>('mq', 'ListBrokers', { MaxResults: 100 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'BrokerSummaries' })
          // By the name the broker's ARN holds, as the mapping's ARN is read (the same form on both sides).
          .then((list) => new Set(list.map((b) => sourceNameOfArn(b.BrokerArn ?? '')))),
    ),
    parseRemoveSource: (source, raw = {}) => {
      const out: MqSourceRef = { broker: parseBrokerRef(source) };
      if (raw.queue !== undefined) out.queue = parseQueueName('--queue', raw.queue);
      return out;
    },
    // By name: the broker's ARN (ListBrokers), or for a deleted broker any ARN of that name.
    matcher: (aws, ref, fn) =>
      namedSourceMatcher({
        ...(ref.broker.kind === 'arn' ? { arn: ref.broker.arn } : {}),
        name: ref.broker.name,
        resolve: async () => (await resolveBroker(aws, ref.broker)).arn,
        prefix: `arn:${partitionOf(fn.region)}:mq:${fn.region}:${fn.account}:broker:${ref.broker.name}:`,
        ...(ref.queue === undefined ? {} : { only: { label: `queue ${ref.queue}`, matches: (m) => Boolean(m?.Queues?.includes(ref.queue ?? '')) } }),
      }),
  }),
};

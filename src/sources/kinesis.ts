import type { ConsumerDescription, StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { listMappingsForFunction, listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError, invalidFlag } from '../core/errors.js';
import { placeholder, type Action } from '../core/plan.js';
import { pollUntil } from '../core/poll.js';
import { executionRoleRetry } from '../mechanisms/esm/settings.js';
import {
  dedupeMappings,
  destinationActions,
  streamAddPlan,
  tagStreamPlan,
  parseStreamOptions,
  planStreamMapping,
  resolveDestination,
  waitUntilMappingGone,
  type ResolvedDestination,
  type StreamOptions,
} from '../mechanisms/esm/streams.js';
import { checkByReadOrListing } from '../mechanisms/esm/inventory.js';
import { mappingLifecycle } from '../mechanisms/esm/lifecycle.js';
import { sourceNameOfArn } from '../inventory/model.js';
import { STREAM_SETTING_KEYS } from '../mechanisms/esm/streams.js';
import type { AdapterContext, AddPlan, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { mappingFlags, streamDefaults } from '../mechanisms/esm/entry.js';
import { STREAM_DEFAULTS } from '../mechanisms/esm/streams.js';
import { isLocal } from './entry.js';
import { kinesisSpec } from './kinesis/spec.js';
import { kinesisTypeSpec } from './registry.js';
export { kinesisSpec } from './kinesis/spec.js';

/** Validated options of `evsrc add kinesis`. */
export interface KinesisOptions extends StreamOptions {
  /** Read through this enhanced fan-out consumer (registered when missing). */
  consumer?: string;
}

// Kinesis stream and consumer names: 1-128 letters, digits, underscores, hyphens and dots.
const KINESIS_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Validates the raw flags of `add kinesis` (pure: no AWS). */
export function parseKinesisOptions(raw: Record<string, unknown>, now: Date = new Date()): KinesisOptions {
  const options: KinesisOptions = parseStreamOptions('kinesis', raw, now);
  if (raw.consumer !== undefined) {
    const name = String(raw.consumer);
    if (!KINESIS_NAME.test(name)) throw invalidFlag('--consumer', raw.consumer, 'allowed: a consumer name of 1-128 letters, digits, _, - and .');
    options.consumer = name;
  }
  return options;
}

/** How the user named a stream, normalised. */
export type StreamRef = { kind: 'name'; name: string } | { kind: 'arn'; name: string; arn: string; region: string; account: string };

/** Parses a stream name or ARN; throws a UsageError naming <stream> otherwise. */
export function parseStreamRef(value: string, label = '<stream>'): StreamRef {
  const arn = parseArn(value);
  if (arn) {
    const m = /^stream\/([^/]+)(\/consumer\/.*)?$/.exec(arn.resource);
    const name = m?.[1];
    if (arn.service !== 'kinesis' || !m || !name || !KINESIS_NAME.test(name) || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)`);
    }
    if (m[2]) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is a consumer ARN; give the stream and --consumer <name> instead`);
    }
    return { kind: 'arn', name, arn: value, region: arn.region, account: arn.account };
  }
  if (!KINESIS_NAME.test(value)) {
    throw new UsageError(`${label}: ${JSON.stringify(value)} is not a Kinesis stream name or ARN (names are 1-128 letters, digits, _, - and .)`);
  }
  return { kind: 'name', name: value };
}

/** A stream as evsrc needs it. */
export interface ResolvedStream {
  name: string;
  arn: string;
  region: string;
  status: string;
}

/** Reads a stream with DescribeStreamSummary; a missing stream is exit 3. */
export async function resolveStream(aws: AwsSession, ref: StreamRef): Promise<ResolvedStream> {
  const region = ref.kind === 'arn' ? ref.region : undefined;
  try {
    const out = await aws.call<{ StreamDescriptionSummary?: StreamDescriptionSummary }>(
      'kinesis',
      'DescribeStreamSummary',
      ref.kind === 'arn' ? { StreamARN: ref.arn } : { StreamName: ref.name },
      { region },
    );
    const s = out.StreamDescriptionSummary;
    const arn = s?.StreamARN ?? (ref.kind === 'arn' ? ref.arn : '');
    return { name: s?.StreamName ?? ref.name, arn, region: arn.split(':')[3] ?? '', status: s?.StreamStatus ?? 'ACTIVE' };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`stream ${ref.name} does not exist in ${region ?? (await aws.region())}`, {
        awsErrorName: 'ResourceNotFoundException',
        hint: 'check the stream name and --region (aws kinesis list-streams lists the streams of a region)',
      });
    }
    throw error;
  }
}

/** An enhanced fan-out consumer as evsrc needs it. */
export interface ResolvedConsumer {
  name: string;
  arn: string;
  status: string;
}

/** Looks a consumer up by name (DescribeStreamConsumer); undefined when the stream has none of that name. */
export async function findConsumer(aws: AwsSession, stream: ResolvedStream, name: string): Promise<ResolvedConsumer | undefined> {
  try {
    const out = await aws.call<{ ConsumerDescription?: ConsumerDescription }>(
      'kinesis',
      'DescribeStreamConsumer',
      { StreamARN: stream.arn, ConsumerName: name },
      { region: stream.region || undefined },
    );
    const c = out.ConsumerDescription;
    return { name, arn: c?.ConsumerARN ?? '', status: c?.ConsumerStatus ?? 'ACTIVE' };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** The IAM actions the execution role needs (AWSLambdaKinesisExecutionRole, plus EFO and destination actions). */
export function kinesisRoleHint(stream: ResolvedStream, fn: Pick<ResolvedFunction, 'role'>, consumer?: string, destination?: ResolvedDestination): string {
  return (
    `the execution role ${fn.role ?? 'of the function'} needs kinesis:DescribeStream, kinesis:DescribeStreamSummary, ` +
    `kinesis:GetRecords, kinesis:GetShardIterator, kinesis:ListShards and kinesis:ListStreams on ${stream.arn}` +
    (consumer ? `, kinesis:SubscribeToShard and kinesis:DescribeStreamConsumer on ${consumer}` : '') +
    (destination ? `, and ${destinationActions(destination)}` : '') +
    '; the AWS managed policy AWSLambdaKinesisExecutionRole grants the stream actions'
  );
}

/** Everything planKinesis needs, read beforehand. */
export interface KinesisPlanInput {
  stream: ResolvedStream;
  fn: ResolvedFunction;
  /** The consumer asked with --consumer, when it exists already. */
  consumer?: ResolvedConsumer;
  /** All mappings that read the source (the consumer when one exists and is asked, else the stream). */
  readers: EventSourceMappingConfiguration[];
  /** All mappings of the function (any source). */
  functionMappings: EventSourceMappingConfiguration[];
  options: KinesisOptions;
  destination?: ResolvedDestination;
  /** The wait after RegisterStreamConsumer: until the consumer is ACTIVE. */
  consumerActive(result: unknown): Promise<unknown>;
  mappingGone(uuid: string): (result: unknown) => Promise<unknown>;
}

/** The consumer ARN in a RegisterStreamConsumer result or a DescribeStreamConsumer description. */
export function consumerArnOf(result: unknown): string | undefined {
  const r = result as { Consumer?: { ConsumerARN?: string }; ConsumerDescription?: { ConsumerARN?: string }; ConsumerARN?: string } | undefined;
  return r?.ConsumerDescription?.ConsumerARN ?? r?.Consumer?.ConsumerARN ?? r?.ConsumerARN;
}

/** Plans `add kinesis` from what was read (pure): stream state, consumer, converge. */
export function planKinesis(input: KinesisPlanInput): { actions: Action[]; warnings: string[]; existing?: EventSourceMappingConfiguration; sourceArn: string } {
  const { stream, fn, options } = input;
  if (fn.region && stream.region && fn.region !== stream.region) {
    throw new PreconditionError(`stream ${stream.arn} is in ${stream.region} but function ${fn.arn} is in ${fn.region}; Lambda reads streams of its own region only`);
  }
  if (stream.status === 'CREATING' || stream.status === 'DELETING') {
    throw new PreconditionError(`stream ${stream.name} is ${stream.status}`, {
      hint: stream.status === 'CREATING' ? 'wait until it is ACTIVE (aws kinesis wait stream-exists) and run again' : 'the stream is going away; name another one',
    });
  }
  const prepare: Action[] = [];
  let sourceArn: string | undefined = stream.arn;
  if (options.consumer) {
    const c = input.consumer;
    if (c && c.status === 'DELETING') {
      throw new PreconditionError(`consumer ${options.consumer} of stream ${stream.name} is being deleted`, { hint: 'wait until it is gone and run again, or name another consumer' });
    }
    if (c) sourceArn = c.arn;
    else {
      sourceArn = undefined;
      const register: Action = {
        api: 'kinesis:RegisterStreamConsumer',
        summary: `register consumer ${options.consumer} on stream ${stream.name} and wait until it is ACTIVE`,
        input: { StreamARN: stream.arn, ConsumerName: options.consumer },
        settle: input.consumerActive,
        // By ARN when known: it names exactly the consumer this plan registered.
        undo: (result) => {
          const arn = consumerArnOf(result);
          return {
            api: 'kinesis:DeregisterStreamConsumer',
            summary: `deregister consumer ${options.consumer} of stream ${stream.name}`,
            input: arn ? { ConsumerARN: arn } : { StreamARN: stream.arn, ConsumerName: options.consumer },
            ...(stream.region ? { region: stream.region } : {}),
          };
        },
      };
      if (stream.region) register.region = stream.region;
      prepare.push(register);
    }
  }
  const consumerPrefix = `${stream.arn}/consumer/`;
  const onThisStream = (arn: string | undefined) => arn === stream.arn || Boolean(arn?.startsWith(consumerPrefix));
  const readers = dedupeMappings([...input.readers, ...input.functionMappings.filter((m) => sourceArn !== undefined && m.EventSourceArn === sourceArn)]);
  const related = input.functionMappings.filter((m) => onThisStream(m.EventSourceArn) && m.EventSourceArn !== sourceArn);
  const asked = { ...options.settings };
  if (input.destination) asked.onFailure = input.destination.arn;
  const placeholderArn = placeholder(`ARN of consumer ${options.consumer ?? ''}, known after RegisterStreamConsumer`);
  const consumerLabel = options.consumer ? (sourceArn ?? `${consumerPrefix}${options.consumer}`) : undefined;
  const planned = planStreamMapping({
    type: 'kinesis',
    ...(sourceArn ? { sourceArn } : {}),
    sourcePlaceholder: placeholderArn,
    functionArn: fn.arn,
    readers,
    related,
    asked,
    replace: options.replace,
    retry: [executionRoleRetry(kinesisRoleHint(stream, fn, consumerLabel, input.destination))],
    region: stream.region || undefined,
    ...(prepare.length > 0 ? { prepare: { actions: prepare, sourceArnOf: consumerArnOf } } : {}),
    mappingGone: input.mappingGone,
  });
  return { actions: planned.actions, warnings: planned.warnings, ...(planned.existing ? { existing: planned.existing } : {}), sourceArn: sourceArn ?? placeholderArn };
}

/** The settle of RegisterStreamConsumer (and of a consumer found CREATING): poll DescribeStreamConsumer until ACTIVE. */
export function waitForConsumer(ctx: AdapterContext, stream: ResolvedStream, name: string): (result: unknown) => Promise<unknown> {
  return async (result) => {
    const initial = (result as { Consumer?: ConsumerDescription } | undefined)?.Consumer;
    const arn = consumerArnOf(result);
    return pollUntil(
      ctx,
      `consumer ${name} to be ACTIVE`,
      async () =>
        (
          await ctx.aws.call<{ ConsumerDescription?: ConsumerDescription }>(
            'kinesis',
            'DescribeStreamConsumer',
            arn ? { ConsumerARN: arn } : { StreamARN: stream.arn, ConsumerName: name },
            { region: stream.region || undefined },
          )
        ).ConsumerDescription,
      (c) => c?.ConsumerStatus === 'ACTIVE',
      { ...(initial ? { initial } : {}), describe: (c) => c?.ConsumerStatus ?? 'unknown' },
    ).then((c) => ({ ConsumerDescription: c }));
  };
}

async function planAdd(ctx: AdapterContext, request: AddRequest<KinesisOptions>): Promise<AddPlan> {
  const ref = parseStreamRef(request.source);
  const { consumer: consumerName, onFailure } = request.options;
  const streamP = resolveStream(ctx.aws, ref);
  const fnP = resolveFunction(ctx.aws, request.fn);
  const fnMappingsP = fnP.then((fn) => listMappingsForFunction(ctx.aws, fn));
  const consumerP = consumerName
    ? streamP.then(async (s) => {
        const found = await findConsumer(ctx.aws, s, consumerName);
        // A consumer someone else is registering right now: wait for it (read-only) rather than fail later.
        if (found?.status === 'CREATING') {
          const settled = (await waitForConsumer(ctx, s, consumerName)({ Consumer: { ConsumerARN: found.arn, ConsumerStatus: found.status } })) as {
            ConsumerDescription?: ConsumerDescription;
          };
          return { ...found, status: settled.ConsumerDescription?.ConsumerStatus ?? 'ACTIVE' };
        }
        return found;
      })
    : Promise.resolve(undefined);
  const readersP = consumerName
    ? consumerP.then((c) => (c ? listMappingsForSource(ctx.aws, c.arn, c.arn.split(':')[3] || undefined) : []))
    : ref.kind === 'arn'
      ? listMappingsForSource(ctx.aws, ref.arn, ref.region)
      : streamP.then((s) => listMappingsForSource(ctx.aws, s.arn, s.region || undefined));
  const destinationP = onFailure ? fnP.then((fn) => resolveDestination(ctx.aws, onFailure, fn)) : Promise.resolve(undefined);
  const [stream, fn, functionMappings, consumer, readers, destination] = await Promise.all([streamP, fnP, fnMappingsP, consumerP, readersP, destinationP]);
  const region = stream.region || undefined;
  const planned = planKinesis({
    stream,
    fn,
    ...(consumer ? { consumer } : {}),
    readers,
    functionMappings,
    options: request.options,
    ...(destination ? { destination } : {}),
    consumerActive: waitForConsumer(ctx, stream, consumerName ?? ''),
    mappingGone: waitUntilMappingGone(ctx, region),
  });
  const plan = streamAddPlan('kinesis', consumerName ? `${stream.name}/consumer/${consumerName}` : stream.name, fn.arn, planned, region);
  return tagStreamPlan(ctx, plan, planned.existing, request.options, region);
}

/** How `remove kinesis` named its source: a stream (with its consumers) or one consumer ARN (only itself). */
export interface StreamSourceRef {
  type: 'kinesis';
  name: string;
  arn?: string;
  exact: boolean;
}

/** A stream name or ARN, or a consumer ARN (which names one enhanced fan-out reader and matches only itself). */
export function parseStreamSource(source: string): StreamSourceRef {
  const arn = parseArn(source);
  if (arn && (arn.service !== 'kinesis' || !arn.resource.startsWith('stream/'))) {
    throw new UsageError(`<stream>: ${JSON.stringify(source)} is not a Kinesis stream or consumer ARN`);
  }
  if (arn && /^stream\/[^/]+\/consumer\//.test(arn.resource)) return { type: 'kinesis', name: sourceNameOfArn(source), arn: source, exact: true };
  const ref = parseStreamRef(source);
  return ref.kind === 'name' ? { type: 'kinesis', name: ref.name, exact: false } : { type: 'kinesis', name: ref.name, arn: ref.arn, exact: false };
}

/** The stream ARN a Kinesis source ARN belongs to (an enhanced fan-out consumer ARN gives its stream). */
function kinesisStreamArn(sourceArn: string): string {
  const at = sourceArn.indexOf('/consumer/');
  return at >= 0 ? sourceArn.slice(0, at) : sourceArn;
}

/** The Kinesis data streams trigger type. */
/** A Kinesis mapping as `add kinesis` flags: an enhanced fan-out consumer is the stream and `consumer`. */
export const kinesisFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const arn = parseArn(view.sourceArn);
    const m = /^stream\/([^/]+)(?:\/consumer\/([^:]+))?/.exec(arn?.resource ?? '');
    const stream = m?.[1];
    const flags = mappingFlags(view, STREAM_DEFAULTS, scope);
    if (!arn || !stream) return { source: view.sourceArn, flags };
    if (m?.[2]) flags.consumer = m[2];
    return { source: isLocal(view.sourceArn, scope) ? stream : `arn:${arn.partition}:kinesis:${arn.region}:${arn.account}:stream/${stream}`, flags };
  },
  defaults: streamDefaults(),
};

export const kinesisType: TriggerType<KinesisOptions, StreamSourceRef> = {
  spec: kinesisSpec,
  file: kinesisFile,
  parseAddOptions: (raw) => parseKinesisOptions(raw),
  planAdd,
  ...mappingLifecycle<StreamSourceRef>({
    type: 'kinesis',
    settingKeys: STREAM_SETTING_KEYS,
    ownsSourceArn: kinesisTypeSpec.ownsSourceArn,
    // One DescribeStreamSummary per stream for a function; one ListStreams for the region.
    checkSources: checkByReadOrListing(
      'stream',
      ['ResourceNotFoundException'],
      (scan, sourceArn) => scan.aws.call('kinesis', 'DescribeStreamSummary', { StreamARN: kinesisStreamArn(sourceArn) }, { region: parseArn(sourceArn)?.region || undefined }),
      (scan) =>
        scan.aws
          .paginate<string>('kinesis', 'ListStreams', { Limit: 100 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'StreamNames' })
          .then((names) => new Set(names)),
    ),
    parseRemoveSource: parseStreamSource,
    // A stream name or ARN matches the stream and its enhanced fan-out consumers; a consumer ARN only itself.
    matcher: async (_aws, ref, fn) => {
      const arn = ref.arn ?? `arn:${partitionOf(fn.region)}:kinesis:${fn.region}:${fn.account}:stream/${ref.name}`;
      if (ref.exact) return { arn, name: ref.name, matches: (s) => s === arn };
      return { arn, name: ref.name, matches: (s) => s === arn || s.startsWith(`${arn}/consumer/`) };
    },
  }),
};

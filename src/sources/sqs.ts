import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { parseArn, parseQueueRef, partitionOf, type QueueRef } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError, invalidFlag } from '../core/errors.js';
import {
  checkBatchWindow,
  effectiveSettings,
  executionRoleRetry,
  mappingView,
  planEsm,
  SQS_POLLER_DEFAULTS,
  waitForMapping,
  type EsmSettings,
} from '../mechanisms/esm/settings.js';
import { parseFilters, parseIntFlag } from './options.js';
import { parseMappingOptions } from '../mechanisms/esm/mapping-options.js';
import { applyTagPlan, readMappingTags, tagsAsked, withTagView, type TagOptions } from '../mechanisms/esm/tags.js';
import { checkByReadOrListing } from '../mechanisms/esm/inventory.js';
import { mappingLifecycle, type SourceMatcher } from '../mechanisms/esm/lifecycle.js';
import type { AdapterContext, AddPlan, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { mappingDefaults, mappingFlags } from '../mechanisms/esm/entry.js';
import { nameOrArn } from './entry.js';
import { SQS_SETTING_KEYS, sqsSpec } from './sqs/spec.js';
import { sqsTypeSpec } from './registry.js';
export { SQS_SETTING_KEYS, sqsSpec } from './sqs/spec.js';

/** Validated options of `evsrc add sqs`: mapping settings, plus the tag flags and the warnings found in the flags. */
export type SqsOptions = Pick<
  EsmSettings,
  'batchSize' | 'batchingWindow' | 'maxConcurrency' | 'filters' | 'reportBatchItemFailures' | 'enabled' | 'metrics' | 'provisionedPollers' | 'filterKmsKey'
> & { tags?: TagOptions; warnings?: string[] };

/** Validates the raw flags of `add sqs` (pure: no AWS). Rules that need the queue are checked in planSqs. */
export function parseSqsOptions(raw: Record<string, unknown>): SqsOptions {
  if (raw.startingPosition !== undefined) {
    throw new UsageError(
      `--starting-position: not valid for SQS (got ${JSON.stringify(raw.startingPosition)}); a queue has no starting position, only dynamodb and kinesis sources take one`,
    );
  }
  if (raw.disabled && raw.enabled) throw new UsageError('--disabled and --enabled: give one or the other, not both');
  const options: SqsOptions = {};
  const batchSize = parseIntFlag('--batch-size', raw.batchSize, 1, 10000);
  const batchingWindow = parseIntFlag('--batching-window', raw.batchingWindow, 0, 300, 'allowed: whole seconds from 0 to 300');
  // commander gives `maxConcurrency: false` for --no-max-concurrency: AWS removes ScalingConfig given an empty one.
  const maxConcurrency = raw.maxConcurrency === false ? undefined : parseIntFlag('--max-concurrency', raw.maxConcurrency, 2, 1000);
  if (raw.maxConcurrency === false) options.maxConcurrency = null;
  if (batchSize !== undefined) options.batchSize = batchSize;
  if (batchingWindow !== undefined) options.batchingWindow = batchingWindow;
  if (maxConcurrency !== undefined) options.maxConcurrency = maxConcurrency;
  // commander gives `filter: false` for --no-filter and an array for --filter.
  if (raw.filter === false) options.filters = [];
  else {
    const filters = parseFilters(raw.filter);
    if (filters) options.filters = filters;
  }
  if (typeof raw.reportBatchItemFailures === 'boolean') options.reportBatchItemFailures = raw.reportBatchItemFailures;
  if (raw.disabled) options.enabled = false;
  if (raw.enabled) options.enabled = true;
  const shared = parseMappingOptions('sqs', raw, 'sqs');
  Object.assign(options, shared.settings);
  if (tagsAsked(shared.tags)) options.tags = shared.tags;
  if (shared.warnings.length > 0) options.warnings = shared.warnings;
  return options;
}

/** A queue as evsrc needs it. */
export interface ResolvedQueue {
  arn: string;
  url: string;
  name: string;
  region: string;
  fifo: boolean;
  visibilityTimeout: number;
}

/** The URL of a queue: given, or GetQueueUrl (by name, or by the name and account of an ARN). */
function queueUrl(aws: AwsSession, ref: QueueRef, region: string | undefined): Promise<string> {
  if (ref.kind === 'url') return Promise.resolve(ref.url);
  const input: Record<string, string> = { QueueName: ref.name };
  if (ref.kind === 'arn') input.QueueOwnerAWSAccountId = ref.account;
  return aws.call<{ QueueUrl?: string }>('sqs', 'GetQueueUrl', input, { region }).then((out) => out.QueueUrl ?? '');
}

/**
 * The ARN a queue URL names: the account and name are in its path, the region in its host or, for a
 * URL without one (an emulator's), the region the URL was asked in. Lets the mappings be listed beside
 * GetQueueAttributes; the QueueArn attribute confirms it (see planAdd).
 */
export function queueArnOfUrl(url: string, region: string): string | undefined {
  let ref: QueueRef;
  try {
    ref = parseQueueRef(url);
  } catch {
    return undefined;
  }
  if (ref.kind !== 'url' || !ref.account) return undefined;
  const inRegion = ref.region ?? region;
  return `arn:${partitionOf(inRegion)}:sqs:${inRegion}:${ref.account}:${ref.name}`;
}

function queueNotFound(ref: QueueRef, region: string | undefined) {
  return (error: unknown) =>
    isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue')
      ? new NotFoundError(`queue ${ref.kind === 'url' ? ref.url : ref.name} does not exist${region ? ` in ${region}` : ''}`, {
          awsErrorName: 'QueueDoesNotExist',
          hint: 'check the queue name and --region (aws sqs list-queues lists the queues of a region)',
        })
      : error;
}

/** GetQueueAttributes of a queue whose URL is known. */
async function readQueue(aws: AwsSession, ref: QueueRef, url: string, region: string | undefined): Promise<ResolvedQueue> {
  const attrs = await aws.call<{ Attributes?: Record<string, string> }>(
    'sqs',
    'GetQueueAttributes',
    { QueueUrl: url, AttributeNames: ['QueueArn', 'VisibilityTimeout', 'FifoQueue'] },
    { region },
  );
  const arn = attrs.Attributes?.QueueArn ?? '';
  return {
    arn,
    url,
    name: ref.name,
    region: arn.split(':')[3] ?? '',
    fifo: attrs.Attributes?.FifoQueue === 'true' || ref.name.endsWith('.fifo'),
    visibilityTimeout: Number(attrs.Attributes?.VisibilityTimeout ?? 30),
  };
}

/** Resolves a queue reference: GetQueueUrl (unless a URL was given), then GetQueueAttributes. */
export async function resolveQueue(aws: AwsSession, ref: QueueRef): Promise<ResolvedQueue> {
  // A queue ARN or an AWS queue URL names its region: call SQS there.
  const region = ref.kind === 'url' || ref.kind === 'arn' ? ref.region : undefined;
  try {
    return await readQueue(aws, ref, await queueUrl(aws, ref, region), region);
  } catch (error) {
    throw queueNotFound(ref, region)(error);
  }
}

/** The IAM actions a function's execution role needs to read a queue (AWSLambdaSQSQueueExecutionRole). */
export function sqsRoleHint(queue: ResolvedQueue, fn: ResolvedFunction): string {
  return (
    `the execution role ${fn.role ?? 'of the function'} needs sqs:ReceiveMessage, sqs:DeleteMessage and ` +
    `sqs:GetQueueAttributes on ${queue.arn} (plus kms:Decrypt on the queue's key if it uses a customer managed KMS key); ` +
    'attaching the AWS managed policy AWSLambdaSQSQueueExecutionRole grants them'
  );
}

/** Everything planSqs needs, read beforehand. */
export interface SqsPlanInput {
  queue: ResolvedQueue;
  fn: ResolvedFunction;
  /** All mappings that read the queue (any function). */
  mappings: EventSourceMappingConfiguration[];
  options: SqsOptions;
}

/** Plans `add sqs` from what was read (pure): queue rules, visibility timeout, converge. */
export function planSqs(input: SqsPlanInput): { actions: AddPlan['actions']; warnings: string[]; existing?: EventSourceMappingConfiguration } {
  const { queue, fn } = input;
  const { tags: _tags, warnings: flagWarnings, ...options } = input.options;
  const warnings: string[] = [...(flagWarnings ?? [])];
  if (fn.region && queue.region && fn.region !== queue.region) {
    throw new PreconditionError(`queue ${queue.arn} is in ${queue.region} but function ${fn.arn} is in ${fn.region}; Lambda reads queues of its own region only`);
  }
  const mine = input.mappings.filter((m) => m.FunctionArn === fn.arn);
  const others = input.mappings.filter((m) => m.FunctionArn !== fn.arn);
  const existing = mine[0];
  if (mine.length > 1) warnings.push(`${mine.length} mappings already connect this queue to ${fn.arn} (${mine.map((m) => m.UUID).join(', ')}); evsrc manages the first`);

  // AWS: FIFO queues take a batch size of at most 10 and no batching window.
  if (queue.fifo) {
    if (options.batchingWindow !== undefined) {
      throw invalidFlag('--batching-window', String(options.batchingWindow), `FIFO queue ${queue.name} does not support a batching window; leave the flag out`);
    }
    if (options.batchSize !== undefined && options.batchSize > 10) {
      throw invalidFlag('--batch-size', String(options.batchSize), `FIFO queue ${queue.name} allows a batch size from 1 to 10`);
    }
  }
  checkBatchWindow(effectiveSettings(options, existing, { batchSize: 10, batchingWindow: 0 }), options);
  const asked = planModes(options, existing, warnings);

  // AWS: the queue's visibility timeout must be at least the function timeout; it recommends six times it.
  const window = effectiveSettings(options, existing).batchingWindow ?? 0;
  if (queue.visibilityTimeout < fn.timeout) {
    throw new PreconditionError(
      `queue visibility timeout (${queue.visibilityTimeout}s) is shorter than the function timeout (${fn.timeout}s); Lambda refuses such a mapping`,
      {
        hint: `raise the queue's VisibilityTimeout to at least ${fn.timeout}s (AWS recommends ${6 * fn.timeout + window}s): aws sqs set-queue-attributes --queue-url ${queue.url} --attributes VisibilityTimeout=${6 * fn.timeout + window}`,
      },
    );
  }
  if (queue.visibilityTimeout < 6 * fn.timeout) {
    warnings.push(
      `queue visibility timeout (${queue.visibilityTimeout}s) is under six times the function timeout (${fn.timeout}s); AWS recommends at least ${6 * fn.timeout + window}s so retried batches are not processed twice`,
    );
  }
  if (options.filters && options.filters.length > 0) {
    warnings.push('SQS messages that match none of the filters are deleted from the queue, not left for other consumers');
  }
  if (others.length > 0) {
    const names = [...new Set(others.map((m) => m.FunctionArn))].join(', ');
    warnings.push(`the queue already feeds ${names}; each message goes to only one of the functions`);
  }

  const { actions } = planEsm({
    type: 'sqs',
    sourceArn: queue.arn,
    functionArn: fn.arn,
    existing: existing ? [existing] : [],
    asked,
    retry: [executionRoleRetry(sqsRoleHint(queue, fn))],
    region: queue.region || undefined,
  });
  return existing ? { actions, warnings, existing } : { actions, warnings };
}

/**
 * On-demand (ScalingConfig.MaximumConcurrency) and provisioned mode (ProvisionedPollerConfig) exclude each other
 * on an SQS mapping: asking one on a mapping that has the other also removes the other, in the same update, and
 * says so. A poller bound left out keeps the mapping's current one (else AWS's default); min ≤ max is checked on
 * the bounds the mapping ends with.
 */
function planModes(options: SqsOptions, existing: EventSourceMappingConfiguration | undefined, warnings: string[]): SqsOptions {
  const asked: SqsOptions = { ...options };
  const pollers = asked.provisionedPollers;
  const current = existing?.ProvisionedPollerConfig;
  if (pollers) {
    const min = pollers.min ?? current?.MinimumPollers;
    const max = pollers.max ?? current?.MaximumPollers;
    const filled = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    const low = filled.min ?? SQS_POLLER_DEFAULTS.min;
    const high = filled.max ?? SQS_POLLER_DEFAULTS.max;
    if (low > high) {
      // Name the flag the user gave; the other bound is the mapping's current one or AWS's default.
      const flag = pollers.min !== undefined ? '--min-pollers' : '--max-pollers';
      const value = pollers.min !== undefined ? low : high;
      const from = (given: number | undefined, now: number | undefined) => (given !== undefined ? 'asked' : now !== undefined ? "the mapping's current one" : 'the AWS default');
      throw invalidFlag(
        flag,
        String(value),
        `the minimum pollers (${low}, ${from(pollers.min, current?.MinimumPollers)}) must not exceed the maximum (${high}, ${from(pollers.max, current?.MaximumPollers)})`,
      );
    }
    asked.provisionedPollers = filled;
    if (existing?.ScalingConfig?.MaximumConcurrency !== undefined && asked.maxConcurrency === undefined) {
      asked.maxConcurrency = null;
      warnings.push(`provisioned mode replaces the mapping's maximum concurrency (${existing.ScalingConfig.MaximumConcurrency}); it is removed`);
    }
  }
  if (typeof asked.maxConcurrency === 'number' && current && (current.MinimumPollers !== undefined || current.MaximumPollers !== undefined) && asked.provisionedPollers === undefined) {
    asked.provisionedPollers = null;
    warnings.push('--max-concurrency turns provisioned mode off: AWS takes maximum concurrency or provisioned pollers, not both');
  }
  return asked;
}

async function planAdd(ctx: AdapterContext, request: AddRequest<SqsOptions>): Promise<AddPlan> {
  const { aws } = ctx;
  const ref = parseQueueRef(request.source);
  const region = ref.kind === 'url' || ref.kind === 'arn' ? ref.region : undefined;
  // Three reads side by side at most: the function; the queue URL; then the attributes and the mappings
  // together, the mappings listed by the ARN the URL names (an ARN given is listed at once).
  const fnP = resolveFunction(aws, request.fn);
  const urlP = queueUrl(aws, ref, region);
  const queueP = urlP.then((url) => readQueue(aws, ref, url, region)).catch((error: unknown) => {
    throw queueNotFound(ref, region)(error);
  });
  const guessP: Promise<string | undefined> =
    ref.kind === 'arn' ? Promise.resolve(ref.arn) : Promise.all([urlP, region ?? aws.region()]).then(([url, r]) => queueArnOfUrl(url, r));
  // A queue that cannot be read fails through queueP; the listing is then not needed.
  const listedP = guessP.then(
    async (arn) => (arn ? { arn, mappings: await listMappingsForSource(aws, arn, parseArn(arn)?.region || undefined) } : undefined),
    () => undefined,
  );
  const [queue, fn, listed] = await Promise.all([queueP, fnP, listedP]);
  // The QueueArn attribute is the truth: when the ARN derived from the URL differs, list again by it.
  const mappings = listed && listed.arn === queue.arn ? listed.mappings : await listMappingsForSource(aws, queue.arn, queue.region);
  const planned = planSqs({ queue, fn, mappings, options: request.options });
  // Tags are read (ListTags) only when a tag flag is given and the mapping exists.
  const tagOptions = request.options.tags ?? {};
  const queueRegion = queue.region || undefined;
  const currentTags = planned.existing && tagsAsked(tagOptions) ? await readMappingTags(ctx.aws, planned.existing, queueRegion) : undefined;
  const mappingActions = planned.actions.length;
  const tagged = tagsAsked(tagOptions) ? applyTagPlan(planned.actions, planned.existing, currentTags, tagOptions, queueRegion) : { actions: planned.actions };
  planned.actions = tagged.actions;
  const plan: AddPlan = {
    type: 'sqs',
    source: { arn: queue.arn, name: queue.name },
    functionArn: fn.arn,
    actions: planned.actions,
    warnings: planned.warnings,
    async finish(finishCtx, results) {
      const written = results.at(-1) as EventSourceMappingConfiguration | undefined;
      const mapping = written ?? planned.existing;
      if (!mapping) return undefined;
      const settled = written ? await waitForMapping(finishCtx, written, queue.region) : mapping;
      return mappingView('sqs', settled, SQS_SETTING_KEYS);
    },
  };
  if (planned.existing) plan.current = mappingView('sqs', planned.existing, SQS_SETTING_KEYS);
  if (plan.current && currentTags) plan.current.settings.tags = currentTags;
  withTagView(plan, mappingActions, tagged.tags);
  return plan;
}

/** The parsed source of `remove sqs`. */
export interface QueueSourceRef {
  type: 'sqs';
  queue: QueueRef;
}

/** Finds the mappings of a removed queue: a deleted queue's ARN is derived, so its mappings can still be cleaned up. */
async function queueMatcher(aws: AwsSession, ref: QueueSourceRef, fn: ResolvedFunction): Promise<SourceMatcher> {
  const queue = ref.queue;
  let queueArn: string;
  if (queue.kind === 'arn') queueArn = queue.arn;
  else {
    try {
      queueArn = (await resolveQueue(aws, queue)).arn;
    } catch (error) {
      // A deleted queue can still have mappings (Lambda disables them): derive its ARN to clean them up.
      if (!(error instanceof NotFoundError)) throw error;
      const account = queue.kind === 'url' && queue.account ? queue.account : fn.account;
      queueArn = `arn:${partitionOf(fn.region)}:sqs:${fn.region}:${account}:${queue.name}`;
    }
  }
  return { arn: queueArn, name: queue.name, matches: (s) => s === queueArn };
}

const MISSING_QUEUE = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue'];

/** The SQS trigger type. */
/** An SQS mapping as `add sqs` flags (AWS defaults: a batch of 10, no batching window). */
export const sqsFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => ({
    source: nameOrArn(view.sourceArn, parseArn(view.sourceArn)?.resource ?? '', scope),
    flags: mappingFlags(view, { batchSize: 10, batchingWindow: 0 }, scope),
  }),
  defaults: mappingDefaults({ batchSize: 10, batchingWindow: 0 }, true),
};

export const sqsType: TriggerType<SqsOptions, QueueSourceRef> = {
  spec: sqsSpec,
  file: sqsFile,
  parseAddOptions: parseSqsOptions,
  planAdd,
  ...mappingLifecycle<QueueSourceRef>({
    type: 'sqs',
    settingKeys: SQS_SETTING_KEYS,
    ownsSourceArn: sqsTypeSpec.ownsSourceArn,
    // One GetQueueUrl per queue for a function; one ListQueues for the region.
    checkSources: checkByReadOrListing(
      'queue',
      MISSING_QUEUE,
      (scan, sourceArn) => {
        const arn = parseArn(sourceArn);
        return scan.aws.call('sqs', 'GetQueueUrl', { QueueName: arn?.resource, QueueOwnerAWSAccountId: arn?.account }, { region: arn?.region || undefined });
      },
      (scan) =>
        scan.aws
          .paginate<string>('sqs', 'ListQueues', { MaxResults: 1000 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'QueueUrls' })
          .then((urls) => new Set(urls.map((u) => u.split('/').at(-1) ?? ''))),
    ),
    parseRemoveSource: (source) => ({ type: 'sqs', queue: parseQueueRef(source) }),
    matcher: queueMatcher,
  }),
};

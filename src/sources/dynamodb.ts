import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { listMappingsForFunction, listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError } from '../core/errors.js';
import { placeholder, type Action } from '../core/plan.js';
import { pollUntil } from '../core/poll.js';
import type { PlanWarning } from '../core/reporter.js';
import { executionRoleRetry } from '../mechanisms/esm/settings.js';
import { parseChoice } from './options.js';
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
import { sourceFinding, unreadable, type SourceCheck, type SourceProblem } from '../mechanisms/esm/inventory.js';
import { mappingLifecycle } from '../mechanisms/esm/lifecycle.js';
import { sourceNameOfArn } from '../inventory/model.js';
import { STREAM_SETTING_KEYS } from '../mechanisms/esm/streams.js';
import type { AdapterContext, AddPlan, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { mappingFlags, streamDefaults } from '../mechanisms/esm/entry.js';
import { STREAM_DEFAULTS } from '../mechanisms/esm/streams.js';
import { isLocal } from './entry.js';
import { dynamodbSpec, STREAM_VIEW_TYPES, type StreamViewType } from './dynamodb/spec.js';
import { dynamodbTypeSpec } from './registry.js';

export { dynamodbSpec, STREAM_VIEW_TYPES, type StreamViewType } from './dynamodb/spec.js';

/** Validated options of `evsrc add dynamodb`. */
export interface DynamodbOptions extends StreamOptions {
  /** Enable the table's stream with this view type when it has none. */
  enableStream?: StreamViewType;
}

/** Validates the raw flags of `add dynamodb` (pure: no AWS). */
export function parseDynamodbOptions(raw: Record<string, unknown>, now: Date = new Date()): DynamodbOptions {
  const options: DynamodbOptions = parseStreamOptions('dynamodb', raw, now);
  const view = parseChoice('--enable-stream', raw.enableStream, STREAM_VIEW_TYPES);
  if (view) options.enableStream = view;
  return options;
}

/** How the user named a table or its stream, normalised. */
export type TableRef =
  | { kind: 'name'; table: string }
  | { kind: 'table-arn'; table: string; arn: string; region: string; account: string }
  | { kind: 'stream-arn'; table: string; arn: string; streamArn: string; region: string; account: string };

// DynamoDB table names: 3-255 letters, digits, underscores, hyphens and dots.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Parses a table name, table ARN or stream ARN; throws a UsageError naming <table> otherwise. */
export function parseTableRef(value: string, label = '<table>'): TableRef {
  const arn = parseArn(value);
  if (arn) {
    const m = /^table\/([^/]+)(\/stream\/(.+))?$/.exec(arn.resource);
    const table = m?.[1];
    if (arn.service !== 'dynamodb' || !m || !table || !TABLE_NAME.test(table) || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(
        `${label}: ${JSON.stringify(value)} is not a DynamoDB table or stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>[/stream/<label>])`,
      );
    }
    const tableArn = `arn:${arn.partition}:dynamodb:${arn.region}:${arn.account}:table/${table}`;
    if (m[3]) return { kind: 'stream-arn', table, arn: tableArn, streamArn: value, region: arn.region, account: arn.account };
    return { kind: 'table-arn', table, arn: tableArn, region: arn.region, account: arn.account };
  }
  if (!TABLE_NAME.test(value)) {
    throw new UsageError(`${label}: ${JSON.stringify(value)} is not a DynamoDB table name, table ARN or stream ARN (table names are 3-255 letters, digits, _, - and .)`);
  }
  return { kind: 'name', table: value };
}

/** A table as evsrc needs it. */
export interface ResolvedTable {
  name: string;
  arn: string;
  region: string;
  status: string;
  /** The current stream, when one is enabled. */
  streamArn?: string;
  viewType?: string;
}

function tableOf(t: TableDescription | undefined, ref: TableRef): ResolvedTable {
  const arn = t?.TableArn ?? (ref.kind === 'name' ? '' : ref.arn);
  const table: ResolvedTable = { name: t?.TableName ?? ref.table, arn, region: arn.split(':')[3] ?? '', status: t?.TableStatus ?? 'ACTIVE' };
  if (t?.StreamSpecification?.StreamEnabled && t.LatestStreamArn) table.streamArn = t.LatestStreamArn;
  if (t?.StreamSpecification?.StreamViewType) table.viewType = t.StreamSpecification.StreamViewType;
  return table;
}

/** Reads a table with DescribeTable; a missing table is exit 3. */
export async function resolveTable(aws: AwsSession, ref: TableRef): Promise<ResolvedTable> {
  const region = ref.kind === 'name' ? undefined : ref.region;
  try {
    const out = await aws.call<{ Table?: TableDescription }>('dynamodb', 'DescribeTable', { TableName: ref.kind === 'name' ? ref.table : ref.arn }, { region });
    return tableOf(out.Table, ref);
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`table ${ref.table} does not exist in ${region ?? (await aws.region())}`, {
        awsErrorName: 'ResourceNotFoundException',
        hint: 'check the table name and --region (aws dynamodb list-tables lists the tables of a region)',
      });
    }
    throw error;
  }
}

/** The IAM actions the execution role needs to read the stream (AWSLambdaDynamoDBExecutionRole) and write to the destination. */
export function dynamodbRoleHint(table: ResolvedTable, fn: Pick<ResolvedFunction, 'role'>, destination?: ResolvedDestination): string {
  const stream = table.streamArn ?? `${table.arn}/stream/*`;
  return (
    `the execution role ${fn.role ?? 'of the function'} needs dynamodb:DescribeStream, dynamodb:GetRecords, ` +
    `dynamodb:GetShardIterator and dynamodb:ListStreams on ${stream}` +
    (destination ? `, and ${destinationActions(destination)}` : '') +
    '; the AWS managed policy AWSLambdaDynamoDBExecutionRole grants the stream actions'
  );
}

/** Everything planDynamodb needs, read beforehand. */
export interface DynamodbPlanInput {
  ref: TableRef;
  table: ResolvedTable;
  fn: ResolvedFunction;
  /** All mappings that read the table's current stream (any function). */
  readers: EventSourceMappingConfiguration[];
  /** All mappings of the function (any source). */
  functionMappings: EventSourceMappingConfiguration[];
  options: DynamodbOptions;
  destination?: ResolvedDestination;
  /** The wait after UpdateTable: until the table is ACTIVE with a stream ARN. */
  streamEnabled(result: unknown): Promise<unknown>;
  mappingGone(uuid: string): (result: unknown) => Promise<unknown>;
}

// DynamoDB Streams: "More than 2 processes are reading from the same streams shard at the same time.
// Exceeding this limit may result in request throttling" (LimitExceededException).
const MAX_READERS = 2;

/** Plans `add dynamodb` from what was read (pure): stream present or enabled, readers, converge. */
export function planDynamodb(input: DynamodbPlanInput): { actions: Action[]; warnings: PlanWarning[]; existing?: EventSourceMappingConfiguration; sourceArn: string } {
  const { ref, table, fn, options } = input;
  if (fn.region && table.region && fn.region !== table.region) {
    throw new PreconditionError(`table ${table.arn} is in ${table.region} but function ${fn.arn} is in ${fn.region}; Lambda reads streams of its own region only`);
  }
  const warnings: PlanWarning[] = [];
  const prepare: Action[] = [];
  if (ref.kind === 'stream-arn') {
    if (options.enableStream) throw new UsageError('--enable-stream: not valid with a stream ARN; name the table instead');
    if (!table.streamArn) {
      throw new PreconditionError(`stream ${ref.streamArn} is not enabled: table ${table.name} has no stream now`, {
        hint: `name the table and add --enable-stream NEW_AND_OLD_IMAGES (or NEW_IMAGE, OLD_IMAGE, KEYS_ONLY): evsrc add dynamodb ${table.name} --enable-stream NEW_AND_OLD_IMAGES ...`,
      });
    }
    if (table.streamArn !== ref.streamArn) {
      throw new PreconditionError(`stream ${ref.streamArn} is not the current stream of table ${table.name} (that is ${table.streamArn})`, {
        hint: `name the table (${table.name}) or its current stream ARN`,
      });
    }
  } else if (!table.streamArn) {
    if (!options.enableStream) {
      throw new PreconditionError(`table ${table.name} has no stream enabled; Lambda reads a table's changes from its DynamoDB stream`, {
        hint:
          `re-run with --enable-stream NEW_AND_OLD_IMAGES (or NEW_IMAGE, OLD_IMAGE, KEYS_ONLY) to let evsrc enable it, or enable it yourself: ` +
          `aws dynamodb update-table --table-name ${table.name} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`,
      });
    }
    const update: Action = {
      api: 'dynamodb:UpdateTable',
      summary: `enable the stream of table ${table.name} (${options.enableStream}) and wait until the table is ACTIVE`,
      input: { TableName: table.name, StreamSpecification: { StreamEnabled: true, StreamViewType: options.enableStream } },
      settle: input.streamEnabled,
      // Turning the stream off again would drop its records; a failed plan leaves it on and says so.
      undo: () => undefined,
    };
    if (table.region) update.region = table.region;
    prepare.push(update);
  } else if (options.enableStream && table.viewType && table.viewType !== options.enableStream) {
    warnings.push({
      code: 'enable-stream-ignored',
      message: `table ${table.name} already has a stream (${table.viewType}); --enable-stream ${options.enableStream} is ignored (changing the view type means disabling and re-enabling the stream, which gives it a new ARN)`,
    });
  }

  const streamArn = table.streamArn;
  const streamPrefix = `${table.arn}/stream/`;
  const readers = dedupeMappings([...input.readers, ...input.functionMappings.filter((m) => streamArn !== undefined && m.EventSourceArn === streamArn)]);
  const related = input.functionMappings.filter((m) => m.EventSourceArn?.startsWith(streamPrefix) && m.EventSourceArn !== streamArn);
  const asked = { ...options.settings };
  if (input.destination) asked.onFailure = input.destination.arn;
  const placeholderArn = placeholder(`stream ARN of table ${table.name}, known after UpdateTable`);
  const planned = planStreamMapping({
    type: 'dynamodb',
    ...(streamArn ? { sourceArn: streamArn } : {}),
    sourcePlaceholder: placeholderArn,
    functionArn: fn.arn,
    readers,
    related,
    asked,
    replace: options.replace,
    retry: [executionRoleRetry(dynamodbRoleHint(table, fn, input.destination))],
    region: table.region || undefined,
    ...(prepare.length > 0
      ? { prepare: { actions: prepare, sourceArnOf: (r: unknown) => (r as TableDescription | undefined)?.LatestStreamArn } }
      : {}),
    mappingGone: input.mappingGone,
  });
  warnings.push(...planned.warnings);
  if (planned.others.length >= MAX_READERS) {
    const fns = [...new Set(planned.others.map((m) => m.FunctionArn))].join(', ');
    warnings.push({
      code: 'too-many-stream-readers',
      message: `${planned.others.length} mappings already read stream ${streamArn} (${fns}); DynamoDB Streams throttles more than ${MAX_READERS} readers per shard`,
    });
  }
  return { actions: planned.actions, warnings, ...(planned.existing ? { existing: planned.existing } : {}), sourceArn: streamArn ?? placeholderArn };
}

/** The settle of UpdateTable: poll DescribeTable until the table is ACTIVE and its stream ARN is known. */
export function waitForStream(ctx: AdapterContext, tableName: string, region?: string): (result: unknown) => Promise<unknown> {
  const ready = (t: TableDescription | undefined) => t?.TableStatus === 'ACTIVE' && Boolean(t.StreamSpecification?.StreamEnabled && t.LatestStreamArn);
  return async (result) =>
    pollUntil(
      ctx,
      `table ${tableName} to be ACTIVE with a stream`,
      async () => (await ctx.aws.call<{ Table?: TableDescription }>('dynamodb', 'DescribeTable', { TableName: tableName }, { region })).Table,
      ready,
      { initial: (result as { TableDescription?: TableDescription } | undefined)?.TableDescription, describe: (t) => t?.TableStatus ?? 'unknown' },
    );
}

async function planAdd(ctx: AdapterContext, request: AddRequest<DynamodbOptions>): Promise<AddPlan> {
  const ref = parseTableRef(request.source);
  const tableP = resolveTable(ctx.aws, ref);
  const fnP = resolveFunction(ctx.aws, request.fn);
  const fnMappingsP = fnP.then((fn) => listMappingsForFunction(ctx.aws, fn));
  // With a stream ARN the readers can be listed at once, beside the resolutions.
  const readersP =
    ref.kind === 'stream-arn'
      ? listMappingsForSource(ctx.aws, ref.streamArn, ref.region)
      : tableP.then((t) => (t.streamArn ? listMappingsForSource(ctx.aws, t.streamArn, t.region || undefined) : []));
  const onFailure = request.options.onFailure;
  const destinationP = onFailure ? fnP.then((fn) => resolveDestination(ctx.aws, onFailure, fn)) : Promise.resolve(undefined);
  const [table, fn, functionMappings, readers, destination] = await Promise.all([tableP, fnP, fnMappingsP, readersP, destinationP]);
  const region = table.region || undefined;
  const planned = planDynamodb({
    ref,
    table,
    fn,
    readers,
    functionMappings,
    options: request.options,
    ...(destination ? { destination } : {}),
    streamEnabled: waitForStream(ctx, table.name, region),
    mappingGone: waitUntilMappingGone(ctx, region),
  });
  return tagStreamPlan(ctx, streamAddPlan('dynamodb', table.name, fn.arn, planned, region), planned.existing, request.options, region);
}

/** How `remove dynamodb` named its source: a table (every stream of it) or one stream ARN (only itself). */
export interface TableSourceRef {
  type: 'dynamodb';
  name: string;
  /** The table ARN, or the stream ARN when `exact`; a name gets its ARN in the function's region and account. */
  arn?: string;
  exact: boolean;
}

/** The same table, table ARN or stream ARN that `add dynamodb` takes; a stream ARN matches only itself. */
export function parseTableSource(source: string): TableSourceRef {
  const ref = parseTableRef(source);
  if (ref.kind === 'name') return { type: 'dynamodb', name: ref.table, exact: false };
  return ref.kind === 'stream-arn' ? { type: 'dynamodb', name: ref.table, arn: ref.streamArn, exact: true } : { type: 'dynamodb', name: ref.table, arn: ref.arn, exact: false };
}

/**
 * Judges a DynamoDB mapping's stream against DescribeTable's answer. After a table's stream is
 * disabled, DescribeTable still returns the old LatestStreamArn, with StreamSpecification.StreamEnabled
 * false (or no StreamSpecification at all): the mapping then reads nothing new.
 */
export function streamProblem(streamArn: string, table: TableDescription | undefined): SourceProblem | undefined {
  const latest = table?.LatestStreamArn;
  const enabled = table?.StreamSpecification?.StreamEnabled === true;
  if (latest !== streamArn) return latest && !enabled ? { stale: latest, latestDisabled: true } : { stale: latest ?? '' };
  if (!enabled) return { disabled: true };
  return undefined;
}

/** The table ARN part of a DynamoDB stream ARN. */
function tableArnOf(streamArn: string): string {
  const at = streamArn.indexOf('/stream/');
  return at >= 0 ? streamArn.slice(0, at) : streamArn;
}

/**
 * One DescribeTable per table (bounded concurrency), then each mapping's stream against the table's
 * current one (gone, stale or disabled). Region-wide, only tables of the functions' account are judged.
 */
export const checkTables: SourceCheck = async (scan, triggers) => {
  const account = scan.fn ? undefined : await scan.account();
  const byTable = new Map<string, TriggerView[]>();
  for (const t of triggers) {
    if (account !== undefined && parseArn(t.sourceArn)?.account !== account) continue;
    const table = tableArnOf(t.sourceArn);
    byTable.set(table, [...(byTable.get(table) ?? []), t]);
  }
  const results = await scan.each([...byTable.entries()], async ([tableArn, list]) => {
    const arn = parseArn(tableArn);
    if (!arn) return [];
    let table: TableDescription | undefined;
    try {
      const out = await scan.aws.call<{ Table?: TableDescription }>('dynamodb', 'DescribeTable', { TableName: sourceNameOfArn(tableArn) }, { region: arn.region || undefined });
      table = out.Table;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return list.map((t) => sourceFinding(t, { missing: true }, 'table'));
      return [unreadable(list, error)];
    }
    return list.flatMap((t) => {
      const problem = streamProblem(t.sourceArn, table);
      return problem ? [sourceFinding(t, problem, 'table')] : [];
    });
  });
  return results.flat();
};

/** The DynamoDB Streams trigger type. */
/**
 * A DynamoDB mapping as `add dynamodb` flags. The source is the table (its current stream is what a new
 * mapping reads, in this account or another), except for a mapping on an old stream or a missing table,
 * whose stream ARN is the only name that still means it.
 */
export const dynamodbFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const arn = parseArn(view.sourceArn);
    const table = /^table\/([^/]+)/.exec(arn?.resource ?? '')?.[1];
    const odd = scope.findings.some((f) => f.code === 'stale-stream' || f.code === 'source-missing');
    const source = !arn || !table || odd ? view.sourceArn : isLocal(view.sourceArn, scope) ? table : `arn:${arn.partition}:dynamodb:${arn.region}:${arn.account}:table/${table}`;
    return { source, flags: mappingFlags(view, STREAM_DEFAULTS, scope) };
  },
  defaults: streamDefaults(),
};

export const dynamodbType: TriggerType<DynamodbOptions, TableSourceRef> = {
  spec: dynamodbSpec,
  file: dynamodbFile,
  parseAddOptions: (raw) => parseDynamodbOptions(raw),
  planAdd,
  ...mappingLifecycle<TableSourceRef>({
    type: 'dynamodb',
    settingKeys: STREAM_SETTING_KEYS,
    ownsSourceArn: dynamodbTypeSpec.ownsSourceArn,
    checkSources: checkTables,
    parseRemoveSource: parseTableSource,
    // A table name or ARN matches every stream of the table: after a stream is disabled and re-enabled,
    // old mappings keep reading the old stream label. A stream ARN matches only itself.
    matcher: async (_aws, ref, fn) => {
      const arn = ref.arn ?? `arn:${partitionOf(fn.region)}:dynamodb:${fn.region}:${fn.account}:table/${ref.name}`;
      if (ref.exact) return { arn, name: ref.name, matches: (s) => s === arn };
      return { arn, name: ref.name, matches: (s) => s.startsWith(`${arn}/stream/`) };
    },
  }),
};

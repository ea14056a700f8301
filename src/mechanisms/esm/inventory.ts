import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { getMapping } from '../../aws/lambda.js';
import { awsErrorName, isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn } from '../../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../../core/concurrency.js';
import { mappingView } from './settings.js';
import { SQS_SETTING_KEYS } from '../../sources/sqs.js';
import { STREAM_SETTING_KEYS } from './streams.js';
import type { TriggerView } from '../../sources/contract.js';
import { sourceNameOfArn, sourceTypeOfArn, type Finding } from '../../inventory/model.js';

// Event source mappings for `list`: reading them (per function or for the whole region), showing them
// as triggers, and the checks on them (disabled by Lambda, processing problems, source gone).


const PAGE = { inputToken: 'Marker', outputToken: 'NextMarker', items: 'EventSourceMappings' };

/** A mapping as a trigger, or undefined for kinds evsrc does not handle (Kafka, MQ, DocumentDB). */
export function mappingTrigger(mapping: EventSourceMappingConfiguration): TriggerView | undefined {
  const type = sourceTypeOfArn(mapping.EventSourceArn ?? '');
  if (type !== 'sqs' && type !== 'dynamodb' && type !== 'kinesis') return undefined;
  const view = mappingView(type, mapping, type === 'sqs' ? SQS_SETTING_KEYS : STREAM_SETTING_KEYS);
  view.sourceName = sourceNameOfArn(view.sourceArn);
  return view;
}

/**
 * Problems a mapping shows by itself. A mapping Lambda disabled keeps State Disabled with a reason that
 * is not a user action (a deleted queue, a lost permission): CloudFormation drift does not see it.
 */
export function mappingFindings(trigger: TriggerView): Finding[] {
  const findings: Finding[] = [];
  const base = { functionArn: trigger.functionArn, sourceArn: trigger.sourceArn, triggerId: trigger.id };
  const reason = trigger.stateTransitionReason ?? '';
  if (trigger.state === 'Disabled' && reason && !/user/i.test(reason)) {
    findings.push({ ...base, code: 'disabled-by-lambda', message: `mapping ${trigger.id} (${trigger.type} ${trigger.sourceName}) was disabled by Lambda: ${reason}` });
  }
  const last = trigger.lastProcessingResult ?? '';
  if (/^PROBLEM/i.test(last)) {
    findings.push({ ...base, code: 'mapping-problem', message: `mapping ${trigger.id} (${trigger.type} ${trigger.sourceName}): ${last}` });
  }
  return findings;
}

/**
 * The mappings of a function and its aliases: one ListEventSourceMappings per name, run concurrently,
 * merged by UUID. `functionNames` should hold the ARN and the plain name (moto filters by the exact
 * string the mapping was created with) and each alias ARN (Lambda lists alias mappings only by alias).
 */
export async function listFunctionMappings(aws: AwsSession, functionNames: readonly string[], region?: string): Promise<EventSourceMappingConfiguration[]> {
  const pages = await Promise.all(
    functionNames.map((name) => aws.paginate<EventSourceMappingConfiguration>('lambda', 'ListEventSourceMappings', { FunctionName: name, MaxItems: 100 }, PAGE, { region })),
  );
  const byId = new Map<string, EventSourceMappingConfiguration>();
  for (const mapping of pages.flat()) if (mapping.UUID && !byId.has(mapping.UUID)) byId.set(mapping.UUID, mapping);
  return [...byId.values()];
}

/** The alias ARNs of a function (ListAliases, all pages): Lambda lists an alias's mappings only by its ARN. */
export async function listAliasArns(aws: AwsSession, unqualifiedArn: string, region?: string): Promise<string[]> {
  const aliases = await aws.paginate<{ AliasArn?: string }>('lambda', 'ListAliases', { FunctionName: unqualifiedArn }, { inputToken: 'Marker', outputToken: 'NextMarker', items: 'Aliases' }, { region });
  return aliases.map((a) => a.AliasArn).filter((a): a is string => Boolean(a));
}

/** Every mapping of the region (ListEventSourceMappings without filters, 100 a page). */
export function listAllMappings(aws: AwsSession, region?: string): Promise<EventSourceMappingConfiguration[]> {
  return aws.paginate<EventSourceMappingConfiguration>('lambda', 'ListEventSourceMappings', { MaxItems: 100 }, PAGE, { region });
}

/**
 * ListEventSourceMappings returns FilterCriteria null for mappings whose filters are encrypted with a
 * customer key; GetEventSourceMapping shows them (with kms:Decrypt). Re-reads only those mappings.
 */
export async function revealEncryptedFilters(aws: AwsSession, mappings: EventSourceMappingConfiguration[], region?: string): Promise<EventSourceMappingConfiguration[]> {
  return mapLimit(mappings, READ_CONCURRENCY, async (m) => {
    if (!m.KMSKeyArn || m.FilterCriteria || !m.UUID) return m;
    try {
      return (await getMapping(aws, m.UUID, region)) ?? m;
    } catch {
      return m;
    }
  });
}

/** The stream ARN a Kinesis source ARN belongs to (an enhanced fan-out consumer ARN gives its stream). */
function kinesisStreamArn(sourceArn: string): string {
  const at = sourceArn.indexOf('/consumer/');
  return at >= 0 ? sourceArn.slice(0, at) : sourceArn;
}

/** What is wrong with the source of a mapping, as far as evsrc checks. */
export type SourceProblem =
  | { missing: true }
  /** The mapping reads an old stream label; `stale` is the table's current stream ARN ('' when it has none). */
  | { stale: string; latestDisabled?: boolean }
  /** The mapping reads the table's current stream, but that stream is disabled. */
  | { disabled: true };

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
 * Checks the DynamoDB mappings given: one DescribeTable per table (bounded concurrency), then each
 * mapping's stream against the table's current one (gone, stale or disabled).
 */
async function checkTables(aws: AwsSession, triggers: readonly TriggerView[]): Promise<Finding[]> {
  const byTable = new Map<string, TriggerView[]>();
  for (const t of triggers) {
    if (t.type !== 'dynamodb') continue;
    const table = tableArnOf(t.sourceArn);
    byTable.set(table, [...(byTable.get(table) ?? []), t]);
  }
  const results = await mapLimit([...byTable.entries()], READ_CONCURRENCY, async ([tableArn, list]) => {
    const arn = parseArn(tableArn);
    if (!arn) return [];
    let table: TableDescription | undefined;
    try {
      const out = await aws.call<{ Table?: TableDescription }>('dynamodb', 'DescribeTable', { TableName: sourceNameOfArn(tableArn) }, { region: arn.region || undefined });
      table = out.Table;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return list.map((t) => sourceFinding(t, { missing: true }));
      return [unreadable(list, error)];
    }
    return list.flatMap((t) => {
      const problem = streamProblem(t.sourceArn, table);
      return problem ? [sourceFinding(t, problem)] : [];
    });
  });
  return results.flat();
}

/** Does the source of one mapping still exist? One read per distinct source (the --function path). */
export async function checkSourcesEach(aws: AwsSession, triggers: readonly TriggerView[]): Promise<Finding[]> {
  const bySource = new Map<string, TriggerView[]>();
  for (const t of triggers) {
    if (t.type !== 'sqs' && t.type !== 'kinesis') continue;
    bySource.set(t.sourceArn, [...(bySource.get(t.sourceArn) ?? []), t]);
  }
  const [others, tables] = await Promise.all([
    mapLimit([...bySource.entries()], READ_CONCURRENCY, async ([sourceArn, list]) => {
      const first = list[0] as TriggerView;
      const arn = parseArn(sourceArn);
      if (!arn) return [];
      const region = arn.region || undefined;
      try {
        if (first.type === 'sqs') {
          await aws.call('sqs', 'GetQueueUrl', { QueueName: arn.resource, QueueOwnerAWSAccountId: arn.account }, { region });
        } else {
          await aws.call('kinesis', 'DescribeStreamSummary', { StreamARN: kinesisStreamArn(sourceArn) }, { region });
        }
      } catch (error) {
        if (isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue', 'ResourceNotFoundException')) {
          return list.map((t): Finding => sourceFinding(t, { missing: true }));
        }
        return [unreadable(list, error)];
      }
      return [];
    }),
    checkTables(aws, triggers),
  ]);
  return [...others.flat(), ...tables];
}

/**
 * Does each mapping's source still exist? Region-wide, with one list call per service that has mappings
 * (ListQueues, ListStreams) instead of one read per mapping. DynamoDB mappings get one DescribeTable per
 * table instead, which also tells whether they read the table's current, enabled stream. Only
 * same-account sources are judged.
 */
export async function checkSourcesByListing(aws: AwsSession, triggers: readonly TriggerView[], account: string | undefined, region?: string): Promise<Finding[]> {
  const mine = triggers.filter((t) => parseArn(t.sourceArn)?.account === account);
  const has = (type: string) => mine.some((t) => t.type === type);
  const [queues, streams, tableFindings] = await Promise.all([
    has('sqs')
      ? aws
          .paginate<string>('sqs', 'ListQueues', { MaxResults: 1000 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'QueueUrls' }, { region })
          .then((urls) => new Set(urls.map((u) => u.split('/').at(-1) ?? '')))
      : undefined,
    has('kinesis')
      ? aws.paginate<string>('kinesis', 'ListStreams', { Limit: 100 }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'StreamNames' }, { region }).then((n) => new Set(n))
      : undefined,
    checkTables(aws, mine),
  ]);
  const findings: Finding[] = [];
  for (const t of mine) {
    const name = sourceNameOfArn(t.sourceArn);
    const known = t.type === 'sqs' ? queues : t.type === 'kinesis' ? streams : undefined;
    if (known && !known.has(name)) findings.push(sourceFinding(t, { missing: true }));
  }
  return [...findings, ...tableFindings];
}

function sourceFinding(t: TriggerView, status: SourceProblem): Finding {
  const base = { functionArn: t.functionArn, sourceArn: t.sourceArn, triggerId: t.id };
  const what = t.type === 'sqs' ? 'queue' : t.type === 'dynamodb' ? 'table' : 'stream';
  if ('disabled' in status) {
    return {
      ...base,
      code: 'stale-stream',
      message: `mapping ${t.id} reads the stream of table ${t.sourceName}, but the table's stream is disabled: the mapping reads nothing new`,
    };
  }
  if ('stale' in status) {
    return {
      ...base,
      code: 'stale-stream',
      message: !status.stale
        ? `mapping ${t.id} reads a stream of table ${t.sourceName}, which has no stream enabled any more`
        : status.latestDisabled
          ? `mapping ${t.id} reads an old stream of table ${t.sourceName}; the table's latest stream ${status.stale} is disabled too: the mapping reads nothing new`
          : `mapping ${t.id} reads an old stream of table ${t.sourceName}; the table's current stream is ${status.stale} (streams were disabled and re-enabled)`,
    };
  }
  return { ...base, code: 'source-missing', message: `mapping ${t.id} reads ${what} ${t.sourceName}, which no longer exists` };
}

function unreadable(list: readonly TriggerView[], error: unknown): Finding {
  const t = list[0] as TriggerView;
  return {
    code: 'unreadable-source',
    message: `could not check ${t.type} source ${t.sourceArn}: ${awsErrorName(error)}`,
    functionArn: t.functionArn,
    sourceArn: t.sourceArn,
  };
}

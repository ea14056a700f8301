import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { getMapping } from '../../aws/lambda.js';
import { awsErrorName, isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn } from '../../core/arn.js';
import { mapLimit, READ_CONCURRENCY } from '../../core/concurrency.js';
import { mappingView, type EsmSettings } from './settings.js';
import type { ListScan, SourceType, TriggerView } from '../../sources/contract.js';
import { sourceNameOfArn, type Finding } from '../../inventory/model.js';

// Event source mappings for `list`: reading them (per function or for the whole region), showing them
// as triggers, and the checks on them (disabled by Lambda, processing problems, source gone).


const PAGE = { inputToken: 'Marker', outputToken: 'NextMarker', items: 'EventSourceMappings' };

/** A mapping of a given type as a trigger, with the settings that type shows. */
export function mappingTrigger(type: SourceType, mapping: EventSourceMappingConfiguration, keys: readonly string[]): TriggerView {
  const view = mappingView(type, mapping, keys as readonly (keyof EsmSettings)[]);
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

/** Judges the sources of some mappings: the findings (source gone, unreadable, stale) it has. */
export type SourceCheck = (scan: ListScan, triggers: readonly TriggerView[]) => Promise<Finding[]>;

/**
 * A SourceCheck from two reads: with --function, `readOne` per distinct source (it throws a "not found"
 * error named in `missing` when the source is gone); region-wide, `listNames` once (the names of every
 * source of that kind in the region), judging only sources in the functions' account.
 */
export function checkByReadOrListing(
  noun: string,
  missing: readonly string[],
  readOne: (scan: ListScan, sourceArn: string) => Promise<unknown>,
  listNames: (scan: ListScan) => Promise<ReadonlySet<string>>,
): SourceCheck {
  return async (scan, triggers) => {
    if (triggers.length === 0) return [];
    if (scan.fn) {
      const bySource = new Map<string, TriggerView[]>();
      for (const t of triggers) bySource.set(t.sourceArn, [...(bySource.get(t.sourceArn) ?? []), t]);
      const results = await scan.each([...bySource.entries()], async ([sourceArn, list]) => {
        try {
          await readOne(scan, sourceArn);
        } catch (error) {
          if (isAwsError(error, ...missing)) return list.map((t): Finding => sourceFinding(t, { missing: true }, noun));
          return [unreadable(list, error)];
        }
        return [];
      });
      return results.flat();
    }
    const account = await scan.account();
    const mine = triggers.filter((t) => parseArn(t.sourceArn)?.account === account);
    if (mine.length === 0) return [];
    const known = await listNames(scan);
    return mine.filter((t) => !known.has(sourceNameOfArn(t.sourceArn))).map((t) => sourceFinding(t, { missing: true }, noun));
  };
}

/** What is wrong with the source of a mapping, as far as evsrc checks. */
export type SourceProblem =
  | { missing: true }
  /** The mapping reads an old stream label; `stale` is the table's current stream ARN ('' when it has none). */
  | { stale: string; latestDisabled?: boolean }
  /** The mapping reads the table's current stream, but that stream is disabled. */
  | { disabled: true };

/** The finding for a mapping whose source has a problem; `noun` names the source (queue, table, stream). */
export function sourceFinding(t: TriggerView, status: SourceProblem, noun: string): Finding {
  const base = { functionArn: t.functionArn, sourceArn: t.sourceArn, triggerId: t.id };
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
  return { ...base, code: 'source-missing', message: `mapping ${t.id} reads ${noun} ${t.sourceName}, which no longer exists` };
}

/** The finding for sources that could not be read (access denied, another region). */
export function unreadable(list: readonly TriggerView[], error: unknown): Finding {
  const t = list[0] as TriggerView;
  return {
    code: 'unreadable-source',
    message: `could not check ${t.type} source ${t.sourceArn}: ${awsErrorName(error)}`,
    functionArn: t.functionArn,
    sourceArn: t.sourceArn,
  };
}

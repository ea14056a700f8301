import { resolveFunction } from '../../aws/lambda.js';
import { parseArn } from '../../core/arn.js';
import { AwsFailure } from '../../core/errors.js';
import { belongsTo, type Finding } from '../../inventory/model.js';
import { type SourceStatus } from '../../mechanisms/permission/grants.js';
import { functionGrants } from '../../mechanisms/permission/removal.js';
import type { AdapterContext, Discovery, ExportScope, FileTraits, ListScan, RemovalPlan, RemoveRequest, TriggerType, TriggerView } from '../contract.js';
import { nameOrArn } from '../entry.js';
import { checkSameAccountRegion, parseFilterName, parseLogGroupRef, parseLogsOptions, planLogsAdd, type LogGroupRef, type LogsOptions } from './add.js';
import { filterView, isFunctionArn, listLogGroups, logGroupArn, logGroupNameOfArn, readGroupFilters, wildcardPrefix } from './inventory.js';
import { logGroupOfGrant, logsSpec } from './spec.js';
import { logsTypeSpec } from '../registry.js';

export { logGroupOfGrant } from './spec.js';

const push = logsTypeSpec.push;
import { planLogsRemoval } from './removal.js';

// The CloudWatch Logs trigger type: a subscription filter on a log group that sends to the function, and the
// function's permission for the log group.

async function discover(scan: ListScan): Promise<Discovery> {
  const { aws, fn, target } = scan;
  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  let triggers: TriggerView[];
  if (fn && target) {
    // With a function: one read per log group its policy names (there is no lookup of filters by destination).
    const grants = ((await scan.grants()) ?? []).filter((g) => g.type === 'logs');
    const arns = [...new Set(grants.map(logGroupOfGrant).filter((s): s is string => s !== undefined))];
    const lists = await scan.each(arns, async (arn): Promise<TriggerView[]> => {
      const name = logGroupNameOfArn(arn) as string;
      const parsed = parseArn(arn);
      const read = await readGroupFilters(aws, name, parsed?.region || undefined);
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read the subscription filters of log group ${name}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
        return [];
      }
      const starred = logGroupArn(parsed?.region ?? scan.region, parsed?.account ?? '', name);
      // A grant without the trailing ':*' does not match what CloudWatch Logs sends: its filter is flagged as
      // lacking a permission, and the grant is not called an orphan as well.
      if (arn === starred) sources.set(arn, read.status);
      if (read.status !== 'exists') return [];
      return read.filters.filter((f) => belongsTo(f.destinationArn ?? '', target)).map((f) => filterView(f, starred));
    });
    // Grants with a wildcard (log-group:/aws/lambda/*) or no SourceArn let many groups send: look for the
    // function's filters in every group they cover (DescribeLogGroups by name prefix).
    const prefixes = new Set<string>();
    for (const g of grants) {
      if (logGroupOfGrant(g) !== undefined) continue;
      for (const sourceArn of g.sourceArns.length > 0 ? g.sourceArns : [undefined]) {
        const prefix = wildcardPrefix(sourceArn, scan.region, fn.account);
        if (prefix !== undefined) prefixes.add(prefix);
      }
    }
    const read = new Set(arns.map((a) => logGroupNameOfArn(a)));
    const covered = prefixes.has('') ? [''] : [...prefixes];
    const groups = (await scan.each(covered, (prefix) => listLogGroups(aws, scan.region, prefix || undefined))).flat();
    const wide = await scan.each(
      [...new Map(groups.filter((g) => g.logGroupName && !read.has(g.logGroupName)).map((g) => [g.logGroupName as string, g])).values()],
      async (group): Promise<TriggerView[]> => {
        const name = group.logGroupName as string;
        const filters = await readGroupFilters(aws, name, scan.region);
        if (filters.status !== 'exists') return [];
        const starred = logGroupArn(scan.region, fn.account, name);
        return filters.filters.filter((f) => belongsTo(f.destinationArn ?? '', target)).map((f) => filterView(f, starred));
      },
    );
    triggers = [...lists.flat(), ...wide.flat()];
  } else {
    // Region-wide: every log group, then its filters (bounded), keeping those that send to a function.
    const groups = await listLogGroups(aws);
    const lists = await scan.each(groups, async (group): Promise<TriggerView[]> => {
      const name = group.logGroupName;
      if (!name) return [];
      const arn = group.arn ?? (group.logGroupArn ? `${group.logGroupArn}:*` : undefined);
      const read = await readGroupFilters(aws, name);
      if (read.status !== 'exists') return [];
      if (arn) sources.set(arn, 'exists');
      const groupArn = arn ?? logGroupArn(scan.region, '', name);
      return read.filters.filter((f) => isFunctionArn(f.destinationArn)).map((f) => filterView(f, groupArn));
    });
    triggers = lists.flat();
  }
  return { triggers, findings, sources };
}

/** The parsed source of `remove logs`. */
export interface LogsRemoveSource {
  group: LogGroupRef;
  filterName?: string;
}

function parseRemove(source: string, raw: Record<string, unknown>): LogsRemoveSource {
  const parsed: LogsRemoveSource = { group: parseLogGroupRef(source) };
  if (raw.filterName !== undefined) parsed.filterName = parseFilterName(String(raw.filterName));
  return parsed;
}

async function planRemove(ctx: AdapterContext, request: RemoveRequest<LogsRemoveSource>): Promise<RemovalPlan> {
  const { group, filterName } = request.source;
  checkSameAccountRegion(group, { region: request.fn.region, account: request.fn.account });
  const region = group.kind === 'arn' ? group.region : (request.fn.region ?? (await ctx.aws.region()));
  const [fnSide, readSide] = await Promise.allSettled([
    resolveFunction(ctx.aws, request.fn).then(async (fn) => {
      checkSameAccountRegion(group, fn);
      return { fn, grants: await functionGrants(ctx.aws, fn, 'logs', push) };
    }),
    readGroupFilters(ctx.aws, group.name, region),
  ]);
  if (fnSide.status === 'rejected') throw fnSide.reason;
  if (readSide.status === 'rejected') throw readSide.reason;
  const { fn, grants } = fnSide.value;
  const read = readSide.value;
  if (read.status === 'unreadable') {
    throw new AwsFailure(`cannot read the subscription filters of log group ${group.name}: ${read.error}`, { hint: 'the caller needs logs:DescribeSubscriptionFilters' });
  }
  const input: Parameters<typeof planLogsRemoval>[0] = {
    groupName: group.name,
    groupArn: logGroupArn(region, fn.account, group.name),
    region,
    functionArn: fn.arn,
    grants,
  };
  if (read.status === 'exists') input.filters = read.filters;
  if (filterName !== undefined) input.filterName = filterName;
  const plan = planLogsRemoval(input);
  for (const action of plan.actions) action.region ??= fn.region;
  return plan;
}

/** The CloudWatch Logs trigger type. */
/** A subscription filter as `add logs` flags: always its name (it is how a log group's filters are told apart), and its pattern. */
const file: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const flags: Record<string, unknown> = { filterName: view.id };
    if (typeof view.settings.filterPattern === 'string' && view.settings.filterPattern !== '') flags.filterPattern = view.settings.filterPattern;
    return { source: nameOrArn(view.sourceArn, logGroupNameOfArn(view.sourceArn) ?? '', scope), flags };
  },
  // No pattern in the entry: every log event is sent.
  defaults: [{ unless: ['filterPattern'], flags: { filterPattern: '' } }],
  removeArgs: (view: TriggerView) => ({ source: view.sourceArn, flags: { filterName: view.id } }),
};

export const logsType: TriggerType<LogsOptions, LogsRemoveSource> = {
  spec: logsSpec,
  file,
  parseAddOptions: parseLogsOptions,
  planAdd: planLogsAdd,
  ownsSourceArn: logsTypeSpec.ownsSourceArn,
  push,
  discover,
  parseRemove,
  planRemove,
};

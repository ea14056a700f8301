import { isAwsError } from '../../aws/errors.js';
import type { AwsSession } from '../../aws/session.js';
import { parseArn } from '../../core/arn.js';
import type { CallApi } from '../../core/executor.js';
import type { Finding } from '../../inventory/model.js';
import { belongsTo } from '../../inventory/model.js';
import { exactSource, type SourceStatus } from '../../mechanisms/permission/grants.js';
import type { Discovery, ListScan, TriggerView } from '../contract.js';
import { DEFAULT_BUS, busInput, ruleDisplayName, ruleOfArn } from './rule.js';

// EventBridge for `add`, `list` and `remove`: a rule's targets and how a Lambda target is shown.

/** A target as ListTargetsByRule returns it (the fields evsrc reads; others are kept as they are). */
export interface EbTarget {
  Id?: string;
  Arn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: unknown;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  RoleArn?: string;
  [field: string]: unknown;
}

/** A rule as DescribeRule (or ListRules) returns it. */
export interface RuleState {
  Name?: string;
  Arn?: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State?: string;
  Description?: string;
  RoleArn?: string;
  ManagedBy?: string;
  EventBusName?: string;
  CreatedBy?: string;
}

/** Every target of a rule (ListTargetsByRule, all pages), through a CallApi. */
export async function listTargets(call: CallApi, rule: { name: string; bus: string; region?: string }): Promise<EbTarget[]> {
  const all: EbTarget[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const input: Record<string, unknown> = { Rule: rule.name, ...busInput(rule.bus) };
    if (token) input.NextToken = token;
    const out = (await call('events:ListTargetsByRule', input, rule.region)) as { Targets?: EbTarget[]; NextToken?: string };
    all.push(...(out.Targets ?? []));
    token = out.NextToken || undefined;
    if (token && seen.has(token)) break;
    if (token) seen.add(token);
  } while (token);
  return all;
}

/** True when a target ARN is a Lambda function (or alias/version) ARN. */
export function isFunctionArn(arn: string | undefined, region?: string): boolean {
  const parsed = parseArn(arn ?? '');
  return Boolean(parsed && parsed.service === 'lambda' && parsed.resource.startsWith('function:') && (region === undefined || parsed.region === region));
}

function parseOr(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A rule's Lambda target as a trigger. */
export function ebTrigger(rule: RuleState, bus: string, target: EbTarget): TriggerView {
  const settings: Record<string, unknown> = {};
  if (rule.EventPattern !== undefined) settings.pattern = parseOr(rule.EventPattern);
  if (rule.ScheduleExpression !== undefined) settings.schedule = rule.ScheduleExpression;
  if (target.Input !== undefined) settings.input = parseOr(target.Input);
  if (target.InputPath !== undefined) settings.inputPath = target.InputPath;
  if (target.InputTransformer !== undefined) settings.inputTransformer = target.InputTransformer;
  if (target.RetryPolicy?.MaximumRetryAttempts !== undefined) settings.retryAttempts = target.RetryPolicy.MaximumRetryAttempts;
  if (target.RetryPolicy?.MaximumEventAgeInSeconds !== undefined) settings.maxEventAge = target.RetryPolicy.MaximumEventAgeInSeconds;
  if (target.DeadLetterConfig?.Arn) settings.dlq = target.DeadLetterConfig.Arn;
  if (bus !== DEFAULT_BUS) settings.eventBus = bus;
  const name = rule.Name ?? ruleOfArn(rule.Arn ?? '')?.name ?? '';
  const view: TriggerView = {
    type: 'eventbridge',
    id: target.Id ?? '',
    sourceArn: rule.Arn ?? '',
    sourceName: ruleDisplayName(bus, name),
    functionArn: target.Arn ?? '',
    settings,
  };
  if (rule.State) view.state = rule.State;
  return view;
}

const PAGE = (items: string) => ({ inputToken: 'NextToken', outputToken: 'NextToken', items });

/** The bus names of the region (ListEventBuses, all pages). */
async function listBuses(aws: AwsSession, region: string): Promise<string[]> {
  const buses = await aws.paginate<{ Name?: string }>('events', 'ListEventBuses', {}, PAGE('EventBuses'), { region });
  const names = buses.map((b) => b.Name).filter((n): n is string => Boolean(n));
  return names.includes(DEFAULT_BUS) ? names : [DEFAULT_BUS, ...names];
}

/** DescribeRule by ARN for `list`: exists, missing, or unreadable. */
async function ruleStatus(aws: AwsSession, arn: string): Promise<{ status: SourceStatus; rule?: RuleState } | { status: 'unreadable'; error: string }> {
  const ref = ruleOfArn(arn);
  if (!ref) return { status: 'unreadable', error: 'not a rule ARN' };
  try {
    const rule = await aws.call<RuleState>('events', 'DescribeRule', { Name: ref.name, ...busInput(ref.bus) }, { region: ref.region || undefined });
    return { status: 'exists', rule };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return { status: 'missing' };
    if (isAwsError(error, 'AccessDeniedException')) return { status: 'unreadable', error: (error as Error).name };
    throw error;
  }
}

/** Finds EventBridge triggers: by reverse lookup with --function, else every rule of every bus. */
export async function discoverEventBridge(scan: ListScan): Promise<Discovery> {
  const { aws, fn, target } = scan;
  const sources = new Map<string, SourceStatus>();
  const findings: Finding[] = [];
  const triggers: TriggerView[] = [];
  const region = scan.region;
  const buses = await listBuses(aws, region);
  const eventsCall: CallApi = (api, input) => aws.call('events', api.split(':')[1] ?? '', input, { region });
  if (fn && target) {
    // ListRuleNamesByTarget matches the exact target ARN: ask for the function's ARN, its aliases (a
    // target on an alias without a permission is the silent failure list exists to show) and every
    // qualified ARN the function's policy grants EventBridge (versions too).
    const [allGrants, aliases] = await Promise.all([scan.grants(), scan.aliases()]);
    const grants = (allGrants ?? []).filter((g) => g.type === 'eventbridge');
    const arns = [...new Set([fn.arn, ...aliases, ...grants.map((g) => g.functionArn)])].filter((a) => belongsTo(a, target));
    const pairs = buses.flatMap((bus) => arns.map((arn) => ({ bus, arn })));
    const found = await scan.each(pairs, async ({ bus, arn }) => {
      const names = await aws.paginate<string>('events', 'ListRuleNamesByTarget', { TargetArn: arn, ...busInput(bus) }, PAGE('RuleNames'), { region });
      return names.map((name) => ({ bus, name }));
    });
    const rules = [...new Map(found.flat().map((r) => [`${r.bus}\u0000${r.name}`, r])).values()];
    const read = await scan.each(rules, async (r) => {
      const [rule, targets] = await Promise.all([
        aws.call<RuleState>('events', 'DescribeRule', { Name: r.name, ...busInput(r.bus) }, { region }),
        listTargets(eventsCall, r),
      ]);
      return { bus: r.bus, rule, targets };
    });
    for (const { bus, rule, targets } of read) {
      if (rule.Arn) sources.set(rule.Arn, 'exists');
      for (const t of targets) if (t.Arn && belongsTo(t.Arn, target)) triggers.push(ebTrigger(rule, bus, t));
    }
    // A grant for a rule not found above: does that rule still exist?
    // Only rules of the function's account and region can be read by name here; others are not judged.
    const named = [...new Set(grants.map(exactSource).filter((s): s is string => s !== undefined && ruleOfArn(s) !== undefined))].filter(
      (s) => !sources.has(s) && ruleOfArn(s)?.account === fn.account && ruleOfArn(s)?.region === region,
    );
    const statuses = await scan.each(named, async (arn) => ({ arn, read: await ruleStatus(aws, arn) }));
    for (const { arn, read } of statuses) {
      if (read.status === 'unreadable') {
        findings.push({ code: 'unreadable-source', message: `could not read rule ${arn}: ${read.error}`, functionArn: fn.arn, sourceArn: arn });
      } else sources.set(arn, read.status);
    }
  } else {
    const perBus = await scan.each(buses, async (bus) => {
      const rules = await aws.paginate<RuleState>('events', 'ListRules', busInput(bus), PAGE('Rules'), { region });
      return rules.map((rule) => ({ bus, rule }));
    });
    const rules = perBus.flat();
    const read = await scan.each(rules, async ({ bus, rule }) => ({
      bus,
      rule,
      targets: await listTargets(eventsCall, { name: rule.Name ?? '', bus }),
    }));
    for (const { bus, rule, targets } of read) {
      if (rule.Arn) sources.set(rule.Arn, 'exists');
      for (const t of targets) if (isFunctionArn(t.Arn, region)) triggers.push(ebTrigger(rule, bus, t));
    }
  }
  return { triggers, findings, sources };
}

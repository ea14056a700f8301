import { parseArn, partitionOf } from '../../core/arn.js';
import { UsageError, invalidFlag } from '../../core/errors.js';
import { checkJsonDepth, comparableJson, canonicalJson, patternShapeProblem, readInlineOrFile, shownValue } from '../options.js';

// EventBridge rules as evsrc names them: rule and bus references, rule ARNs, and the local checks of
// names, event patterns and schedule expressions that AWS (and moto, which checks none of them) applies.

/** The default event bus; rules on it have ARNs `rule/<name>`, others `rule/<bus>/<name>`. */
export const DEFAULT_BUS = 'default';

/** Rule names and target ids: 1-64 of [.\-_A-Za-z0-9] (EventBridge API reference, RuleName / TargetId). */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** Event bus names: 1-256 of [/.\-_A-Za-z0-9] (partner buses contain slashes). */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;

/** A rule as the user named it; region and account are known only when an ARN was given. */
export interface RuleRef {
  name: string;
  /** The bus name (`default` for the default bus). */
  bus: string;
  region?: string;
  account?: string;
  partition?: string;
}

/** A bus as --event-bus named it. */
export interface BusRef {
  name: string;
  region?: string;
  account?: string;
  partition?: string;
}

/** Parses --event-bus: a bus name or an event-bus ARN. */
export function parseBusRef(value: string, flag = '--event-bus'): BusRef {
  const arn = parseArn(value);
  if (arn) {
    const name = arn.resource.startsWith('event-bus/') ? arn.resource.slice('event-bus/'.length) : '';
    if (arn.service !== 'events' || !arn.region || !/^\d{12}$/.test(arn.account) || !BUS_NAME.test(name)) {
      throw invalidFlag(flag, value, 'allowed: an event bus name or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)');
    }
    return { name, region: arn.region, account: arn.account, partition: arn.partition };
  }
  if (!BUS_NAME.test(value)) throw invalidFlag(flag, value, 'allowed: an event bus name (1-256 of letters, digits, . - _ /) or an event bus ARN');
  return { name: value };
}

/** Parses the `<rule>` argument (a name, or a rule ARN) with an optional --event-bus; throws UsageError. */
export function parseRuleRef(value: string, bus?: BusRef): RuleRef {
  const arn = parseArn(value);
  if (arn) {
    const path = arn.resource.startsWith('rule/') ? arn.resource.slice('rule/'.length) : '';
    const cut = path.lastIndexOf('/');
    const name = cut >= 0 ? path.slice(cut + 1) : path;
    const ruleBus = cut >= 0 ? path.slice(0, cut) : DEFAULT_BUS;
    if (arn.service !== 'events' || !arn.region || !/^\d{12}$/.test(arn.account) || !RULE_NAME.test(name) || !BUS_NAME.test(ruleBus)) {
      throw new UsageError(
        `<rule>: ${JSON.stringify(value)} is not an EventBridge rule ARN (arn:aws:events:<region>:<account>:rule/<name>, or rule/<bus>/<name> on a custom bus)`,
      );
    }
    if (bus && bus.name !== ruleBus) {
      throw new UsageError(`--event-bus: ${JSON.stringify(bus.name)} differs from the bus in the rule ARN (${ruleBus}); give one or the other`);
    }
    if (bus?.region && bus.region !== arn.region) throw new UsageError(`--event-bus: the bus ARN is in ${bus.region}, the rule ARN in ${arn.region}`);
    return { name, bus: ruleBus, region: arn.region, account: arn.account, partition: arn.partition };
  }
  if (!RULE_NAME.test(value)) {
    throw new UsageError(`<rule>: invalid rule name ${JSON.stringify(value)}; allowed: 1-64 letters, digits, '.', '-' and '_', or a rule ARN`);
  }
  const ref: RuleRef = { name: value, bus: bus?.name ?? DEFAULT_BUS };
  if (bus?.region) ref.region = bus.region;
  if (bus?.account) ref.account = bus.account;
  if (bus?.partition) ref.partition = bus.partition;
  return ref;
}

/** The ARN of a rule: `rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere. */
export function ruleArn(region: string, account: string, bus: string, name: string, partition = partitionOf(region)): string {
  return `arn:${partition}:events:${region}:${account}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${name}`;
}

/** Bus and name of a rule ARN, or undefined when it is not one. */
export function ruleOfArn(arn: string): { bus: string; name: string; region: string; account: string } | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'events' || !parsed.resource.startsWith('rule/')) return undefined;
  const path = parsed.resource.slice('rule/'.length);
  const cut = path.lastIndexOf('/');
  return { bus: cut >= 0 ? path.slice(0, cut) : DEFAULT_BUS, name: cut >= 0 ? path.slice(cut + 1) : path, region: parsed.region, account: parsed.account };
}

/** How a rule is shown: its name on the default bus, `bus/name` elsewhere. */
export function ruleDisplayName(bus: string, name: string): string {
  return bus === DEFAULT_BUS ? name : `${bus}/${name}`;
}

/** The EventBusName to send: omitted for the default bus (AWS's default). */
export function busInput(bus: string): { EventBusName?: string } {
  return bus === DEFAULT_BUS ? {} : { EventBusName: bus };
}

// Event patterns: the API model allows 4096 characters (the default quota is 2048, raisable).
const MAX_PATTERN_CHARS = 4096;

/** Parses --pattern (JSON or @file) into canonical JSON; throws UsageError with the flag and value. */
export function parsePattern(raw: string, flag = '--pattern'): string {
  const text = readInlineOrFile(flag, raw);
  checkJsonDepth(flag, raw, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidFlag(flag, shownValue(raw), `an event pattern must be a JSON object such as '{"source":["aws.s3"]}' (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw invalidFlag(flag, shownValue(raw), 'an event pattern must be a non-empty JSON object such as \'{"source":["aws.s3"]}\'');
  }
  const shape = patternShapeProblem(parsed as Record<string, unknown>);
  if (shape) throw invalidFlag(flag, shownValue(raw), `${shape}; an event pattern holds arrays of values, e.g. '{"source":["aws.s3"]}'`);
  const canonical = canonicalJson(parsed);
  if (canonical.length > MAX_PATTERN_CHARS) throw invalidFlag(flag, `${raw.slice(0, 40)}…`, `an event pattern may be at most ${MAX_PATTERN_CHARS} characters (this one has ${canonical.length})`);
  return canonical;
}

/** True when two event patterns match the same events (keys and "any of" lists in any order). */
export function samePattern(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return comparableJson(JSON.parse(a)) === comparableJson(JSON.parse(b));
  } catch {
    return a === b;
  }
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;

/**
 * Checks a schedule expression the way EventBridge documents it: `rate(value unit)` where the unit is
 * singular exactly when the value is 1, or `cron(...)` with six fields of which day-of-month or
 * day-of-week (not both) is `?`. At most 256 characters.
 */
export function parseSchedule(raw: string, flag = '--schedule'): string {
  const value = raw.trim();
  const allowed = 'allowed: rate(<n> minute|minutes|hour|hours|day|days) (singular unit only for 1), or cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)';
  if (value.length > 256) throw invalidFlag(flag, raw, 'a schedule expression may be at most 256 characters');
  const rate = RATE.exec(value);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (n < 1) throw invalidFlag(flag, raw, 'a rate must be at least 1');
    const plural = unit.endsWith('s');
    if (n === 1 && plural) throw invalidFlag(flag, raw, `with a value of 1 the unit is singular: rate(1 ${unit.slice(0, -1)})`);
    if (n > 1 && !plural) throw invalidFlag(flag, raw, `with a value above 1 the unit is plural: rate(${n} ${unit}s)`);
    return `rate(${n} ${unit})`;
  }
  const cron = CRON.exec(value);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 6) {
      throw invalidFlag(flag, raw, `a cron expression has six fields (minutes hours day-of-month month day-of-week year); this one has ${fields.length}`);
    }
    const dom = fields[2];
    const dow = fields[4];
    if ((dom === '?') === (dow === '?')) {
      throw invalidFlag(flag, raw, 'in a cron expression exactly one of day-of-month (3rd field) and day-of-week (5th field) must be ?');
    }
    return `cron(${fields.join(' ')})`;
  }
  throw invalidFlag(flag, raw, allowed);
}

/**
 * EventBridge calls evsrc makes name a rule by its name and bus in the caller's account, and a rule delivers
 * to a Lambda function of its own account. A rule or bus ARN of another account is refused (exit 2) before
 * any write rather than silently acting on a same-named rule of the function's account.
 */
export function checkRuleAccount(ref: RuleRef, fn: { account: string; arn: string }): void {
  if (ref.account !== undefined && ref.account !== fn.account) {
    throw new UsageError(
      `<rule>: rule ${ruleDisplayName(ref.bus, ref.name)} is in account ${ref.account}, but ${fn.arn} is in account ${fn.account}; evsrc wires rules of the function's own account (send events across accounts to an event bus of that account)`,
    );
  }
}

import { parseFunctionRef } from '../core/arn.js';
import { ExitCode, invalidFlag } from '../core/errors.js';
import { FINDING_CODES, type FindingCode } from '../inventory/model.js';
import { listForFunction, listRegion, type ListOptions } from '../inventory/collect.js';
import { terminalWidth } from '../render/io.js';
import { renderListJson, renderListText } from '../render/list.js';
import type { SourceType } from '../sources/contract.js';
import { typeNames } from '../sources/registry.js';
import type { CommandContext } from './context.js';

/** Parses --type (repeatable, comma-separated) into a set of source types; undefined means all. */
export function parseTypes(value: unknown): Set<SourceType> | undefined {
  if (value === undefined) return undefined;
  const names = typeNames();
  const given = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean);
  const types = new Set<SourceType>();
  for (const t of given) {
    if (!names.includes(t)) throw invalidFlag('--type', t, `allowed: ${names.join(', ')}`);
    types.add(t as SourceType);
  }
  if (types.size === 0) throw invalidFlag('--type', (Array.isArray(value) ? value : [value]).join(','), `allowed: one or more of ${names.join(', ')}`);
  return types;
}

/** Parses --fail-on (repeatable, comma-separated): `any`, or warning codes; undefined when not given. */
export function parseFailOn(value: unknown): Set<FindingCode> | 'any' | undefined {
  if (value === undefined) return undefined;
  const given = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean);
  const allowed = `allowed: any, or one or more of ${FINDING_CODES.join(', ')}`;
  if (given.length === 0) throw invalidFlag('--fail-on', (Array.isArray(value) ? value : [value]).join(','), allowed);
  if (given.includes('any')) return 'any';
  const codes = new Set<FindingCode>();
  for (const code of given) {
    if (!(FINDING_CODES as readonly string[]).includes(code)) throw invalidFlag('--fail-on', code, allowed);
    codes.add(code as FindingCode);
  }
  return codes;
}

/** `evsrc list [--function <fn>] [--type <type>]`: every trigger of a function, or of every function in the region. */
export async function runList(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  // Flags are checked before the first AWS call.
  const fn = typeof raw.function === 'string' ? parseFunctionRef(raw.function) : undefined;
  const options: ListOptions = {};
  const types = parseTypes(raw.type);
  if (types) options.types = types;
  if (raw.checkPermissions) options.checkPermissions = true;
  const failOn = parseFailOn(raw.failOn);
  const lctx = { aws: ctx.session(), reporter: ctx.reporter, sleep: ctx.sleep };
  const inventory = fn ? await listForFunction(lctx, fn, options) : await listRegion(lctx, options);
  ctx.reporter.close();
  ctx.io.stdout.write(ctx.globals.output === 'json' ? renderListJson(inventory) : renderListText(inventory, ctx.chalk, terminalWidth(ctx.io.stdout)));
  // --fail-on: a CI job fails when list finds these problems (the output is the same either way).
  if (failOn === undefined) return ExitCode.OK;
  const hits = inventory.warnings.filter((w) => failOn === 'any' || failOn.has(w.code));
  if (hits.length === 0) return ExitCode.OK;
  const codes = [...new Set(hits.map((w) => w.code))].join(', ');
  ctx.io.stderr.write(`--fail-on: ${hits.length} problem${hits.length === 1 ? '' : 's'} found (${codes}); exit ${ExitCode.DRIFT}\n`);
  return ExitCode.DRIFT;
}

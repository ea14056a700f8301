import { parseFunctionRef } from '../core/arn.js';
import { invalidFlag } from '../core/errors.js';
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

/** `evsrc list [--function <fn>] [--type <type>]`: every trigger of a function, or of every function in the region. */
export async function runList(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  // Flags are checked before the first AWS call.
  const fn = typeof raw.function === 'string' ? parseFunctionRef(raw.function) : undefined;
  const options: ListOptions = {};
  const types = parseTypes(raw.type);
  if (types) options.types = types;
  if (raw.checkPermissions) options.checkPermissions = true;
  const lctx = { aws: ctx.session(), reporter: ctx.reporter, sleep: ctx.sleep };
  const inventory = fn ? await listForFunction(lctx, fn, options) : await listRegion(lctx, options);
  ctx.reporter.close();
  ctx.io.stdout.write(ctx.globals.output === 'json' ? renderListJson(inventory) : renderListText(inventory, ctx.chalk, terminalWidth(ctx.io.stdout)));
  return 0;
}

import { parseFunctionRef } from '../core/arn.js';
import { mapLimit } from '../core/concurrency.js';
import { triggerKey } from '../file/converge.js';
import { exportDocument, renderDocument } from '../file/document.js';
import { listForFunction, listRegion, type ListOptions } from '../inventory/collect.js';
import type { Inventory } from '../inventory/model.js';
import { loadTriggerTypes, sortTriggers } from '../sources/registry.js';
import { parseTypes } from './list.js';
import type { CommandContext } from './context.js';

/** The inventories of several functions as one (the same trigger found through two of them counts once). */
export function mergeInventories(list: readonly Inventory[], region: string): Inventory {
  const seen = new Set<string>();
  const triggers = list.flatMap((i) => i.triggers).filter((t) => {
    const key = `${triggerKey(t)}|${t.functionArn}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    scope: 'function',
    region: list[0]?.region ?? region,
    functions: [...new Set(list.flatMap((i) => i.functions))].sort(),
    triggers: sortTriggers(triggers),
    warnings: list.flatMap((i) => i.warnings),
    permissionsChecked: list.every((i) => i.permissionsChecked),
  };
}

/** `evsrc export [--function <fn> ...] [--type <types>]`: every trigger found, as a file `apply -f` takes. */
export async function runExport(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  // Flags are checked before the first AWS call.
  const given = raw.function === undefined ? [] : (Array.isArray(raw.function) ? raw.function : [raw.function]).map(String);
  const refs = given.map((f) => parseFunctionRef(f));
  const options: ListOptions = {};
  const types = parseTypes(raw.type);
  if (types) options.types = types;
  const lctx = { aws: ctx.session(), reporter: ctx.reporter, sleep: ctx.sleep };
  const inventory =
    refs.length > 0
      ? mergeInventories(await mapLimit(refs, 4, (ref) => listForFunction(lctx, ref, options)), await lctx.aws.region())
      : await listRegion(lctx, options);
  ctx.reporter.close();
  const doc = exportDocument(inventory, await loadTriggerTypes());
  const format = ctx.globals.output === 'json' ? 'json' : 'yaml';
  const scope = refs.length > 0 ? `functions ${given.join(', ')}` : 'every function';
  const header = [
    `evsrc triggers of ${scope} in ${inventory.region}: ${doc.triggers.length} trigger${doc.triggers.length === 1 ? '' : 's'}.`,
    'Check it with: evsrc diff -f <file>   Converge with: evsrc apply -f <file>',
  ].join('\n');
  ctx.io.stdout.write(await renderDocument(doc, format, header));
  return 0;
}

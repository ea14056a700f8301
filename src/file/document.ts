import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { parseArn } from '../core/arn.js';
import type { Inventory } from '../inventory/model.js';
import type { TriggerType, TriggerView } from '../sources/contract.js';
import { FILE_VERSION } from './format.js';

// Reading a triggers file (YAML or JSON: JSON is YAML too) and writing one from what `list` found.

/**
 * The YAML library, loaded on first use (only export, apply and diff need it). Bundled, the package's
 * CommonJS build comes back as the module's default export; run from source, as named exports.
 */
async function loadYaml(): Promise<typeof import('yaml')> {
  const mod = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  return mod.default && typeof mod.default.parseDocument === 'function' ? mod.default : mod;
}

/** Reads and parses a triggers file; `-` is standard input. Syntax errors name the line. */
export async function readTriggersFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`--file: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { hint: 'give the path of a file that evsrc export wrote, or - for standard input' });
  }
  const YAML = await loadYaml();
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}: ` : '';
    const message = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UsageError(`${path}: ${where}${message}`, { hint: 'the file must be YAML or JSON (evsrc export writes it)' });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** One trigger in the file's vocabulary: type, source, function, then its settings. */
export type DocumentEntry = Record<string, unknown> & { type: string; source: string; function: string };

/** The function as an entry names it: name (and qualifier) in the export's account and region, else its ARN. */
export function functionText(functionArn: string, account: string | undefined, region: string): string {
  const arn = parseArn(functionArn);
  const m = /^function:([^:]+)(?::(.+))?$/.exec(arn?.resource ?? '');
  if (!arn || !m || !account || arn.account !== account || arn.region !== region) return functionArn;
  return m[2] ? `${m[1]}:${m[2]}` : (m[1] as string);
}

/** The account the export speaks of: the account of the functions listed (names in it are unambiguous). */
function accountOf(inventory: Inventory): string | undefined {
  const first = inventory.functions[0];
  return first ? parseArn(first)?.account || undefined : undefined;
}

/** Every trigger `list` found, in the vocabulary of the `add` flags. */
export function exportDocument(inventory: Inventory, types: readonly TriggerType[]): { version: number; triggers: DocumentEntry[] } {
  const account = accountOf(inventory);
  const triggers = inventory.triggers.flatMap((view: TriggerView): DocumentEntry[] => {
    const type = types.find((t) => t.spec.type === view.type);
    if (!type) return [];
    const fnAccount = account ?? parseArn(view.functionArn)?.account;
    const findings = inventory.warnings.filter((f) => f.triggerId === view.id && (f.sourceArn === undefined || f.sourceArn === view.sourceArn));
    const scope = { region: inventory.region, partition: parseArn(view.sourceArn)?.partition ?? 'aws', findings, ...(fnAccount ? { account: fnAccount } : {}) };
    const { source, flags } = type.file.toEntry(view, scope);
    return [{ type: view.type, source, function: functionText(view.functionArn, fnAccount, inventory.region), ...flags }];
  });
  return { version: FILE_VERSION, triggers };
}

/** The document as YAML (with a header comment) or JSON. */
export async function renderDocument(doc: object, format: 'yaml' | 'json', header: string): Promise<string> {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  const YAML = await loadYaml();
  const body = YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return `${header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n')}\n${body}`;
}

import type { ChalkInstance } from 'chalk';
import { ellipsize, wrapWords } from './fit.js';
import { functionNameOf, qualifierOf, unqualifiedFunctionArn } from '../core/arn.js';
import type { Finding, Inventory } from '../inventory/model.js';
import type { TriggerView } from '../sources/contract.js';

// `evsrc list` output: a table grouped by function for people, one JSON document for programs.

// Values that say "AWS default / off" and only add noise to a table row (JSON keeps them all).
const QUIET: Record<string, unknown> = { batchingWindow: 0, tumblingWindow: 0, parallelization: 1, retryAttempts: -1, maxRecordAge: -1 };

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The main settings of a trigger in one short line: defaults, "off" switches and empty lists left out. */
export function settingsLine(trigger: TriggerView): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(trigger.settings)) {
    if (key === 'enabled' || value === undefined || value === false || (Array.isArray(value) && value.length === 0)) continue;
    if (key in QUIET && QUIET[key] === value) continue;
    if (key === 'filterPolicyScope' && value === 'MessageAttributes') continue;
    if (key === 'tags' && value && typeof value === 'object') {
      // A mapping's tags as key=value pairs (JSON shows them whole, evsrc's own record of its keys included).
      const pairs = Object.entries(value as Record<string, string>).filter(([k]) => k !== 'evsrc:tags');
      if (pairs.length > 0) parts.push(`tags=${pairs.map(([k, v]) => `${k}=${v}`).join(',')}`);
      continue;
    }
    parts.push(value === true ? key : `${key}=${formatValue(value)}`);
  }
  return parts.join(' ') || '-';
}

/** A function ARN shown short: name, plus :alias or :version when qualified. */
export function shortFunction(functionArn: string): string {
  const qualifier = qualifierOf(functionArn);
  return qualifier ? `${functionNameOf(functionArn)}:${qualifier}` : functionNameOf(functionArn);
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

type Colour = (text: string, column: number, row: number) => string;

const sum = (widths: number[]) => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);

/** Narrows columns, in the order given and each down to its minimum, until the widths fit `width` (if they can). */
function shrink(natural: number[], width: number, steps: { column: number; min: number }[]): number[] {
  const widths = [...natural];
  for (const { column, min } of steps) {
    const over = sum(widths) - width;
    if (over <= 0) break;
    const current = widths[column] ?? 0;
    widths[column] = Math.max(Math.min(current, min), current - over);
  }
  return widths;
}

/**
 * How the table fits a terminal `width` columns wide:
 * - as it is, when it fits;
 * - else with the settings (the last column) wrapped within their column, the source shortened;
 * - else "stacked": the settings go on lines of their own under the source, and the source, the id
 *   and the state are shortened with an ellipsis as far as needed. An id keeps the 36 characters of a
 *   mapping UUID as long as the others can give way; longer ids (an SNS subscription ARN) are shortened.
 */
function layout(natural: number[], width: number | undefined): { widths: number[]; stacked: boolean } {
  if (width === undefined || sum(natural) <= width) return { widths: natural, stacked: false };
  const last = natural.length - 1;
  const inline = shrink(natural, width, [
    { column: last, min: 24 },
    { column: 1, min: 20 },
  ]);
  if (sum(inline) <= width) return { widths: inline, stacked: false };
  const columns = shrink(natural.slice(0, last), width, [
    { column: 1, min: 16 },
    { column: 2, min: 36 },
    { column: 1, min: 10 },
    { column: 3, min: 12 },
    { column: 2, min: 16 },
  ]);
  return { widths: [...columns, Math.max(16, width - ((columns[0] ?? 0) + 2))], stacked: true };
}

/**
 * Rows of cells as aligned lines, one or more a row. Without a width the lines are exactly as they
 * always were (pipes and files); with one they fit it as `layout` says, words never split.
 */
function table(rows: string[][], colour: Colour, width?: number): string[][] {
  const natural = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const last = natural.length - 1;
  const { widths, stacked } = layout(natural, width);
  return rows.map((row, r) => {
    const cells = row.map((cell, i) => (width !== undefined && i !== last ? ellipsize(cell, widths[i] ?? cell.length) : cell));
    const settings = width === undefined ? [cells[last] ?? ''] : wrapWords(cells[last] ?? '', widths[last] ?? 0, 0);
    const shown = stacked ? cells.slice(0, last) : [...cells.slice(0, last), settings.shift() ?? ''];
    const first = shown.map((cell, i) => colour(i === shown.length - 1 ? cell : pad(cell, widths[i] ?? 0), i, r)).join('  ').trimEnd();
    // Continuation lines of the settings start under their column (stacked: under the source).
    const indent = ' '.repeat(stacked ? (widths[0] ?? 0) + 2 : sum(widths.slice(0, last)) + 2);
    return [first, ...settings.filter((line) => line !== '').map((line) => indent + colour(line, last, r))];
  });
}

function stateOf(trigger: TriggerView): string {
  if (!trigger.state) return '-';
  if (trigger.state === 'Disabled' && trigger.stateTransitionReason) return `Disabled (${trigger.stateTransitionReason})`;
  return trigger.state;
}

/** The human text of `evsrc list`; `width` (a terminal's) fits the tables and lines to it. */
export function renderListText(inventory: Inventory, chalk: ChalkInstance, width?: number): string {
  const lines: string[] = [];
  const tableLines = new Set<string>();
  const flagged = new Set(inventory.warnings.map((w) => w.triggerId).filter((id): id is string => Boolean(id)));
  const groups = new Map<string, TriggerView[]>();
  for (const t of inventory.triggers) groups.set(t.functionArn, [...(groups.get(t.functionArn) ?? []), t]);

  if (inventory.triggers.length === 0) {
    lines.push(
      inventory.scope === 'function'
        ? `No triggers found for ${inventory.functions[0] ?? 'the function'}.`
        : `No triggers found in ${inventory.region} (${inventory.functions.length} ${inventory.functions.length === 1 ? 'function' : 'functions'}).`,
    );
  }
  for (const [functionArn, triggers] of groups) {
    if (lines.length > 0) lines.push('');
    lines.push(`${chalk.bold(shortFunction(functionArn))}  ${chalk.dim(functionArn)}`);
    // A '!' in the margin marks a trigger that has a problem listed below the tables.
    const rows = [['TYPE', 'SOURCE', 'ID', 'STATE', 'SETTINGS']];
    const marks = [' '];
    for (const t of triggers) {
      rows.push([t.type, t.sourceName ?? t.sourceArn, t.id || '-', stateOf(t), settingsLine(t)]);
      marks.push(flagged.has(t.id) ? chalk.yellow('!') : ' ');
    }
    const rendered = table(
      rows,
      (text, column, row) => {
        const state = rows[row]?.[3];
        if (row === 0) return chalk.dim(text);
        if (column === 3 && state?.startsWith('Enabled')) return chalk.green(text);
        if (column === 3 && (state?.startsWith('Disabled') || state === 'PendingConfirmation')) return chalk.yellow(text);
        return text;
      },
      width === undefined ? undefined : width - 2,
    );
    for (const [i, row] of rendered.entries()) {
      for (const [j, l] of row.entries()) {
        const line = `${j === 0 ? (marks[i] ?? ' ') : ' '} ${l}`;
        tableLines.add(line);
        lines.push(line);
      }
    }
  }
  if (inventory.warnings.length > 0) {
    lines.push('', chalk.yellow(`Problems (${inventory.warnings.length}):`));
    for (const w of inventory.warnings) lines.push(`  ${chalk.yellow('!')} ${chalk.bold(w.code)}: ${w.message}`);
  }
  // Aliases and versions get groups of their own; the count is of functions.
  const withTriggers = new Set(inventory.triggers.map((t) => unqualifiedFunctionArn(t.functionArn))).size;
  const fnCount = inventory.scope === 'region' ? ` on ${withTriggers} of ${inventory.functions.length} functions` : '';
  const count = `${inventory.triggers.length} ${inventory.triggers.length === 1 ? 'trigger' : 'triggers'}${fnCount}`;
  const problems = inventory.warnings.length === 1 ? '1 problem' : `${inventory.warnings.length} problems`;
  lines.push('', `${count}, ${problems}.`);
  if (!inventory.permissionsChecked && inventory.scope === 'region') {
    lines.push(chalk.dim('Permissions were not checked: run with --function <fn>, or add --check-permissions (reads every function policy, 15 a second).'));
  }
  // The tables are fitted above; the other lines wrap at words.
  return `${lines.flatMap((line) => (width === undefined || tableLines.has(line) ? [line] : wrapWords(line, width))).join('\n')}\n`;
}

/** The JSON document of `evsrc list`: exactly one per run. */
export function renderListJson(inventory: Inventory): string {
  const doc: { triggers: TriggerView[]; warnings: Finding[]; scope: string; region: string; functions: string[]; permissionsChecked: boolean } = {
    triggers: inventory.triggers,
    warnings: inventory.warnings,
    scope: inventory.scope,
    region: inventory.region,
    functions: inventory.functions,
    permissionsChecked: inventory.permissionsChecked,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

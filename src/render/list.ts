import type { ChalkInstance } from 'chalk';
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

function table(rows: string[][], colour: ((cells: string[], padded: string[]) => string[]) | undefined): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((row) => {
    const padded = row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0)));
    return (colour ? colour(row, padded) : padded).join('  ').trimEnd();
  });
}

function stateOf(trigger: TriggerView): string {
  if (!trigger.state) return '-';
  if (trigger.state === 'Disabled' && trigger.stateTransitionReason) return `Disabled (${trigger.stateTransitionReason})`;
  return trigger.state;
}

/** The human text of `evsrc list`. */
export function renderListText(inventory: Inventory, chalk: ChalkInstance): string {
  const lines: string[] = [];
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
    const rendered = table(rows, (cells, padded) =>
      cells === rows[0]
        ? padded.map((c) => chalk.dim(c))
        : padded.map((c, i) => {
            if (i === 3 && cells[3]?.startsWith('Enabled')) return chalk.green(c);
            if (i === 3 && (cells[3]?.startsWith('Disabled') || cells[3] === 'PendingConfirmation')) return chalk.yellow(c);
            return c;
          }),
    );
    lines.push(...rendered.map((l, i) => `${marks[i] ?? ' '} ${l}`));
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
  return `${lines.join('\n')}\n`;
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

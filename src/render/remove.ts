import type { ChalkInstance } from 'chalk';
import type { ActionView } from '../core/plan.js';
import type { Warning } from '../core/reporter.js';
import type { SourceType, TriggerView } from '../sources/contract.js';
import { renderActions } from './add.js';
import { fitText } from './fit.js';
import { settingsLine } from './list.js';

/** The outcome of `evsrc remove`, real or dry run. */
export interface RemoveOutcome {
  command: 'remove';
  /** Null when `remove <uuid>` names a mapping that does not exist. */
  type: SourceType | null;
  /** The mapping UUID, for `remove <uuid>`. */
  id?: string;
  dryRun: boolean;
  /** True when actions ran (or, in a dry run, would run). */
  changed: boolean;
  /** Null when unknown (no such mapping). */
  source: { arn: string; name: string } | null;
  function: { arn: string } | null;
  actions: ActionView[];
  /** The triggers taken away (or that would be, in a dry run). */
  removed: TriggerView[];
  notes: string[];
  warnings: Warning[];
}

function what(outcome: RemoveOutcome): string {
  if (!outcome.type || !outcome.source?.name) return outcome.id ? `mapping ${outcome.id}` : 'the trigger';
  return outcome.function?.arn ? `${outcome.type} ${outcome.source.name} → ${outcome.function.arn}` : `${outcome.type} ${outcome.source.name}`;
}

/** The removed triggers, one line each. */
export function renderRemoved(removed: readonly TriggerView[], chalk: ChalkInstance): string[] {
  return removed.map((t) => `  ${chalk.red('-')} ${t.type} ${t.sourceName ?? t.sourceArn}  ${t.id || '(no id)'}  ${chalk.dim(settingsLine(t))}`);
}

/** The plan shown before asking for confirmation (on stderr); `width` (a terminal's) wraps its lines to fit. */
export function renderRemovePlan(outcome: RemoveOutcome, chalk: ChalkInstance, width?: number): string {
  const lines = [`About to remove ${what(outcome)}:`, ...renderRemoved(outcome.removed, chalk), renderActions(outcome.actions, chalk)];
  return fitText(`${lines.join('\n')}\n`, width);
}

/** The human text of a remove outcome; `width` (a terminal's) wraps its lines at words to fit. */
export function renderRemoveText(outcome: RemoveOutcome, chalk: ChalkInstance, width?: number): string {
  return fitText(removeText(outcome, chalk), width);
}

function removeText(outcome: RemoveOutcome, chalk: ChalkInstance): string {
  const lines: string[] = [];
  if (outcome.actions.length === 0) {
    lines.push(`Nothing to remove: ${outcome.notes.join('; ') || 'no such trigger'}.`);
    return `${lines.join('\n')}\n`;
  }
  const count = `${outcome.actions.length} ${outcome.actions.length === 1 ? 'action' : 'actions'}`;
  if (outcome.dryRun) {
    lines.push(`Plan to remove ${what(outcome)} (dry run, ${count}):`);
    lines.push(...renderRemoved(outcome.removed, chalk));
    lines.push(renderActions(outcome.actions, chalk));
    for (const note of outcome.notes) lines.push(chalk.dim(`note: ${note}`));
    lines.push('Dry run: nothing was removed.');
    return `${lines.join('\n')}\n`;
  }
  const verbs = [...new Set(outcome.actions.map((a) => a.api.split(':')[1]))].join(', ');
  lines.push(`${chalk.green('✔')} Removed ${what(outcome)} (${verbs})`);
  lines.push(...renderRemoved(outcome.removed, chalk));
  lines.push(renderActions(outcome.actions, chalk));
  for (const note of outcome.notes) lines.push(chalk.dim(`note: ${note}`));
  return `${lines.join('\n')}\n`;
}

/** The JSON document of a remove outcome: exactly one per run. */
export function renderRemoveJson(outcome: RemoveOutcome): string {
  return `${JSON.stringify(outcome, null, 2)}\n`;
}

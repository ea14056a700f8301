import type { ChalkInstance } from 'chalk';
import type { ActionView } from '../core/plan.js';
import type { Warning } from '../core/reporter.js';
import type { SourceType, TriggerView } from '../sources/contract.js';
import { fitText } from './fit.js';

/** The outcome of `evsrc add`, real or dry run: what the text and JSON renderers print. */
export interface AddOutcome {
  command: 'add';
  type: SourceType;
  dryRun: boolean;
  /** True when actions ran (or, in a dry run, would run). */
  changed: boolean;
  source: { type: SourceType; arn: string; name: string };
  function: { arn: string };
  actions: ActionView[];
  /** The trigger after the run (real run), or as it is now (dry run); null when a dry run would create it. */
  trigger: TriggerView | null;
  warnings: Warning[];
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders a plan's actions with their API names and inputs (updates as old → new). */
export function renderActions(actions: readonly ActionView[], chalk: ChalkInstance): string {
  const lines: string[] = [];
  actions.forEach((action, i) => {
    lines.push(`  ${i + 1}. ${chalk.bold(action.api)}  ${action.summary}`);
    if (action.changes && action.changes.length > 0) {
      for (const change of action.changes) {
        lines.push(`       ${change.field}: ${chalk.red(formatValue(change.from))} → ${chalk.green(formatValue(change.to))}`);
      }
      const rest = Object.entries(action.input).filter(([k]) => !action.changes?.some((c) => c.field.split('.')[0] === k));
      for (const [key, value] of rest) lines.push(`       ${chalk.dim(`${key}: ${formatValue(value)}`)}`);
    } else {
      for (const [key, value] of Object.entries(action.input)) lines.push(`       ${key}: ${formatValue(value)}`);
    }
  });
  return lines.join('\n');
}

/** Renders a trigger's state and settings in a few lines. */
export function renderTrigger(trigger: TriggerView, chalk: ChalkInstance): string {
  const lines = [`  id: ${trigger.id}`];
  if (trigger.state) {
    const colour = trigger.state === 'Enabled' ? chalk.green : trigger.state === 'Disabled' ? chalk.yellow : chalk.cyan;
    lines.push(`  state: ${colour(trigger.state)}${trigger.stateTransitionReason ? ` (${trigger.stateTransitionReason})` : ''}`);
  }
  const settings = Object.entries(trigger.settings).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
  if (settings.length > 0) lines.push(`  settings: ${settings.map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}`);
  return lines.join('\n');
}

/** The human text of an add outcome; `width` (a terminal's) wraps its lines at words to fit. */
export function renderAddText(outcome: AddOutcome, chalk: ChalkInstance, width?: number): string {
  return fitText(addText(outcome, chalk), width);
}

function addText(outcome: AddOutcome, chalk: ChalkInstance): string {
  const what = `${outcome.type} ${outcome.source.name} → ${outcome.function.arn}`;
  const lines: string[] = [];
  if (outcome.dryRun) {
    if (outcome.actions.length === 0) {
      lines.push(`No changes: ${what} is already as asked.`);
    } else {
      lines.push(`Plan for ${what} (dry run, ${outcome.actions.length} ${outcome.actions.length === 1 ? 'action' : 'actions'}):`);
      lines.push(renderActions(outcome.actions, chalk));
      lines.push('Dry run: nothing was changed.');
    }
    if (outcome.trigger) lines.push('Current trigger:', renderTrigger(outcome.trigger, chalk));
    return `${lines.join('\n')}\n`;
  }
  if (!outcome.changed) {
    lines.push(`${chalk.green('✔')} No changes: ${what} is already as asked.`);
  } else {
    const verbs = outcome.actions.map((a) => a.api.split(':')[1]).join(', ');
    lines.push(`${chalk.green('✔')} ${what} (${verbs})`);
    lines.push(renderActions(outcome.actions, chalk));
  }
  if (outcome.trigger) lines.push(renderTrigger(outcome.trigger, chalk));
  return `${lines.join('\n')}\n`;
}

/** The JSON document of an add outcome: exactly one per run. */
export function renderAddJson(outcome: AddOutcome): string {
  return `${JSON.stringify(outcome, null, 2)}\n`;
}

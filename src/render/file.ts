import type { ChalkInstance } from 'chalk';
import type { ActionView } from '../core/plan.js';
import type { Warning } from '../core/reporter.js';
import type { TriggerView } from '../sources/contract.js';
import { renderActions } from './add.js';
import { fitText } from './fit.js';
import { settingsLine } from './list.js';

// How `diff -f` and `apply -f` show their results: one line per entry of the file, what differs under it.

/** One entry of the file, as diff and apply report it. */
export interface EntryReport {
  /** `triggers[3]`. */
  path: string;
  type: string;
  source: string;
  function: string;
  /** diff: in-sync, missing, differs, failed. apply: unchanged, created, changed, failed, not-run (and in a plan: create, change). */
  status: string;
  /** diff: field by field old → new, or the write that would be made. */
  differences?: { field?: string; from?: unknown; to?: unknown; api: string; summary: string }[];
  /** apply: the writes planned (or made). */
  actions?: ActionView[];
  /** Why it failed, and its exit code. */
  error?: { message: string; exitCode: number; awsErrorName?: string; hint?: string; remaining?: string[] };
  warnings?: Warning[];
  /** The trigger after apply (or as it is, for diff). */
  trigger?: TriggerView | null;
}

/** A trigger of a named function that the file does not list (diff), or that --prune removes (apply). */
export interface ExtraReport {
  trigger: TriggerView;
  status?: string;
  actions?: ActionView[];
  error?: EntryReport['error'];
  notes?: string[];
}

const MARK: Record<string, (c: ChalkInstance) => string> = {
  'in-sync': (c) => c.dim('='),
  unchanged: (c) => c.dim('='),
  missing: (c) => c.green('+'),
  create: (c) => c.green('+'),
  created: (c) => c.green('+'),
  differs: (c) => c.yellow('~'),
  change: (c) => c.yellow('~'),
  changed: (c) => c.yellow('~'),
  failed: (c) => c.red('!'),
  'not-run': (c) => c.dim('.'),
  extra: (c) => c.red('-'),
  remove: (c) => c.red('-'),
  removed: (c) => c.red('-'),
};

function shown(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The line of one entry. */
function entryLine(e: EntryReport, chalk: ChalkInstance): string {
  const mark = (MARK[e.status] ?? ((c: ChalkInstance) => c.dim('?')))(chalk);
  return `${mark} ${e.status.padEnd(9)} ${e.type} ${e.source} → ${e.function}  ${chalk.dim(`(${e.path})`)}`;
}

/** The lines under an entry: its differences, actions and error. */
function entryDetail(e: EntryReport, chalk: ChalkInstance, showActions: boolean): string[] {
  const lines: string[] = [];
  for (const d of e.differences ?? []) {
    lines.push(d.field ? `      ${d.field}: ${shown(d.from)} → ${shown(d.to)}` : `      ${chalk.dim(d.api)}  ${d.summary}`);
  }
  if (showActions && e.actions && e.actions.length > 0) lines.push(...renderActions(e.actions, chalk).replace(/\n$/, '').split('\n').map((l) => `    ${l}`));
  if (e.error) {
    lines.push(`      ${chalk.red('error:')} ${e.error.message}`);
    if (e.error.hint) lines.push(`      ${chalk.dim('hint:')} ${e.error.hint}`);
  }
  return lines;
}

function extraLine(x: ExtraReport, chalk: ChalkInstance, status: string): string {
  const t = x.trigger;
  const settings = settingsLine(t);
  return `${(MARK[status] ?? MARK.extra)!(chalk)} ${status.padEnd(9)} ${t.type} ${t.sourceName ?? t.sourceArn} → ${t.functionArn}  ${t.id ? chalk.dim(t.id) : ''}${settings ? `  ${chalk.dim(settings)}` : ''}`;
}

/** The counts of a report, e.g. `2 in sync, 1 missing`. */
export function countLine(entries: readonly EntryReport[], extras: number, extraWord: string): string {
  const order = ['in-sync', 'unchanged', 'missing', 'create', 'created', 'differs', 'change', 'changed', 'failed', 'not-run'];
  const counts = new Map<string, number>();
  for (const e of [...entries].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status))) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, n]) => `${n} ${status === 'in-sync' ? 'in sync' : status}`);
  if (extras > 0) parts.push(`${extras} ${extraWord}`);
  return parts.length > 0 ? parts.join(', ') : 'no triggers';
}

/** `diff -f` as text. */
export function renderDiffText(file: string, entries: readonly EntryReport[], extras: readonly ExtraReport[], chalk: ChalkInstance, width?: number): string {
  const drifted = entries.some((e) => e.status !== 'in-sync') || extras.length > 0;
  const lines = [drifted ? `${file} differs from the account: ${countLine(entries, extras.length, 'extra')}` : `${file} is in sync with the account: ${countLine(entries, 0, '')}`];
  for (const e of entries) {
    if (e.status === 'in-sync') continue;
    lines.push(entryLine(e, chalk), ...entryDetail(e, chalk, false));
  }
  for (const x of extras) lines.push(extraLine(x, chalk, 'extra'));
  return `${lines.map((l) => fitText(l, width)).join('\n')}\n`;
}

/** `apply -f` (its plan, or its result) as text. */
export function renderApplyText(
  heading: string,
  entries: readonly EntryReport[],
  extras: readonly ExtraReport[],
  chalk: ChalkInstance,
  width?: number,
  showActions = true,
): string {
  const lines = [heading];
  for (const e of entries) {
    if (e.status === 'unchanged') continue;
    lines.push(entryLine(e, chalk), ...entryDetail(e, chalk, showActions && e.status !== 'failed'));
  }
  for (const x of extras) {
    lines.push(extraLine(x, chalk, x.status ?? 'remove'));
    if (showActions && x.actions && x.actions.length > 0 && x.status !== 'failed') lines.push(...renderActions(x.actions, chalk).replace(/\n$/, '').split('\n').map((l) => `    ${l}`));
    for (const n of x.notes ?? []) lines.push(`      ${chalk.dim(n)}`);
    if (x.error) lines.push(`      ${chalk.red('error:')} ${x.error.message}`);
  }
  return `${lines.map((l) => fitText(l, width)).join('\n')}\n`;
}

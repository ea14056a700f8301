import { ExitCode, UsageError } from '../core/errors.js';
import { differences, extraTriggers, planEntries, type EntryPlan } from '../file/converge.js';
import { readTriggersFile } from '../file/document.js';
import { checkDocument } from '../file/format.js';
import { renderDiffText, type EntryReport, type ExtraReport } from '../render/file.js';
import { terminalWidth } from '../render/io.js';
import { loadTriggerTypes } from '../sources/registry.js';
import { adapterContext, type CommandContext } from './context.js';

/** The --file of apply and diff, checked. */
export function fileFlag(raw: Record<string, unknown>, command: string): string {
  if (typeof raw.file !== 'string' || raw.file === '') {
    throw new UsageError(`${command}: -f, --file <path> is required: the triggers file (evsrc export writes one)`);
  }
  return raw.file;
}

/** An entry's plan as diff reports it. */
function report(p: EntryPlan): EntryReport {
  const e = p.entry;
  const out: EntryReport = { path: e.path, type: e.trigger.spec.type, source: e.source, function: e.functionText, status: p.status };
  if (p.status === 'missing' || p.status === 'differs') out.differences = differences(p.plan);
  if (p.error) {
    out.error = { message: p.error.message, exitCode: p.error.exitCode };
    if (p.error.awsErrorName) out.error.awsErrorName = p.error.awsErrorName;
    if (p.error.hint) out.error.hint = p.error.hint;
  }
  if (p.plan?.current) out.trigger = p.plan.current;
  return out;
}

/**
 * `evsrc diff -f <file>`: the file against the account. Exit 0 in sync; ExitCode.DRIFT (5) when a trigger is
 * missing, differs or is extra; when an entry cannot be compared (its source is gone, a precondition fails),
 * the worst such exit code.
 */
export async function runDiff(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const file = fileFlag(raw, 'diff');
  const entries = checkDocument(await readTriggersFile(file), file, await loadTriggerTypes());
  const actx = adapterContext(ctx);
  ctx.reporter.emit({ type: 'progress', message: `comparing ${entries.length} trigger${entries.length === 1 ? '' : 's'} of ${file} with the account`, transient: true });
  const plans = await planEntries(actx, entries, file);
  const extras = await extraTriggers({ aws: actx.aws, reporter: ctx.reporter, sleep: ctx.sleep }, entries, plans);
  ctx.reporter.emit({ type: 'progress-end' });
  ctx.reporter.close();
  const reports = plans.map(report);
  const extraReports: ExtraReport[] = extras.map((trigger) => ({ trigger }));
  const failed = reports.filter((r) => r.error).map((r) => r.error?.exitCode ?? ExitCode.FAILURE);
  const drifted = reports.some((r) => r.status === 'missing' || r.status === 'differs') || extras.length > 0;
  const code = failed.length > 0 ? Math.max(...failed) : drifted ? ExitCode.DRIFT : ExitCode.OK;
  if (ctx.globals.output === 'json') {
    const doc = {
      command: 'diff',
      file,
      inSync: code === ExitCode.OK,
      summary: {
        inSync: reports.filter((r) => r.status === 'in-sync').length,
        missing: reports.filter((r) => r.status === 'missing').length,
        differs: reports.filter((r) => r.status === 'differs').length,
        extra: extras.length,
        failed: failed.length,
      },
      triggers: reports,
      extra: extras,
      warnings: [...ctx.reporter.warnings],
      exitCode: code,
    };
    ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    ctx.io.stdout.write(renderDiffText(file, reports, extraReports, ctx.chalk, terminalWidth(ctx.io.stdout)));
  }
  return code;
}

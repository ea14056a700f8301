import { awsErrorName, toEvsrcError } from '../aws/errors.js';
import type { ServiceName } from '../aws/session.js';
import { parseFunctionRef } from '../core/arn.js';
import { mapLimit } from '../core/concurrency.js';
import { EvsrcError, ExitCode, PartialApplyError, UsageError } from '../core/errors.js';
import { applyPlan, type CallApi } from '../core/executor.js';
import { InterruptedError } from '../core/interrupt.js';
import { viewAction } from '../core/plan.js';
import { toWarning, warn } from '../core/reporter.js';
import { extraTriggers, KeyedQueue, lockKeys, planEntries, planEntry, PLAN_CONCURRENCY, type EntryPlan } from '../file/converge.js';
import { readTriggersFile } from '../file/document.js';
import { checkDocument } from '../file/format.js';
import { withMappingReadBack } from '../mechanisms/esm/recover.js';
import { finishRemoval, planRemoval, type RemoveRequest } from '../removal/resolve.js';
import { describePartialRemoval } from '../removal/partial.js';
import { renderApplyText, type EntryReport, type ExtraReport } from '../render/file.js';
import { terminalWidth } from '../render/io.js';
import type { AddPlan, AdapterContext, RemovalPlan, TriggerView } from '../sources/contract.js';
import { loadTriggerTypes } from '../sources/registry.js';
import type { TriggerType } from '../sources/contract.js';
import { adapterContext, type CommandContext } from './context.js';
import { fileFlag } from './diff.js';
import { removalCaller } from './remove.js';

/** How many triggers are written at once (writes to one source or one function's policy are ordered besides). */
export const WRITE_CONCURRENCY = 4;

/** A trigger --prune would remove, planned. */
interface PrunePlan {
  trigger: TriggerView;
  plan?: RemovalPlan;
  error?: EvsrcError;
}

function errorReport(error: unknown): NonNullable<EntryReport['error']> {
  const e = toEvsrcError(error);
  const out: NonNullable<EntryReport['error']> = { message: e.message, exitCode: e.exitCode };
  if (e.awsErrorName) out.awsErrorName = e.awsErrorName;
  if (e.hint) out.hint = e.hint;
  if (error instanceof PartialApplyError) out.remaining = error.remaining;
  return out;
}

/** The request that removes exactly this trigger: by UUID for a mapping, else the type's own remove arguments. */
function pruneRequest(trigger: TriggerView, types: readonly TriggerType[]): RemoveRequest {
  const type = types.find((t) => t.spec.type === trigger.type);
  if (!type) throw new UsageError(`--prune: unknown trigger type ${trigger.type}`);
  if (type.mapping || !type.file.removeArgs) return { kind: 'uuid', uuid: trigger.id };
  const args = type.file.removeArgs(trigger);
  return { kind: 'source', type: trigger.type, trigger: type, fn: parseFunctionRef(trigger.functionArn), source: type.parseRemove(args.source, args.flags) };
}

async function planPrune(ctx: AdapterContext, trigger: TriggerView, types: readonly TriggerType[]): Promise<PrunePlan> {
  try {
    return { trigger, plan: await planRemoval(ctx, pruneRequest(trigger, types)) };
  } catch (error) {
    return { trigger, error: toEvsrcError(error) };
  }
}

/** Runs an add plan as `add` does: the mapping read-back, the executor (rollback on failure), then its finish. */
async function runAddPlan(ctx: AdapterContext, plan: AddPlan): Promise<TriggerView | undefined> {
  const call: CallApi = (api, input, region) => {
    const [service, operation] = api.split(':') as [ServiceName, string];
    return ctx.aws.call(service, operation, input, { region });
  };
  withMappingReadBack(plan.actions, call);
  const { results } = await applyPlan(plan.actions, { call, reporter: ctx.reporter, describeError: toEvsrcError, errorName: awsErrorName, sleep: ctx.sleep, interrupt: ctx.interrupt });
  try {
    return await plan.finish(ctx, results);
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    // Interrupted while waiting after the writes: the trigger is whole; show it as it is now.
    return plan.finish({ ...ctx, wait: false }, results);
  }
}

/** Runs a removal as `remove` does; removals cannot be undone, so a failure says what was removed. */
async function runRemoval(ctx: AdapterContext, plan: RemovalPlan): Promise<void> {
  const ran = new Set<Record<string, unknown>>();
  try {
    await applyPlan(plan.actions, { call: removalCaller(ctx.aws, ctx.reporter, ctx.sleep, ran), reporter: ctx.reporter, describeError: toEvsrcError, errorName: awsErrorName, sleep: ctx.sleep, interrupt: ctx.interrupt });
  } catch (error) {
    throw describePartialRemoval(error, plan.actions, ran);
  }
  for (const warning of await finishRemoval(ctx, plan).catch(() => [])) warn(ctx.reporter, warning);
}

const PLANNED: Record<string, string> = { 'in-sync': 'unchanged', missing: 'create', differs: 'change', failed: 'failed' };

function entryReport(p: EntryPlan): EntryReport {
  const e = p.entry;
  const out: EntryReport = { path: e.path, type: e.trigger.spec.type, source: e.source, function: e.functionText, status: PLANNED[p.status] ?? p.status };
  if (p.plan) {
    out.actions = p.plan.actions.map(viewAction);
    if (p.plan.warnings.length > 0 && p.plan.actions.length > 0) out.warnings = p.plan.warnings.map(toWarning);
    out.trigger = p.plan.current ?? null;
  }
  if (p.error) out.error = errorReport(p.error);
  return out;
}

function pruneReport(p: PrunePlan, status: string): ExtraReport {
  const out: ExtraReport = { trigger: p.trigger, status };
  if (p.plan) {
    out.actions = p.plan.actions.map(viewAction);
    if (p.plan.notes.length > 0) out.notes = p.plan.notes;
  }
  if (p.error) {
    out.status = 'failed';
    out.error = errorReport(p.error);
  }
  return out;
}

function heading(entries: readonly EntryReport[], prune: readonly ExtraReport[], dryRun: boolean, done: boolean): string {
  const count = (s: string) => entries.filter((e) => e.status === s).length;
  const parts: string[] = [];
  const add = (n: number, word: string) => n > 0 && parts.push(`${n} ${word}`);
  if (done) {
    add(count('created'), 'created');
    add(count('changed'), 'changed');
    add(prune.filter((p) => p.status === 'removed').length, 'removed');
    add(count('unchanged'), 'unchanged');
    add(count('failed') + prune.filter((p) => p.status === 'failed').length, 'failed');
    add(count('not-run') + prune.filter((p) => p.status === 'not-run').length, 'not run (interrupted)');
    return `Applied: ${parts.join(', ') || 'nothing'}`;
  }
  add(count('create'), 'to create');
  add(count('change'), 'to change');
  add(prune.filter((p) => p.status === 'remove').length, 'to remove');
  add(count('unchanged'), 'unchanged');
  add(count('failed') + prune.filter((p) => p.status === 'failed').length, 'cannot be planned');
  const changes = entries.some((e) => e.status === 'create' || e.status === 'change') || prune.some((p) => p.status === 'remove');
  if (!changes && !parts.some((p) => p.includes('cannot'))) return 'No changes: every trigger of the file is as it says.';
  return `${dryRun ? 'Plan (dry run)' : 'Plan'}: ${parts.join(', ')}`;
}

/**
 * `evsrc apply -f <file> [--dry-run] [--prune] [--yes]`: converges every trigger of the file as `add` would.
 * The whole file is checked first (exit 2, nothing written); every entry is planned (PLAN_CONCURRENCY at
 * once) and the combined plan printed before the first write. Triggers are then written WRITE_CONCURRENCY at
 * once, those sharing a source or a function's policy one after the other (a later one re-planned on what
 * the earlier one wrote). A failing trigger rolls back its own writes; the others go on. Exit: the worst
 * exit code of the failed triggers, else 0.
 */
export async function runApply(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const file = fileFlag(raw, 'apply');
  // A file may name any type: every implementation is loaded, side by side.
  const types = await loadTriggerTypes();
  const entries = checkDocument(await readTriggersFile(file), file, types);
  const actx = adapterContext(ctx);
  const json = ctx.globals.output === 'json';
  const width = terminalWidth(ctx.io.stdout);
  ctx.reporter.emit({ type: 'progress', message: `planning ${entries.length} trigger${entries.length === 1 ? '' : 's'} of ${file}`, transient: true });
  const plans = await planEntries(actx, entries, file);
  let prunes: PrunePlan[] = [];
  if (raw.prune) {
    const extras = await extraTriggers({ aws: actx.aws, reporter: ctx.reporter, sleep: ctx.sleep }, entries, plans);
    prunes = await mapLimit(extras, PLAN_CONCURRENCY, (t) => planPrune(actx, t, types));
  }
  ctx.reporter.emit({ type: 'progress-end' });

  const reports = plans.map(entryReport);
  const pruneReports = prunes.map((p) => pruneReport(p, p.plan && p.plan.actions.length > 0 ? 'remove' : 'unchanged'));
  const writes = plans.some((p) => p.plan && p.plan.actions.length > 0) || prunes.some((p) => p.plan && p.plan.actions.length > 0);
  const planText = renderApplyText(heading(reports, pruneReports, ctx.globals.dryRun, false), reports, pruneReports, ctx.chalk, width);
  const worst = (codes: number[]) => (codes.length > 0 ? Math.max(...codes) : ExitCode.OK);
  const failedCodes = () => [...reports, ...pruneReports].flatMap((r) => (r.error ? [r.error.exitCode] : []));

  if (ctx.globals.dryRun || !writes) {
    ctx.reporter.close();
    if (json) {
      ctx.io.stdout.write(`${JSON.stringify({ command: 'apply', file, dryRun: ctx.globals.dryRun, changed: false, triggers: reports, prune: pruneReports, warnings: [...ctx.reporter.warnings], exitCode: worst(failedCodes()) }, null, 2)}\n`);
    } else ctx.io.stdout.write(planText);
    return worst(failedCodes());
  }

  // Removing is destructive: a person confirms on a terminal; scripts say --yes.
  const removals = prunes.filter((p) => p.plan && p.plan.actions.length > 0);
  if (removals.length > 0 && !ctx.globals.yes) {
    if (!ctx.io.interactive || !ctx.io.confirm) {
      throw new UsageError(`--prune would remove ${removals.length} trigger${removals.length === 1 ? '' : 's'} and needs confirmation: pass --yes when not running on a terminal (nothing was changed)`, {
        hint: 'add --dry-run to see the plan',
      });
    }
    ctx.reporter.close();
    ctx.io.stderr.write(planText);
    let confirmed: boolean;
    try {
      confirmed = await ctx.io.confirm(`Apply, removing ${removals.length} trigger${removals.length === 1 ? '' : 's'}?`);
    } catch (error) {
      const signal = error instanceof Error && /ctrl\+c/i.test(error.message) ? 'SIGINT' : 'end of input';
      throw new InterruptedError(`cancelled at the prompt (${signal === 'SIGINT' ? 'Ctrl-C' : 'Ctrl-D, end of input'}): nothing was changed`, signal);
    }
    if (!confirmed) throw new EvsrcError('cancelled: nothing was changed', ExitCode.FAILURE);
  } else if (!json) {
    // The combined plan comes first, before any write.
    ctx.io.stdout.write(planText);
  }

  const queue = new KeyedQueue();
  const written = new Set<string>();
  const release = ctx.guardWrites();
  try {
    await mapLimit(plans, WRITE_CONCURRENCY, async (p, i) => {
      const report = reports[i] as EntryReport;
      if (!p.plan || p.plan.actions.length === 0) return;
      const keys = lockKeys(p.plan);
      const unlock = await queue.acquire(keys);
      try {
        if (ctx.interrupt.reason !== undefined) {
          report.status = 'not-run';
          return;
        }
        let plan = p.plan;
        // An earlier trigger wrote to the same source or policy: plan again on what is there now.
        if (keys.some((k) => written.has(k))) {
          const again = await planEntry(actx, p.entry);
          if (again.error || !again.plan) throw again.error ?? new EvsrcError('could not plan again', ExitCode.FAILURE);
          plan = again.plan;
          report.actions = plan.actions.map(viewAction);
          if (plan.actions.length === 0) {
            report.status = 'unchanged';
            return;
          }
        }
        for (const k of keys) written.add(k);
        report.trigger = (await runAddPlan(actx, plan)) ?? null;
        report.status = plan.current ? 'changed' : 'created';
      } catch (error) {
        report.status = 'failed';
        report.error = errorReport(error);
      } finally {
        unlock();
      }
    });
    for (const [i, p] of prunes.entries()) {
      const report = pruneReports[i] as ExtraReport;
      if (!p.plan || p.plan.actions.length === 0) continue;
      if (ctx.interrupt.reason !== undefined) {
        report.status = 'not-run';
        continue;
      }
      try {
        await runRemoval(actx, p.plan);
        report.status = 'removed';
      } catch (error) {
        report.status = 'failed';
        report.error = errorReport(error);
      }
    }
  } finally {
    release();
  }
  ctx.reporter.close();
  const interrupted = ctx.interrupt.reason !== undefined;
  const code = interrupted ? ExitCode.INTERRUPTED : worst(failedCodes());
  if (json) {
    ctx.io.stdout.write(`${JSON.stringify({ command: 'apply', file, dryRun: false, changed: true, triggers: reports, prune: pruneReports, warnings: [...ctx.reporter.warnings], exitCode: code }, null, 2)}\n`);
  } else {
    ctx.io.stdout.write(`\n${renderApplyText(heading(reports, pruneReports, false, true), reports.filter((r) => r.status !== 'unchanged'), pruneReports.filter((r) => r.status !== 'unchanged'), ctx.chalk, width, false)}`);
  }
  return code;
}

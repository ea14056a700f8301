import { awsErrorName, toEvsrcError } from '../aws/errors.js';
import type { ServiceName } from '../aws/session.js';
import { parseFunctionRef } from '../core/arn.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { applyPlan, type CallApi } from '../core/executor.js';
import { InterruptedError } from '../core/interrupt.js';
import { withMappingReadBack } from '../mechanisms/esm/recover.js';
import { viewAction, type ActionView } from '../core/plan.js';
import { toWarning, warn } from '../core/reporter.js';
import { renderAddJson, renderAddText, type AddOutcome } from '../render/add.js';
import { terminalWidth } from '../render/io.js';
import { loadTriggerType } from '../sources/registry.js';
import type { SourceType } from '../sources/contract.js';
import { adapterContext, type CommandContext } from './context.js';

/** An action as it really ran: its bound input, and its summary with the plan's placeholders filled in. */
function boundView(view: ActionView, input: Record<string, unknown> | undefined): ActionView {
  if (!input) return view;
  let summary = view.summary;
  for (const [key, planned] of Object.entries(view.input)) {
    const actual = input[key];
    if (typeof planned === 'string' && /^<.*>$/.test(planned) && typeof actual === 'string') summary = summary.split(planned).join(actual);
  }
  return { ...view, summary, input };
}

/** `evsrc add <type> <source> --function <fn>`: validate, resolve, plan, then print or apply the plan. */
export async function runAdd(ctx: CommandContext, type: SourceType, source: string, raw: Record<string, unknown>): Promise<number> {
  const adapter = await loadTriggerType(type);
  if (!adapter) throw new UsageError(`add ${type}: not supported yet`);
  if (typeof raw.function !== 'string') throw new UsageError(`required option '--function <fn>' not specified: the Lambda function to wire the ${type} source to`);
  // Everything that can be checked without AWS is checked before the first call.
  const fn = parseFunctionRef(raw.function);
  const options = adapter.parseAddOptions(raw);

  // Planning reads the source, the function and its triggers: seconds on a slow link. A spinner says
  // so on a terminal; off a terminal the event shows nothing, so logs and pipes stay as they were.
  ctx.reporter.emit({ type: 'progress', message: `reading ${type} ${source} and ${raw.function}`, transient: true });
  const actx = adapterContext(ctx);
  const plan = await adapter.planAdd(actx, { source, fn, options });
  ctx.reporter.emit({ type: 'progress-end' });
  for (const warning of plan.warnings) warn(ctx.reporter, warning);

  const outcome: AddOutcome = {
    command: 'add',
    type,
    dryRun: ctx.globals.dryRun,
    changed: plan.actions.length > 0,
    source: { type, arn: plan.source.arn, name: plan.source.name },
    function: { arn: plan.functionArn },
    actions: plan.actions.map(viewAction),
    trigger: plan.current ?? null,
    warnings: plan.warnings.map(toWarning),
  };

  let interruptedWait: InterruptedError | undefined;
  if (!ctx.globals.dryRun && plan.actions.length > 0) {
    const aws = actx.aws;
    const call: CallApi = (api, input, region) => {
      const [service, operation] = api.split(':') as [ServiceName, string];
      return aws.call(service, operation, input, { region });
    };
    withMappingReadBack(plan.actions, call);
    // Ctrl-C or SIGTERM during the writes stops the plan after the call in flight and undoes it.
    const release = ctx.guardWrites();
    try {
      const { results, inputs } = await applyPlan(plan.actions, {
        call,
        reporter: ctx.reporter,
        describeError: toEvsrcError,
        errorName: awsErrorName,
        sleep: ctx.sleep,
        interrupt: ctx.interrupt,
      });
      // Report what was really sent: inputs bound at run time replace the plan's placeholders.
      outcome.actions = outcome.actions.map((view, i) => boundView(view, inputs[i]));
      try {
        outcome.trigger = (await plan.finish(actx, results)) ?? null;
      } catch (error) {
        if (!(error instanceof InterruptedError)) throw error;
        // Interrupted while waiting after the writes: the change is whole. Stop waiting, show it as it is now.
        interruptedWait = error;
        outcome.trigger = (await plan.finish({ ...actx, wait: false, interrupt: undefined }, results)) ?? null;
      }
    } finally {
      release();
    }
  } else if (!ctx.globals.dryRun) {
    outcome.trigger = (await plan.finish(actx, [])) ?? null;
  }
  // A source made by the plan (a stream enabled, a consumer registered) is only known now.
  if (outcome.trigger?.sourceArn) outcome.source.arn = outcome.trigger.sourceArn;
  if (interruptedWait) {
    ctx.reporter.emit({
      type: 'warning',
      code: 'interrupted',
      message: `${interruptedWait.message}: the change is complete and kept; its state was not awaited (re-run the same command to wait for it)`,
    });
  }
  ctx.reporter.close();
  outcome.warnings = [...ctx.reporter.warnings];
  ctx.io.stdout.write(ctx.globals.output === 'json' ? renderAddJson(outcome) : renderAddText(outcome, ctx.chalk, terminalWidth(ctx.io.stdout)));
  return interruptedWait ? ExitCode.INTERRUPTED : ExitCode.OK;
}

import { awsErrorName, isAwsError, isUnknownOutcome, toEvsrcError } from '../aws/errors.js';
import type { AwsSession, ServiceName } from '../aws/session.js';
import { EvsrcError, ExitCode, PartialApplyError, UsageError } from '../core/errors.js';
import { applyPlan, skippedWarning, type CallApi } from '../core/executor.js';
import type { Reporter } from '../core/reporter.js';
import { InterruptedError } from '../core/interrupt.js';
import type { Action } from '../core/plan.js';
import { viewAction } from '../core/plan.js';
import { toWarning, warn } from '../core/reporter.js';
import { describePartialRemoval } from '../removal/partial.js';
import { finishRemoval, parseRemoveRequest, planRemoval } from '../removal/resolve.js';
import { renderRemoveJson, renderRemovePlan, renderRemoveText, type RemoveOutcome } from '../render/remove.js';
import { terminalWidth } from '../render/io.js';
import type { CommandContext } from './context.js';

// A removal whose target is already gone has reached its goal: these answers count as done.
const GONE: Record<string, string[]> = {
  'lambda:DeleteEventSourceMapping': ['ResourceNotFoundException'],
  'lambda:RemovePermission': ['ResourceNotFoundException'],
  'sns:Unsubscribe': ['NotFound', 'NotFoundException'],
  'logs:DeleteSubscriptionFilter': ['ResourceNotFoundException'],
  'events:DeleteRule': ['ResourceNotFoundException'],
};

// Removals that are safe to send again: deleting what is gone is done (GONE above), and the S3 PUT is read
// back first. When one fails without a definite refusal (lost answer, 5xx, throttling that outlasted the
// SDK's own retries), it is tried again this many times in all, after these delays, before giving up.
const SAFE_TO_RETRY = new Set([
  'lambda:DeleteEventSourceMapping',
  'lambda:RemovePermission',
  'sns:Unsubscribe',
  's3:PutBucketNotificationConfiguration',
  'logs:DeleteSubscriptionFilter',
  'events:RemoveTargets',
  'events:DeleteRule',
]);
const REMOVAL_ATTEMPTS = 4;
const REMOVAL_DELAY_MS = 1000;

/** True when a failed call may be worth sending again: no answer, 5xx, throttled, or retried by the SDK. */
function worthRetrying(error: unknown): boolean {
  return isUnknownOutcome(error) || /Throttl|TooManyRequests|SlowDown|RequestLimitExceeded/.test(awsErrorName(error));
}

/**
 * A removal's S3 PUT whose outcome is unknown: read the configuration back. When no Lambda entry is left
 * that the PUT meant to take out, the removal is done.
 */
async function notificationRemoved(aws: AwsSession, input: Record<string, unknown>, region?: string): Promise<boolean> {
  const desired = (input.NotificationConfiguration ?? {}) as { LambdaFunctionConfigurations?: { Id?: string }[] };
  const keep = new Set((desired.LambdaFunctionConfigurations ?? []).map((e) => e.Id));
  const request: Record<string, unknown> = { Bucket: input.Bucket };
  if (input.ExpectedBucketOwner !== undefined) request.ExpectedBucketOwner = input.ExpectedBucketOwner;
  const now = await aws.call<{ LambdaFunctionConfigurations?: { Id?: string }[] }>('s3', 'GetBucketNotificationConfiguration', request, { region });
  return (now.LambdaFunctionConfigurations ?? []).every((e) => keep.has(e.Id));
}

/**
 * A removal whose outcome is still unknown after the last attempt (every answer lost, or 5xx): read back
 * whether what it removes is gone. True when it is (the step is done), false when it is still there;
 * undefined when there is nothing to read it back with. A failed read counts as "still there".
 */
async function removalGone(aws: AwsSession, api: string, input: Record<string, unknown>, region?: string): Promise<boolean | undefined> {
  const read = async (service: ServiceName, operation: string, request: Record<string, unknown>, gone: string[]): Promise<unknown> => {
    try {
      return await aws.call(service, operation, request, { region });
    } catch (error) {
      if (isAwsError(error, ...gone)) return undefined;
      throw error;
    }
  };
  switch (api) {
    case 's3:PutBucketNotificationConfiguration':
      return notificationRemoved(aws, input, region);
    case 'lambda:RemovePermission': {
      const request: Record<string, unknown> = { FunctionName: input.FunctionName };
      if (input.Qualifier !== undefined) request.Qualifier = input.Qualifier;
      const out = (await read('lambda', 'GetPolicy', request, ['ResourceNotFoundException'])) as { Policy?: string } | undefined;
      const statements = (out?.Policy ? (JSON.parse(out.Policy) as { Statement?: { Sid?: string }[] }).Statement : undefined) ?? [];
      return !statements.some((st) => st.Sid === input.StatementId);
    }
    case 'lambda:DeleteEventSourceMapping': {
      // Deleting: Lambda took the deletion (it answers 202 and deletes within seconds).
      const out = (await read('lambda', 'GetEventSourceMapping', { UUID: input.UUID }, ['ResourceNotFoundException'])) as { State?: string } | undefined;
      return out === undefined || out.State === 'Deleting';
    }
    case 'sns:Unsubscribe':
      return (await read('sns', 'GetSubscriptionAttributes', { SubscriptionArn: input.SubscriptionArn }, ['NotFound', 'NotFoundException'])) === undefined;
    case 'logs:DeleteSubscriptionFilter': {
      const request = { logGroupName: input.logGroupName, filterNamePrefix: input.filterName };
      const out = (await read('logs', 'DescribeSubscriptionFilters', request, ['ResourceNotFoundException'])) as { subscriptionFilters?: { filterName?: string }[] } | undefined;
      return !(out?.subscriptionFilters ?? []).some((f) => f.filterName === input.filterName);
    }
    case 'events:RemoveTargets': {
      const request: Record<string, unknown> = { Rule: input.Rule };
      if (input.EventBusName !== undefined) request.EventBusName = input.EventBusName;
      const out = (await read('events', 'ListTargetsByRule', request, ['ResourceNotFoundException'])) as { Targets?: { Id?: string }[] } | undefined;
      const ids = new Set((input.Ids as string[] | undefined) ?? []);
      return !(out?.Targets ?? []).some((t) => t.Id !== undefined && ids.has(t.Id));
    }
    case 'events:DeleteRule': {
      const request: Record<string, unknown> = { Name: input.Name };
      if (input.EventBusName !== undefined) request.EventBusName = input.EventBusName;
      return (await read('events', 'DescribeRule', request, ['ResourceNotFoundException'])) === undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The call of removal steps: a target already gone counts as removed, and a removal that is safe to send
 * again is retried when its outcome is unknown (an S3 PUT is read back first). `ran` collects the inputs of
 * the steps that went through.
 */
export function removalCaller(aws: AwsSession, reporter: Reporter, sleep: (ms: number) => Promise<void>, ran: Set<Record<string, unknown>>): CallApi {
  return async (api, input, region) => {
    const [service, operation] = api.split(':') as [ServiceName, string];
    let result: unknown;
    for (let attempt = 1; ; attempt += 1) {
      try {
        result = await aws.call(service, operation, input, { region });
        break;
      } catch (error) {
        if (isAwsError(error, ...(GONE[api] ?? []))) {
          result = { alreadyGone: true };
          break;
        }
        if (!SAFE_TO_RETRY.has(api) || !worthRetrying(error)) throw error;
        if (attempt >= REMOVAL_ATTEMPTS) {
          // The last attempt's outcome is unknown too: the removal may have gone through on any attempt. Read
          // back and act on what is there; a removal never fails after removing what it meant to.
          if (!isUnknownOutcome(error) || !(await removalGone(aws, api, input, region).catch(() => false))) throw error;
          reporter.emit({ type: 'warning', message: `${api} failed (${toEvsrcError(error).message}), but reading back shows the removal was made; continuing` });
          result = { readBack: true };
          break;
        }
        // The PUT may have been carried out: read back before sending it again.
        if (api === 's3:PutBucketNotificationConfiguration' && (await notificationRemoved(aws, input, region).catch(() => false))) {
          result = { readBack: true };
          break;
        }
        const delay = REMOVAL_DELAY_MS * 2 ** (attempt - 1);
        reporter.emit({ type: 'progress', message: `${api}: ${toEvsrcError(error).message}; trying again in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${REMOVAL_ATTEMPTS})` });
        await sleep(delay);
      }
    }
    ran.add(input);
    return result;
  };
}

/** `evsrc remove <type> <source> --function <fn>` and `evsrc remove <mapping-uuid>`. */
export async function runRemove(ctx: CommandContext, first: string, source: string | undefined, raw: Record<string, unknown>): Promise<number> {
  const request = await parseRemoveRequest(first, source, raw);
  const rctx = { aws: ctx.session(), reporter: ctx.reporter, wait: ctx.globals.wait, sleep: ctx.sleep };
  // Reading what to remove can take seconds: a spinner on a terminal, nothing in a log or a pipe.
  ctx.reporter.emit({ type: 'progress', message: source === undefined ? `reading mapping ${first}` : `reading ${first} ${source}`, transient: true });
  const plan = await planRemoval(rctx, request);
  ctx.reporter.emit({ type: 'progress-end' });
  for (const warning of plan.warnings) warn(ctx.reporter, warning);

  const outcome: RemoveOutcome = {
    command: 'remove',
    type: plan.type,
    ...(plan.id !== undefined ? { id: plan.id } : {}),
    dryRun: ctx.globals.dryRun,
    changed: plan.actions.length > 0,
    source: plan.source,
    function: plan.functionArn === null ? null : { arn: plan.functionArn },
    actions: plan.actions.map(viewAction),
    removed: plan.removed,
    notes: plan.notes,
    warnings: plan.warnings.map(toWarning),
  };

  if (plan.actions.length > 0 && !ctx.globals.dryRun) {
    // A removal is destructive: a person confirms on a terminal; scripts say --yes.
    if (!ctx.globals.yes) {
      if (!ctx.io.interactive || !ctx.io.confirm) {
        throw new UsageError('remove changes AWS resources and needs confirmation: pass --yes when not running on a terminal (nothing was removed)', {
          hint: 'add --dry-run to see what would be removed',
        });
      }
      ctx.reporter.close();
      ctx.io.stderr.write(renderRemovePlan(outcome, ctx.chalk, terminalWidth(ctx.io.stderr)));
      let confirmed: boolean;
      try {
        confirmed = await ctx.io.confirm('Remove it?');
      } catch (error) {
        // Ctrl-C or Ctrl-D at the prompt: a clear "no", nothing was written yet.
        const signal = error instanceof Error && /ctrl\+c/i.test(error.message) ? 'SIGINT' : 'end of input';
        throw new InterruptedError(`cancelled at the prompt (${signal === 'SIGINT' ? 'Ctrl-C' : 'Ctrl-D, end of input'}): nothing was changed`, signal);
      }
      if (!confirmed) throw new EvsrcError('cancelled: nothing was removed', ExitCode.FAILURE);
    }
    const aws = rctx.aws;
    // The inputs of the steps that went through: if a later one fails, they are what was removed.
    const ran = new Set<Record<string, unknown>>();
    const release = ctx.guardWrites();
    try {
      const { results } = await applyPlan(plan.actions, {
        call: removalCaller(aws, ctx.reporter, ctx.sleep, ran),
        reporter: ctx.reporter,
        describeError: toEvsrcError,
        errorName: awsErrorName,
        sleep: ctx.sleep,
        interrupt: ctx.interrupt,
      });
      // A step found no longer wanted just before it ran (a permission another run's new entry needs) was not sent.
      const skipped = results.map(skippedWarning);
      if (skipped.some((w) => w !== undefined)) {
        outcome.actions = plan.actions.filter((_, i) => skipped[i] === undefined).map(viewAction);
        outcome.warnings = [...outcome.warnings, ...skipped.filter((w) => w !== undefined)];
      }
    } catch (error) {
      // Removal steps cannot be undone, so an interrupt after one ran reaches here as the executor's
      // PartialApplyError caused by the interrupt: it is reworded as what was removed and what was not.
      const interrupted = error instanceof InterruptedError ? error : error instanceof PartialApplyError && error.cause instanceof InterruptedError ? error.cause : undefined;
      if (interrupted) throw describeInterruptedRemoval(interrupted, plan.actions, ran);
      throw describePartialRemoval(error, plan.actions, ran);
    } finally {
      release();
    }
    // What the plan checks after the writes (mappings gone, a bucket re-read) cannot undo them: when it
    // fails, the removal has still been made, so that is a warning, not a failure.
    const later = await finishRemoval(rctx, plan).catch((error: unknown) => [
      { code: 'read-back-failed', message: `the removal was made, but checking it afterwards failed: ${toEvsrcError(error).message}; run evsrc list --function ${plan.functionArn ?? ''} to see what is there` },
    ]);
    for (const warning of later) warn(ctx.reporter, warning);
    outcome.warnings = [...outcome.warnings, ...later.map(toWarning)];
  }
  ctx.reporter.close();
  ctx.io.stdout.write(ctx.globals.output === 'json' ? renderRemoveJson(outcome) : renderRemoveText(outcome, ctx.chalk, terminalWidth(ctx.io.stdout)));
  return 0;
}

/** An interrupted removal (which cannot be undone): what was removed, and what a re-run will remove. */
function describeInterruptedRemoval(error: InterruptedError, actions: readonly Action[], ran: ReadonlySet<Record<string, unknown>>): InterruptedError {
  const removed = actions.filter((a) => ran.has(a.input)).map((a) => a.summary);
  const notRemoved = actions.filter((a) => !ran.has(a.input)).map((a) => a.summary);
  if (removed.length === 0) return new InterruptedError(`interrupted (${error.signal}) before the first step: nothing was removed`, error.signal);
  const rest = notRemoved.length > 0 ? `; not removed: ${notRemoved.join('; ')}` : '; nothing is left to remove';
  return new InterruptedError(`interrupted (${error.signal}); removed: ${removed.join('; ')}${rest}`, error.signal, removed, [], notRemoved.length > 0 ? 'run the same evsrc remove again: it removes only what is still there' : undefined);
}

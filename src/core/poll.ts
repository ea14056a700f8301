import { AwsFailure } from './errors.js';
import { throwIfInterrupted, type Interrupt } from './interrupt.js';
import type { Reporter } from './reporter.js';

/** How long a poll may go on: attempts, and a delay that grows from `firstDelayMs` up to `maxDelayMs`. */
export interface PollLimits {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** About five minutes of polling: long enough for a table update or a consumer registration. */
export const DEFAULT_POLL: PollLimits = { attempts: 70, firstDelayMs: 1000, maxDelayMs: 5000 };

/**
 * The waits before the reads of a resource that was just created: soon at first (a new event source
 * mapping is usually ready within a second, so a read after 100 ms and after 350 ms in all catches most),
 * then growing by half each time up to `maxMs`. `attempt` counts from 0.
 */
export function settleDelay(attempt: number, maxMs = 5000): number {
  const quick = [100, 250, 500, 1000][attempt];
  if (quick !== undefined) return Math.min(quick, maxMs);
  return Math.min(Math.round(1000 * 1.5 ** (attempt - 3)), maxMs);
}

/** What a poll needs: a sleep (tests make it instant) and a reporter for progress. */
export interface PollContext {
  sleep: (ms: number) => Promise<void>;
  reporter: Reporter;
  /** Set while writes run: a wait stops at the next poll when an interrupt is asked for. */
  interrupt?: Interrupt;
}

/**
 * Reads until `done` holds, bounded by attempts (not wall time, so an instant test sleep cannot spin
 * for minutes). `initial`, when given, is checked before the first read. Throws AwsFailure on timeout.
 */
export async function pollUntil<T>(
  ctx: PollContext,
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { initial?: T; limits?: PollLimits; describe?: (value: T) => string } = {},
): Promise<T> {
  const limits = options.limits ?? DEFAULT_POLL;
  let value = options.initial;
  if (value !== undefined && done(value)) return value;
  let delay = limits.firstDelayMs;
  let waited = 0;
  for (let attempt = 1; attempt <= limits.attempts; attempt += 1) {
    if (value !== undefined || attempt > 1) {
      throwIfInterrupted(ctx.interrupt, `while waiting for ${what}`);
      ctx.reporter.emit({ type: 'progress', message: `waiting for ${what}${value !== undefined && options.describe ? ` (${options.describe(value)})` : ''}` });
      await ctx.sleep(delay);
      waited += delay;
      delay = Math.min(Math.round(delay * 1.5), limits.maxDelayMs);
    }
    value = await read();
    if (done(value)) return value;
  }
  const last = value !== undefined && options.describe ? `; last seen: ${options.describe(value)}` : '';
  throw new AwsFailure(`gave up waiting for ${what} after ${Math.round(waited / 1000)}s${last}`, {
    hint: 're-run the same command later: evsrc picks up from where AWS is',
  });
}

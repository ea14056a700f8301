/**
 * A fake AWS session that counts calls and sequential rounds, and a command context around it, for the
 * round-trip tests. Each call answers after a real timer tick, so calls started side by side overlap;
 * a call's round is one more than the highest round of the calls that had already answered when it
 * started: the longest chain of calls that waited for each other, as scripts/bench-rounds.mjs measures
 * through its latency proxy.
 */
import { Chalk } from 'chalk';
import type { AwsSession } from '../../src/aws/session.js';
import type { CommandContext } from '../../src/commands/context.js';
import { InterruptController } from '../../src/core/interrupt.js';
import { ConsoleReporter } from '../../src/render/reporter.js';

/** One recorded call. */
export interface RoundCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  region?: string | undefined;
  round: number;
}

/** Answers a call: return the output, or throw an AWS-shaped error (see awsError). */
export type Answer = (service: string, operation: string, input: Record<string, unknown>) => unknown;

/** An error as the SDK throws it. */
export function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: status } });
}

/** A session whose calls are answered by `answer` one timer tick later, with their rounds recorded. */
export function roundsSession(answer: Answer, region = 'us-east-1') {
  const calls: RoundCall[] = [];
  let answeredRound = 0;
  const call = async (service: string, operation: string, input: Record<string, unknown> = {}, options: { region?: string } = {}) => {
    const record: RoundCall = { service, operation, input, region: options.region, round: answeredRound + 1 };
    calls.push(record);
    await new Promise((resolve) => setTimeout(resolve, 2));
    answeredRound = Math.max(answeredRound, record.round);
    return answer(service, operation, input);
  };
  const aws = {
    callCount: 0,
    call,
    paginate: async (service: string, operation: string, input: Record<string, unknown>, page: { items: string; outputToken: string }, options: { region?: string } = {}) =>
      (((await call(service, operation, input, options)) as Record<string, unknown[]> | undefined)?.[page.items] ?? []),
    region: async () => region,
    // SDK code to load ahead: a fake session has none.
    preload: () => {},
    close: async () => {},
  } as unknown as AwsSession;
  return {
    aws,
    calls,
    /** The number of sequential rounds so far. */
    rounds: () => Math.max(0, ...calls.map((c) => c.round)),
    /** `Operation` names in call order. */
    operations: () => calls.map((c) => c.operation),
    /** How many calls of one operation. */
    count: (operation: string) => calls.filter((c) => c.operation === operation).length,
    /** Operation names per round, sorted within each round. */
    byRound: () => {
      const out: string[][] = [];
      for (const c of calls) (out[c.round - 1] ??= []).push(c.operation);
      return out.map((r) => r.sort());
    },
  };
}

/** A command context over a fake session: output captured, sleeps recorded and instant. */
export function roundsContext(aws: AwsSession, globals: Partial<CommandContext['globals']> = {}) {
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  const chalk = new Chalk({ level: 0 });
  const stream = (write: (s: string) => void) => ({ write: (s: string) => (write(s), true), isTTY: false });
  const io = { stdout: stream((s) => (stdout += s)), stderr: stream((s) => (stderr += s)), env: {}, interactive: false };
  const ctx = {
    io,
    globals: { output: 'json', dryRun: false, yes: true, wait: true, color: false, verbose: false, ...globals },
    chalk,
    reporter: new ConsoleReporter({ stderr: io.stderr, chalk, verbose: false, progress: true }),
    session: () => aws,
    closeSession: async () => {},
    sleep: async (ms: number) => void sleeps.push(ms),
    interrupt: new InterruptController(),
    guardWrites: () => () => {},
  } as unknown as CommandContext;
  return { ctx, sleeps, stdout: () => stdout, stderr: () => stderr };
}

import type { AwsSession } from '../aws/session.js';
import type { FunctionRef } from '../core/arn.js';
import type { Action } from '../core/plan.js';
import type { Reporter } from '../core/reporter.js';

/** The five kinds of event source evsrc wires. */
export const SOURCE_TYPES = ['sqs', 's3', 'sns', 'dynamodb', 'kinesis'] as const;
/** One of SOURCE_TYPES. */
export type SourceType = (typeof SOURCE_TYPES)[number];

/** One flag of a source's `add` command, declared for commander. */
export interface OptionSpec {
  /** Commander flag syntax, e.g. `--batch-size <n>`. */
  flags: string;
  description: string;
  /** Collect repeated uses into an array. */
  repeatable?: boolean;
  /** Accepted (to refuse it with a clear message) but not listed in --help. */
  hidden?: boolean;
}

/** What the CLI needs to know about a source before loading it: cheap, static data. */
export interface SourceSpec {
  type: SourceType;
  /** The positional argument, e.g. `<queue>`. */
  argument: string;
  argumentDescription: string;
  summary: string;
  options: OptionSpec[];
  examples: string[];
}

/** What an adapter gets to do its reads: AWS access, a reporter, and run-time switches. */
export interface AdapterContext {
  aws: AwsSession;
  reporter: Reporter;
  /** Wait for transitional states to end after a write (false with --no-wait). */
  wait: boolean;
  /** Sleep used by polls and retries; tests make it instant. */
  sleep: (ms: number) => Promise<void>;
}

/** A request to add a trigger. */
export interface AddRequest<O> {
  /** The source as the user typed it (name, URL or ARN). */
  source: string;
  fn: FunctionRef;
  options: O;
}

/** A trigger as evsrc shows it: the same shape for add results, list and remove. */
export interface TriggerView {
  type: SourceType;
  /** The id `evsrc remove` accepts: mapping UUID, notification id, subscription ARN. */
  id: string;
  sourceArn: string;
  /** The source's short name (queue, table, stream, bucket or topic), where it is shown. */
  sourceName?: string;
  functionArn: string;
  state?: string;
  stateTransitionReason?: string;
  lastProcessingResult?: string;
  settings: Record<string, unknown>;
}

/** The plan of an add, with what it is about and how to report the outcome. */
export interface AddPlan {
  type: SourceType;
  source: { arn: string; name: string };
  functionArn: string;
  actions: Action[];
  warnings: string[];
  /** The trigger as it is before the change, when one exists. */
  current?: TriggerView;
  /** Builds the final trigger view after the actions ran (waiting for a stable state when asked). */
  finish(ctx: AdapterContext, results: readonly unknown[]): Promise<TriggerView | undefined>;
}

/** The contract of one source type. An adapter never prints and never writes to AWS itself. */
export interface SourceAdapter<O = unknown> {
  spec: SourceSpec;
  /** Validates the raw commander options (pure); throws UsageError. */
  parseAddOptions(raw: Record<string, unknown>): O;
  /** Resolves, reads current state and plans the add (read-only AWS calls). */
  planAdd(ctx: AdapterContext, request: AddRequest<O>): Promise<AddPlan>;
}

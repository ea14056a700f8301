import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { ResolvedFunction } from '../aws/lambda.js';
import type { AwsSession, ServiceName } from '../aws/session.js';
import type { FunctionRef } from '../core/arn.js';
import type { Interrupt } from '../core/interrupt.js';
import type { Action } from '../core/plan.js';
import type { PlanWarning, Reporter } from '../core/reporter.js';
import type { Finding, FunctionTarget } from '../inventory/model.js';
import type { Grant, SourceStatus } from '../mechanisms/permission/grants.js';

// The contract of a trigger type: its whole life in one object. `add`, `list`, `remove`, the renderers
// and the JSON output work from the registry of these (src/sources/registry.ts) and never switch on a
// type's name. A type never prints and never writes to AWS itself: it reads, and returns plans (data).

/** The name of a registered trigger type (`sqs`, `s3`, `eventbridge`, …): what users type and JSON shows. */
export type SourceType = string;

/** One flag of a type's `add` or `remove` command, declared for commander. */
export interface OptionSpec {
  /** Commander flag syntax, e.g. `--batch-size <n>`. */
  flags: string;
  description: string;
  /** Collect repeated uses into an array. */
  repeatable?: boolean;
  /** Accepted (to refuse it with a clear message) but not listed in --help. */
  hidden?: boolean;
  /** The values it takes, when they are a fixed set: offered by shell completion (`evsrc completion`). */
  values?: readonly string[];
}

/** What the CLI needs to know about a type before using it: cheap, static data. */
export interface SourceSpec {
  type: SourceType;
  /** The positional argument, e.g. `<queue>`. */
  argument: string;
  argumentDescription: string;
  /**
   * A flag `add` also takes in place of the positional source (`--bootstrap-servers <servers>` for kafka):
   * the argument is then optional, and one of the two is required (exit 2 naming both forms otherwise).
   */
  sourceFlag?: OptionSpec;
  summary: string;
  /** The flags of `add <type>`. */
  options: OptionSpec[];
  examples: string[];
  /** Flags of `remove <type>` beyond --function (e.g. s3's --events); others' are refused for this type. */
  removeOptions?: OptionSpec[];
  /** Examples of `remove <type>` for `remove --help`. */
  removeExamples?: string[];
}

/** What a type gets to do its reads: AWS access, a reporter, and run-time switches. */
export interface AdapterContext {
  aws: AwsSession;
  reporter: Reporter;
  /** Wait for transitional states to end after a write (false with --no-wait). */
  wait: boolean;
  /** Sleep used by polls and retries; tests make it instant. */
  sleep: (ms: number) => Promise<void>;
  /** The run's interrupt flag: waits during writes stop when it is raised. */
  interrupt?: Interrupt;
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
  /** The id `evsrc remove` accepts or shows: mapping UUID, notification id, subscription ARN, target id, filter name. */
  id: string;
  sourceArn: string;
  /** The source's short name (queue, table, stream, bucket, topic, rule or log group), where it is shown. */
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
  warnings: PlanWarning[];
  /** The trigger as it is before the change, when one exists. */
  current?: TriggerView;
  /** Builds the final trigger view after the actions ran (waiting for a stable state when asked). */
  finish(ctx: AdapterContext, results: readonly unknown[]): Promise<TriggerView | undefined>;
}

// --- list ----------------------------------------------------------------------------------------

/**
 * What every type's discovery shares in one `list`: the scope, and the reads several types need, each
 * made at most once and only when a type asks for it (memoised promises).
 */
export interface ListScan {
  aws: AwsSession;
  reporter: Reporter;
  sleep: (ms: number) => Promise<void>;
  /** Bounded concurrency for reads (READ_CONCURRENCY at a time). */
  each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]>;
  region: string;
  partition: string;
  /** With --function: the function and how triggers are matched against it. Region-wide: undefined. */
  fn?: ResolvedFunction;
  target?: FunctionTarget;
  /** Region-wide: the unqualified ARNs of every function in the region. With --function: that one. */
  functions(): Promise<string[]>;
  /** With --function (no qualifier named): the ARNs of the function's aliases. Region-wide: none. */
  aliases(): Promise<string[]>;
  /** The account of the functions looked at (undefined when the region has none); sources elsewhere are not judged. */
  account(): Promise<string | undefined>;
  /** The function's (and its aliases') mappings, or every mapping of the region; encrypted filters revealed. */
  mappings(): Promise<EventSourceMappingConfiguration[]>;
  /**
   * With --function: the grants of the function's policy (and its aliases'), classified by type.
   * Region-wide: undefined (policies are read after discovery, and only with --check-permissions).
   */
  grants(): Promise<Grant[] | undefined>;
  /** Region-wide with --check-permissions: the permissions will be judged, so sources a grant may name should be read. */
  checkPermissions?: boolean;
}

/** What one type found in a `list`. */
export interface Discovery {
  triggers: TriggerView[];
  /** Problems only this type can see (a mapping disabled by Lambda, a pending subscription, …). */
  findings: Finding[];
  /** Push sources read (by ARN) and whether they exist: the permission checks judge grants for these only. */
  sources?: ReadonlyMap<string, SourceStatus>;
}

/** What the shared permission checks need to know about a push type (S3, SNS, EventBridge, Logs). */
export interface PushTraits {
  /** True for the service principal(s) this type's service invokes functions as. */
  matchesPrincipal(principal: string): boolean;
  /** The principal named in messages, e.g. `s3.amazonaws.com`. */
  principal: string;
  /** What a source of this type is called in messages: bucket, topic, rule, log group. */
  noun: string;
  /** The short name of a source ARN of this type (default: the ARN's resource up to the first ':'). */
  nameOf?(arn: string): string;
  /** Deliveries without the permission fail with no error anywhere a person would see (EventBridge). */
  silent?: boolean;
  /**
   * The one source a grant names, for types whose source ARNs carry a literal `*` (a log group ARN ends in
   * `:*`); default: exactSource (a single value without wildcards).
   */
  exactSource?(grant: Grant): string | undefined;
}

// --- remove --------------------------------------------------------------------------------------

/** The plan of one removal. */
export interface RemovalPlan {
  /** The kind of trigger; null when `remove <uuid>` names a mapping that does not exist. */
  type: SourceType | null;
  /** The mapping UUID, for `remove <uuid>`. */
  id?: string;
  /** The source; null when it is unknown (no such mapping). */
  source: { arn: string; name: string } | null;
  /** The function; null when it is unknown (no such mapping). */
  functionArn: string | null;
  actions: Action[];
  /** The triggers the actions take away. */
  removed: TriggerView[];
  /** Facts worth telling (why nothing is removed, what is kept). */
  notes: string[];
  warnings: PlanWarning[];
  /** What to check after the writes ran (wait for deletions, re-read a whole-configuration write); returns warnings. */
  finish?(ctx: AdapterContext): Promise<PlanWarning[]>;
}

/** A checked `remove <type> <source> --function <fn>` request; `source` is the type's own parse of it. */
export interface RemoveRequest<R> {
  fn: FunctionRef;
  source: R;
}

// --- triggers as a file (export, apply, diff) ------------------------------------------------------

/** Where an export is taken: sources and functions of this account and region are named, others given by ARN. */
export interface ExportScope {
  /** The account of the function the trigger belongs to. */
  account?: string;
  region: string;
  partition: string;
  /** What `list` flagged about this trigger (a stale stream, a missing source), for types that name it differently then. */
  findings: readonly Finding[];
}

/**
 * A trigger in the vocabulary of `add <type>`: the source argument, and flag values by commander key
 * (`--batch-size 50` is `batchSize: 50`, `--no-filter` is `filter: false`, a JSON flag may be an object).
 */
export interface EntryFlags {
  source: string;
  flags: Record<string, unknown>;
}

/** What a setting left out of a file entry means: these flags (its AWS default), unless one of `unless` is in the entry. */
export interface EntryDefault {
  unless: readonly string[];
  flags: Record<string, unknown>;
}

/** How a type's triggers are written to and read from a triggers file (`evsrc export`, `apply -f`, `diff -f`). */
export interface FileTraits {
  /** The trigger as `add` flags, settings at AWS defaults left out; applying it back to the same account changes nothing. */
  toEntry(view: TriggerView, scope: ExportScope): EntryFlags;
  /**
   * The AWS defaults of the settings `add` can set back, as flags: a file entry describes a whole trigger,
   * so a setting it leaves out is converged to its default (a mapping disabled by hand is enabled again).
   */
  defaults: readonly EntryDefault[];
  /**
   * The `remove <type>` request that removes exactly this trigger (for `apply --prune`). Mapping types
   * leave it out: their triggers are removed by mapping UUID.
   */
  removeArgs?(view: TriggerView): EntryFlags;
}

// --- the contract --------------------------------------------------------------------------------

/**
 * What is known of a trigger type without loading its implementation: its flags and examples, and the
 * pure facts `list`, `remove <uuid>` and the renderers need to tell types apart. A type declares it in its
 * `spec.ts`, which imports no planning code, so `--help` and argument parsing load only these.
 */
export interface TypeSpec {
  spec: SourceSpec;
  /** True when a source ARN (a mapping's EventSourceArn, a grant's SourceArn) is of this type. */
  ownsSourceArn(arn: string): boolean;
  /** Push types: how their permissions look. Mapping types have none (the execution role reads the source). */
  push?: PushTraits;
  /** Mapping types: the setting keys of a mapping of this type (for `remove <uuid>` and views). */
  mapping?: { settingKeys: readonly string[] };
  /** The AWS services besides Lambda whose clients its `list` reads: loaded ahead, while the first calls fly. */
  services?: readonly ServiceName[];
}

/** A line of the registry: a type's spec, and how to load the whole type (its own bundle chunk) when a command needs it. */
export interface RegisteredType extends TypeSpec {
  load(): Promise<TriggerType>;
}

/** One trigger type: flags, add, list and remove. `O` are its add options, `R` its parsed remove source. */
export interface TriggerType<O = unknown, R = unknown> extends TypeSpec {
  /** Validates the raw commander options of `add` (pure); throws UsageError. */
  parseAddOptions(raw: Record<string, unknown>): O;
  /** Resolves, reads current state and plans the add (read-only AWS calls). */
  planAdd(ctx: AdapterContext, request: AddRequest<O>): Promise<AddPlan>;
  /** Finds the triggers of this type in the scan's scope, hand-made ones included, with their problems. */
  discover(scan: ListScan): Promise<Discovery>;
  /** Checks the source argument and the `removeOptions` of `remove <type>` (pure); throws UsageError. */
  parseRemove(source: string, raw: Record<string, unknown>): R;
  /** Reads what is there and plans the removal (read-only AWS calls). */
  planRemove(ctx: AdapterContext, request: RemoveRequest<R>): Promise<RemovalPlan>;
  /** Triggers as a file: export in `add` vocabulary, the defaults a left-out setting means, prune. */
  file: FileTraits;
}

/** The older name of a trigger type's add side, kept for the adapters' declarations. */
export type SourceAdapter<O = unknown> = TriggerType<O>;

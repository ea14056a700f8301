/** Exit codes of the evsrc CLI; only src/cli.ts turns an error into one. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  PARTIAL: 4,
  /** The account differs from what was asked: `diff -f` found drift, `list --fail-on` found those problems. */
  DRIFT: 5,
  /** Interrupted by SIGINT or SIGTERM (128 + 2, as a shell reports Ctrl-C). */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Extra facts an error can carry to the person reading it. */
export interface ErrorDetails {
  hint?: string;
  awsErrorName?: string;
  requestId?: string;
  cause?: unknown;
}

/** Base class of every error evsrc raises on purpose; carries its exit code. */
export class EvsrcError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly awsErrorName?: string;
  readonly requestId?: string;

  constructor(message: string, exitCode: ExitCodeValue, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = details.hint;
    this.awsErrorName = details.awsErrorName;
    this.requestId = details.requestId;
  }
}

/** Bad flags or arguments: exit 2, raised before any AWS write. */
export class UsageError extends EvsrcError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.USAGE, details);
  }
}

/** A named queue, function, bucket... does not exist: exit 3. */
export class NotFoundError extends EvsrcError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.NOT_FOUND, details);
  }
}

/** A precondition of the request fails (visibility timeout, stream disabled, immutable field): exit 3. */
export class PreconditionError extends EvsrcError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.NOT_FOUND, details);
  }
}

/** An AWS call or the runtime failed: exit 1. */
export class AwsFailure extends EvsrcError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.FAILURE, details);
  }
}

/** A plan was applied in part and could not be fully undone: exit 4; `remaining` lists what is left. */
export class PartialApplyError extends EvsrcError {
  readonly remaining: string[];
  constructor(message: string, remaining: string[], details: ErrorDetails = {}) {
    super(message, ExitCode.PARTIAL, details);
    this.remaining = remaining;
  }
}

/** Formats a flag's refusal uniformly: the flag, the value given, and what is allowed. */
export function invalidFlag(flag: string, value: unknown, allowed: string): UsageError {
  return new UsageError(`${flag}: invalid value ${JSON.stringify(value)}; ${allowed}`);
}

import { EvsrcError, ExitCode } from './errors.js';

// An interrupt (Ctrl-C, SIGINT; or SIGTERM) while evsrc writes is a failure at that point, not a crash:
// the call in flight is let complete, what this run changed is undone, and the person is told what was
// done and undone. The CLI's entry point turns the signals into this flag only while writes run; the
// executor and the polls check it between and around their calls.

/** Whether an interrupt was asked for, and the ledger of the writes in progress (for a second interrupt). */
export interface Interrupt {
  /** The signal that asked to stop (SIGINT, SIGTERM), or undefined while none has. */
  readonly reason: string | undefined;
  /** The write call in flight, if any. */
  inFlight?: string;
  /** The writes of this run that went through and were not undone (yet). */
  readonly changed: string[];
}

/** The interrupt flag of one command run. */
export class InterruptController implements Interrupt {
  private signal?: string;
  inFlight?: string;
  readonly changed: string[] = [];

  get reason(): string | undefined {
    return this.signal;
  }

  /** Records an interrupt; returns false when one was already asked for (the second one). */
  interrupt(signal: string): boolean {
    if (this.signal !== undefined) return false;
    this.signal = signal;
    return true;
  }

  /** What may be left when the process stops now, in one sentence. */
  /** What may be left after an exit at once: the changes made, and the call in flight. */
  mayBeLeft(): string[] {
    return [...this.changed.map((c) => `${c} (done)`), ...(this.inFlight ? [`${this.inFlight} (in flight)`] : [])];
  }

  leftBehind(): string {
    const items = [...this.changed.map((c) => `${c} (done)`), ...(this.inFlight ? [`${this.inFlight} (in flight)`] : [])];
    return items.length > 0 ? `these changes may be left: ${items.join('; ')}` : 'no change of this run was made';
  }
}

/** The run was interrupted: exit 130 (128 + SIGINT, as a shell reports it). `done`, `undone`: step summaries. */
export class InterruptedError extends EvsrcError {
  readonly signal: string;
  readonly done: string[];
  readonly undone: string[];
  constructor(message: string, signal: string, done: string[] = [], undone: string[] = [], hint?: string) {
    super(message, ExitCode.INTERRUPTED, hint === undefined ? {} : { hint });
    this.signal = signal;
    this.done = done;
    this.undone = undone;
  }
}

/** Throws an InterruptedError when an interrupt was asked for (used by waits and polls). */
export function throwIfInterrupted(interrupt: Interrupt | undefined, what: string): void {
  if (interrupt?.reason === undefined) return;
  throw new InterruptedError(`interrupted (${interrupt.reason}) ${what}`, interrupt.reason);
}

/** Events that core and sources emit; src/render decides how a person or a program sees them. */
export type ReporterEvent =
  /** Something under way; `transient` ones are worth a spinner on a terminal, not a line in a log. */
  | { type: 'progress'; message: string; transient?: boolean }
  | { type: 'progress-end'; message?: string; ok?: boolean }
  | { type: 'warning'; message: string; code?: string }
  | { type: 'info'; message: string }
  | { type: 'debug'; message: string };

/** The only channel through which core and sources talk to the user. */
export interface Reporter {
  emit(event: ReporterEvent): void;
}

/** A reporter that records events and shows nothing (tests, library use). */
export class MemoryReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  emit(event: ReporterEvent): void {
    this.events.push(event);
  }
  /** The messages of one event type. */
  messages(type: ReporterEvent['type']): string[] {
    return this.events.filter((e) => e.type === type).map((e) => ('message' in e ? (e.message ?? '') : ''));
  }
}

/**
 * A warning as the JSON output shows it: a stable `code` a script can test, and the message for people.
 * `code` names one kind of warning where it is produced in one place; the rest are 'warning'.
 */
export interface Warning {
  code: string;
  message: string;
}

/** The code of a warning that has no more specific one. */
export const GENERIC_WARNING = 'warning';

/** A warning from a plan: a plain string is a warning with the generic code. */
export type PlanWarning = string | Warning;

/** A plan's warning as a Warning. */
export function toWarning(warning: PlanWarning): Warning {
  return typeof warning === 'string' ? { code: GENERIC_WARNING, message: warning } : warning;
}

/** The message of a plan's warning. */
export function warningMessage(warning: PlanWarning): string {
  return typeof warning === 'string' ? warning : warning.message;
}

/** Emits a warning through a reporter. */
export function warn(reporter: Reporter, warning: PlanWarning): void {
  reporter.emit({ type: 'warning', ...toWarning(warning) });
}

/** Events that core and sources emit; src/render decides how a person or a program sees them. */
export type ReporterEvent =
  /** Something under way; `transient` ones are worth a spinner on a terminal, not a line in a log. */
  | { type: 'progress'; message: string; transient?: boolean }
  | { type: 'progress-end'; message?: string; ok?: boolean }
  | { type: 'warning'; message: string }
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

/** Emits a warning through a reporter. */
export function warn(reporter: Reporter, message: string): void {
  reporter.emit({ type: 'warning', message });
}

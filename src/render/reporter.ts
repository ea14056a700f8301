import type { ChalkInstance } from 'chalk';
import { GENERIC_WARNING, type Reporter, type ReporterEvent, type Warning } from '../core/reporter.js';
import { wrapMessage } from './fit.js';
import { terminalWidth, type OutStream } from './io.js';

type Spinner = { start(text?: string): Spinner; stop(): Spinner; stopAndPersist(options: { symbol: string; text?: string }): Spinner; text: string };
type SpinnerFactory = (options: { text: string; stream: OutStream }) => Spinner;

/** Options of the stderr reporter. */
export interface ConsoleReporterOptions {
  stderr: OutStream;
  chalk: ChalkInstance;
  verbose: boolean;
  /** Show progress at all (off with --output json unless verbose). */
  progress: boolean;
  /** Spinner factory (ora), present only on a TTY. */
  spinner?: SpinnerFactory;
}

/**
 * Loads ora only when a spinner will really be shown: stderr is a terminal that reports its width.
 * Pseudo-terminals with no width (some CI runners, `script`) cannot be redrawn line by line.
 * `color` is evsrc's own decision for stderr: ora's colour detection knows neither NO_COLOR nor
 * evsrc's --no-color, so a spinner would otherwise be cyan where everything else is plain.
 */
export async function loadSpinner(stderr: OutStream, env: NodeJS.ProcessEnv = {}, color = true): Promise<SpinnerFactory | undefined> {
  if (!stderr.isTTY || !stderr.columns || stderr.columns <= 0 || env.TERM === 'dumb') return undefined;
  const { default: ora } = await import('ora');
  return (options) =>
    ora({ text: options.text, stream: options.stream as NodeJS.WritableStream, discardStdin: false, color: color ? 'cyan' : false }) as unknown as Spinner;
}

/** A reporter that writes progress, warnings and debug lines to stderr; spinners only on a TTY. */
export class ConsoleReporter implements Reporter {
  private spinner?: Spinner;
  /** Every warning emitted, in order, with its code (for the JSON output). */
  readonly warnings: Warning[] = [];

  constructor(private readonly options: ConsoleReporterOptions) {}

  emit(event: ReporterEvent): void {
    const { stderr, chalk } = this.options;
    switch (event.type) {
      case 'progress':
        if (!this.options.progress) return;
        if (this.options.spinner) {
          if (this.spinner) this.spinner.text = event.message;
          else this.spinner = this.options.spinner({ text: event.message, stream: stderr }).start();
        } else if (!event.transient) {
          stderr.write(`${chalk.dim('…')} ${event.message}\n`);
        }
        return;
      case 'progress-end':
        if (this.spinner) {
          // The symbols are coloured by evsrc's chalk: ora's own (log-symbols) ignore --no-color.
          if (event.ok === false) this.spinner.stopAndPersist({ symbol: chalk.red('✖'), text: event.message });
          else if (event.message) this.spinner.stopAndPersist({ symbol: chalk.green('✔'), text: event.message });
          else this.spinner.stop();
          this.spinner = undefined;
        }
        return;
      case 'warning':
        this.warnings.push({ code: event.code ?? GENERIC_WARNING, message: event.message });
        this.pause(() => stderr.write(`${wrapMessage(`${chalk.yellow('warning:')} ${event.message}`, terminalWidth(stderr))}\n`));
        return;
      case 'info':
        this.pause(() => stderr.write(`${wrapMessage(event.message, terminalWidth(stderr))}\n`));
        return;
      case 'debug':
        if (this.options.verbose) this.pause(() => stderr.write(`${chalk.dim(event.message)}\n`));
        return;
    }
  }

  /** Stops any spinner (before the result is printed or on error). */
  close(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private pause(write: () => void): void {
    const text = this.spinner?.text;
    if (this.spinner) this.spinner.stop();
    write();
    if (this.spinner && text !== undefined) this.spinner.start(text);
  }
}

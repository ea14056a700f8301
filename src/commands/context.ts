import type { ChalkInstance } from 'chalk';
import { AwsSession } from '../aws/session.js';
import type { InterruptController } from '../core/interrupt.js';
import type { AdapterContext } from '../sources/contract.js';
import type { Io } from '../render/io.js';
import type { ConsoleReporter } from '../render/reporter.js';

/** Options every command accepts, before or after the subcommand. */
export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** yaml only for export (its default is YAML; text means the same). */
  output: 'text' | 'json' | 'yaml';
  dryRun: boolean;
  yes: boolean;
  wait: boolean;
  color: boolean;
  verbose: boolean;
  /** --cli-connect-timeout and --cli-read-timeout in ms (0 = none). */
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

/** What a command runs with: its I/O, options, renderer pieces and a lazily-made AWS session. */
export interface CommandContext {
  io: Io;
  globals: GlobalOptions;
  chalk: ChalkInstance;
  reporter: ConsoleReporter;
  session(): AwsSession;
  /** Closes the AWS clients' sockets, if any were opened. */
  closeSession(): Promise<void>;
  sleep: (ms: number) => Promise<void>;
  /** The run's interrupt flag, raised by SIGINT/SIGTERM while writes run. */
  interrupt: InterruptController;
  /** Turns SIGINT/SIGTERM into the interrupt flag until the returned function is called (around writes only). */
  guardWrites(): () => void;
}

/** The adapter context of a command. */
export function adapterContext(ctx: CommandContext): AdapterContext {
  return { aws: ctx.session(), reporter: ctx.reporter, wait: ctx.globals.wait, sleep: ctx.sleep, interrupt: ctx.interrupt };
}

/** A stream evsrc writes to; process.stdout/stderr satisfy it, and tests pass string buffers. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The process's streams and environment, injected so the CLI can run in-process under test. */
export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  /** True when a person can answer a prompt (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks a yes/no question on a terminal; only called when interactive. */
  confirm?: (question: string) => Promise<boolean>;
}

/** The real process's Io. */
export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // Read when a command is about to ask: process.stdin is made on first use, and made from a pipe
    // (CI, scripts) it is a socket, which no command that does not prompt needs.
    get interactive() {
      return Boolean(process.stdin.isTTY && process.stderr.isTTY);
    },
    confirm: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // Ctrl-C at the prompt reaches readline as its own 'SIGINT' event (not the process's); Ctrl-D (end of
      // input) closes the interface. Both reject without an answer, each named for what it was.
      const closed = new Promise<never>((_resolve, reject) => {
        rl.once('SIGINT', () => reject(Object.assign(new Error('Aborted with Ctrl+C'), { name: 'AbortError' })));
        rl.once('close', () => reject(Object.assign(new Error('Aborted with Ctrl+D (end of input)'), { name: 'AbortError' })));
      });
      try {
        const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        closed.catch(() => {});
        rl.close();
      }
    },
  };
}

/**
 * Whether to colour output: only on a TTY that is not TERM=dumb, never with NO_COLOR or --no-color.
 * FORCE_COLOR is asked for by name, so it wins over the terminal's type (as in chalk's own detection).
 */
export function useColor(stream: OutStream, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

/** The width to fit text to: a terminal's columns. None for a pipe or a file, whose text is never re-flowed. */
export function terminalWidth(stream: OutStream): number | undefined {
  return stream.isTTY && stream.columns !== undefined && stream.columns > 0 ? stream.columns : undefined;
}

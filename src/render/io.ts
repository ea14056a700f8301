import { fstatSync, writeSync } from 'node:fs';
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
  /**
   * The process's Io only: true when stdout is a pipe, a socket or a file (never a terminal), read
   * without making process.stdout.
   */
  plainStdout?: () => boolean;
  /**
   * The process's Io only: writes text (help, the version) straight to stdout's file descriptor, when
   * plainStdout() and no stream was made for it yet, and returns true; false when it did not write.
   * One write of help needs no stream, nor the socket code a pipe's stream loads. Throws EPIPE.
   */
  writeDirect?: (text: string) => boolean;
}

/** What run() attaches to process.stdout and process.stderr when each is first used. */
export interface StreamHooks {
  stdout?: (stream: NodeJS.WriteStream) => void;
  stderr?: (stream: NodeJS.WriteStream) => void;
}

/** The real process's Io. */
export function processIo(hooks: StreamHooks = {}): Io {
  // process.stdout and process.stderr are made on first use (from a pipe: a socket, with the code
  // for it): not before a command writes.
  let stdoutMade = false;
  let stderrMade = false;
  let plain: boolean | undefined;
  const io: Io = {
    get stdout() {
      if (!stdoutMade) {
        stdoutMade = true;
        hooks.stdout?.(process.stdout);
      }
      return process.stdout;
    },
    get stderr() {
      if (!stderrMade) {
        stderrMade = true;
        hooks.stderr?.(process.stderr);
      }
      return process.stderr;
    },
    env: process.env,
    plainStdout: () => {
      if (plain === undefined) {
        try {
          const stat = fstatSync(1);
          plain = stat.isFIFO() || stat.isSocket() || stat.isFile();
        } catch {
          plain = false;
        }
      }
      return plain;
    },
    writeDirect: (text) => {
      if (stdoutMade || !io.plainStdout?.()) return false;
      const bytes = Buffer.from(text);
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(1, bytes, offset);
      } catch (error) {
        // A non-blocking pipe that is full: the stream waits for it.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        // The rest as bytes: a partial write may have stopped inside a character.
        (io.stdout as NodeJS.WriteStream).write(bytes.subarray(offset));
      }
      return true;
    },
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
  return io;
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

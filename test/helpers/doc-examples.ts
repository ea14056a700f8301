// The shell examples of the README and docs/, as a test runs them against the emulator.
//
// An example is a line of a ```sh block that runs evsrc (`evsrc ...`, `npx evsrc ...`, or either after
// VAR=value assignments), joined with its `\` continuation lines. Comments above an example shape it:
//   # not on the emulator: <reason>     the next example is not run (the reason is required and shown)
//   # exits <n>                          the next example is expected to exit n (default 0)
// Everything else in a block (other programs, comments) is left alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DocExample {
  /** The file (relative to the repository) and line of the example. */
  file: string;
  line: number;
  command: string;
  expectExit: number;
  /** Why the emulator cannot run it, when it cannot. */
  skip?: string;
}

const EVSRC_LINE = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:npx\s+)?evsrc(?:\s|$)/;

/** The markdown files whose examples are tested: the README and every page under docs/. */
export function docFiles(root: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files;
}

/** Extracts the examples of one markdown text. */
export function extractExamples(file: string, text: string): DocExample[] {
  const lines = text.split('\n');
  const out: DocExample[] = [];
  let inSh = false;
  let fence = '';
  let skip: string | undefined;
  let expectExit = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (!inSh) {
      const open = /^(`{3,})(sh|bash|shell|console)\b/.exec(trimmed);
      if (open) {
        inSh = true;
        fence = open[1] ?? '```';
        skip = undefined;
        expectExit = 0;
      }
      continue;
    }
    if (trimmed === fence) {
      inSh = false;
      continue;
    }
    const skipMark = /^#\s*not on the emulator:\s*(.*)$/.exec(trimmed);
    if (skipMark) {
      skip = (skipMark[1] ?? '').trim();
      continue;
    }
    const exitMark = /^#\s*exits\s+(\d+)\b/.exec(trimmed);
    if (exitMark) {
      expectExit = Number(exitMark[1]);
      continue;
    }
    const body = trimmed.replace(/^\$\s+/, '');
    if (!EVSRC_LINE.test(body)) continue;
    const start = i;
    let command = body;
    while (command.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      command = `${command.slice(0, -1).trimEnd()} ${(lines[i] ?? '').trim()}`;
    }
    const example: DocExample = { file, line: start + 1, command, expectExit };
    if (skip !== undefined) example.skip = skip;
    out.push(example);
    skip = undefined;
    expectExit = 0;
  }
  return out;
}

/** Every example of the README and docs/. */
export function allExamples(root: string): DocExample[] {
  return docFiles(root).flatMap((file) => extractExamples(file, readFileSync(join(root, file), 'utf8')));
}

/** True when an example is a synopsis (`evsrc add s3 <bucket> [options]`), not a command to run. */
export function isSynopsis(command: string): boolean {
  return /<[a-z][a-z0-9-|]*>|\[[a-z-]+(?:\s|\.\.\.)?[^\]]*\]/.test(command.replace(/'[^']*'|"(?:\\.|[^"\\])*"/g, ''));
}

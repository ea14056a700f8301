import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TRIGGER_TYPES } from '../../src/sources/registry.js';
import { docFiles } from '../helpers/doc-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// zsh refuses a command with an unmatched glob (`s3:ObjectRemoved:*`), and bash may expand one:
// every example a person copies must quote its words that contain *, ? or [.

/** The words of a command line that contain a glob character outside quotes. */
function unquotedGlobs(line: string): string[] {
  const words = line.match(/(?:[^\s'"]+|'[^']*'|"(?:\\.|[^"\\])*")+/g) ?? [];
  return words.filter((word) => /[*?[]/.test(word.replace(/'[^']*'|"(?:\\.|[^"\\])*"/g, '')));
}

describe('examples a person copies', () => {
  it('finds an unquoted glob, and accepts a quoted one', () => {
    expect(unquotedGlobs("evsrc add s3 b --function f --events s3:ObjectRemoved:* --dry-run")).toEqual(['s3:ObjectRemoved:*']);
    expect(unquotedGlobs("evsrc add s3 b --function f --events 's3:ObjectRemoved:*'")).toEqual([]);
    expect(unquotedGlobs('evsrc add sqs q --function f --filter \'{"body":{"a":[1]}}\'')).toEqual([]);
  });

  it('the examples of every trigger type quote their globs', () => {
    for (const type of TRIGGER_TYPES) for (const example of type.spec.examples) expect(unquotedGlobs(example), example).toEqual([]);
  });

  it('the commands in the README and docs/ quote their globs', () => {
    const pages = docFiles(root).map((f) => readFileSync(join(root, f), 'utf8'));
    // Synopses (`evsrc add s3 <bucket> [options]`) are not commands to run.
    const commands = pages.flatMap((page) => page.split('\n')).filter((line) => /^(\$ )?evsrc /.test(line) && !/<[a-z-]+>/.test(line));
    expect(commands.length).toBeGreaterThan(40);
    for (const line of commands) expect(unquotedGlobs(line.replace(/^\$ /, '')), line).toEqual([]);
  });

  it('every relative link of the README and docs/ points at a file that exists, and at a heading it has', () => {
    const slug = (heading: string) =>
      heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
    const headingsOf = (file: string) =>
      new Set(readFileSync(file, 'utf8').split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
    let links = 0;
    for (const page of docFiles(root)) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        links += 1;
        const [path, anchor] = target.split('#');
        const file = path ? resolve(dirname(join(root, page)), path) : join(root, page);
        expect(existsSync(file), `${page}: ${target}`).toBe(true);
        if (anchor) expect(headingsOf(file).has(anchor), `${page}: ${target} (no such heading)`).toBe(true);
      }
    }
    expect(links).toBeGreaterThan(20);
  });

  it('the examples in --help quote their globs', async () => {
    for (const argv of [['list', '--help'], ['remove', '--help'], ['export', '--help'], ['apply', '--help'], ['diff', '--help'], ...TRIGGER_TYPES.map((t) => ['add', t.spec.type, '--help'])]) {
      const help = (await runCli(argv)).stdout;
      for (const line of help.split('\n').filter((l) => l.trim().startsWith('$ evsrc'))) {
        expect(unquotedGlobs(line.trim().slice(2)), line).toEqual([]);
      }
    }
  });
});

describe('the pages of the trigger types', () => {
  it('every type has a page under docs/sources/ that names each of its add flags (or its shared-options page does)', () => {
    const shared = ['mappings.md', 'push.md'].map((f) => readFileSync(join(root, 'docs', f), 'utf8')).join('\n');
    const missing: string[] = [];
    for (const type of TRIGGER_TYPES) {
      const file = join(root, 'docs', 'sources', `${type.spec.type}.md`);
      expect(existsSync(file), `docs/sources/${type.spec.type}.md`).toBe(true);
      const page = readFileSync(file, 'utf8');
      // Hidden flags are accepted only to be refused with a pointer to the right one.
      for (const option of type.spec.options.filter((o) => !o.hidden)) {
        const long = /--[a-z0-9-]+/.exec(option.flags)?.[0] ?? '';
        if (!page.includes(`\`${long}`) && !(page.includes('mappings.md') && shared.includes(`\`${long}`))) missing.push(`${type.spec.type} ${long}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

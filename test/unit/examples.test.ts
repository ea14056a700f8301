import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TRIGGER_TYPES } from '../../src/sources/registry.js';

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

  it('the commands in the README quote their globs', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // Synopses (`evsrc add s3 <bucket> [options]`) are not commands to run.
    const commands = readme.split('\n').filter((line) => /^(\$ )?evsrc /.test(line) && !/<[a-z-]+>/.test(line));
    expect(commands.length).toBeGreaterThan(10);
    for (const line of commands) expect(unquotedGlobs(line.replace(/^\$ /, '')), line).toEqual([]);
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

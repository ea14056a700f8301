import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Argument, Command, Option } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { completeWith } from '../../src/completion/hints.js';
import { commandModel } from '../../src/completion/model.js';
import { completionScript } from '../../src/completion/scripts.js';
import { FINDING_CODES } from '../../src/inventory/model.js';
import { TRIGGER_TYPES } from '../../src/sources/registry.js';

// `evsrc completion bash|zsh|fish` from the built binary. The bash script is run in bash: a driver sets
// COMP_LINE/COMP_POINT as bash does on <TAB> and prints COMPREPLY. The zsh and fish scripts get their
// shells' syntax checks and a run of their completion logic, when those shells are installed; a test
// whose shell is missing is skipped and says so in its name.

const dir = mkdtempSync(join(tmpdir(), 'evsrc-completion-'));
const scripts: Record<string, string> = {};
const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;
const zsh = has('zsh');
const fish = has('fish');

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await spawnCli(['completion', shell]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    scripts[shell] = join(dir, `evsrc.${shell}`);
    writeFileSync(scripts[shell], r.stdout);
  }
});

/** COMPREPLY for each command line (the cursor at its end), from one bash run of the script at `path`. */
function bashComplete(lines: string[], path = scripts.bash as string): string[][] {
  const driver = [
    `source ${JSON.stringify(path)}`,
    // COMP_WORDBREAKS as bash sets it by default.
    `COMP_WORDBREAKS=$' \\t\\n"\\'><=;|&(:'`,
    'while IFS= read -r line; do',
    '  COMP_LINE=$line; COMP_POINT=${#line}; COMPREPLY=()',
    '  _evsrc',
    "  printf '%s\\x1f' \"${COMPREPLY[@]}\"; printf '\\n'",
    'done',
  ].join('\n');
  const run = spawnSync('bash', ['--norc', '--noprofile', '-c', driver], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout
    .split('\n')
    .slice(0, lines.length)
    .map((l) => l.split('\x1f').filter((w) => w !== ''));
}

const one = (line: string) => bashComplete([line])[0];
const typeNames = TRIGGER_TYPES.map((t) => t.spec.type);
/** How the bash script inserts a value: glob characters escaped, nothing before the last : or = of the word. */
const escaped = (value: string) => value.replace(/([*?[])/g, '\\$1');

describe('evsrc completion', () => {
  it('prints a script for each shell; an unknown shell is a usage error', async () => {
    const r = await spawnCli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });

  it('bash: the subcommands, the source types, and the types remove and list --type take', () => {
    expect(one('evsrc ')).toEqual(['add', 'list', 'export', 'apply', 'diff', 'remove', 'help', 'completion']);
    expect(one('evsrc a')).toEqual(['add', 'apply']);
    expect(one('evsrc ad')).toEqual(['add']);
    // add's subcommands are the registry's types (and commander's `add help`).
    expect(one('evsrc add ')).toEqual([...typeNames, 'help']);
    expect(one('evsrc --region us-east-1 --output json add ')).toEqual([...typeNames, 'help']);
    expect(one('evsrc add s')).toEqual(typeNames.filter((t) => t.startsWith('s')));
    expect(one('evsrc remove ')).toEqual(typeNames);
    expect(one('evsrc list --type ')).toEqual(typeNames);
    expect(one('evsrc list --type sqs,s')).toEqual(typeNames.filter((t) => t.startsWith('s')).map((t) => `sqs,${t}`));
    // list --fail-on: any, or the codes list can report (the same list the command checks against).
    expect(one('evsrc list --fail-on ')).toEqual(['any', ...FINDING_CODES]);
    expect(one('evsrc list --fail-on disabled-by')).toEqual(['disabled-by-lambda']);
    expect(one('evsrc help add ')).toEqual([...typeNames, 'help']);
    expect(one('evsrc help add ki')).toEqual(['kinesis']);
    expect(one('evsrc completion ')).toEqual(['bash', 'zsh', 'fish']);
    // After the source argument there is nothing to offer but flags.
    expect(one('evsrc add sqs orders ')).toEqual([]);
  });

  it('bash: every type offers its own visible flags and the global ones, and no hidden flag', () => {
    const lines = TRIGGER_TYPES.map((t) => `evsrc add ${t.spec.type} src --`);
    const replies = bashComplete(lines);
    TRIGGER_TYPES.forEach((t, i) => {
      const reply = replies[i] as string[];
      const own = t.spec.options.filter((o) => !o.hidden).map((o) => /--[a-z0-9-]+/.exec(o.flags)?.[0]);
      const hidden = t.spec.options.filter((o) => o.hidden && !own.includes(/--[a-z0-9-]+/.exec(o.flags)?.[0])).map((o) => /--[a-z0-9-]+/.exec(o.flags)?.[0]);
      expect(reply, t.spec.type).toEqual(expect.arrayContaining(['--function', ...own, '--help', '--region', '--endpoint-url', '--output', '--dry-run', '--verbose']));
      for (const flag of hidden) expect(reply, `${t.spec.type} ${flag}`).not.toContain(flag);
    });
    expect(one('evsrc add sqs q --b')).toEqual(['--batch-size', '--batching-window']);
    expect(one('evsrc add sqs q --starting')).toEqual([]);
    expect(one('evsrc remove s3 b --function f --ev')).toEqual(['--events', '--event-bus']);
  });

  it('bash: the values of every enumerated flag, from the option tables', () => {
    const cases = TRIGGER_TYPES.flatMap((t) =>
      t.spec.options.filter((o) => o.values && !o.hidden).map((o) => ({ line: `evsrc add ${t.spec.type} src --function f ${/--[a-z0-9-]+/.exec(o.flags)?.[0]} `, values: o.values as readonly string[] })),
    );
    // The ones the issue names, at least.
    expect(cases.map((c) => c.line)).toEqual(
      expect.arrayContaining([
        'evsrc add dynamodb src --function f --starting-position ',
        'evsrc add kinesis src --function f --starting-position ',
        'evsrc add s3 src --function f --events ',
      ]),
    );
    const replies = bashComplete(cases.map((c) => c.line));
    cases.forEach((c, i) => expect(replies[i], c.line).toEqual(c.values.map(escaped)));
    expect(one('evsrc add kinesis s --starting-position L')).toEqual(['LATEST']);
    expect(one('evsrc add kinesis s --starting-position ')).toEqual(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']);
    // yaml is export's only; the option is global, so completion offers it everywhere and the CLI refuses it elsewhere.
    expect(one('evsrc --output ')).toEqual(['text', 'json', 'yaml']);
    expect(one('evsrc add sqs q --function f --output ')).toEqual(['text', 'json', 'yaml']);
  });

  it('bash: values with : and =, and the next item of a comma-separated list', () => {
    // Bash replaces only the part of the word after its last : or =.
    expect(one('evsrc add sqs q --output=j')).toEqual(['json']);
    expect(one('evsrc add s3 b --events s3:ObjectRemoved:D')).toEqual(['Delete', 'DeleteMarkerCreated']);
    expect(one('evsrc add s3 b --events s3:ObjectRem')).toEqual(['ObjectRemoved:\\*', 'ObjectRemoved:Delete', 'ObjectRemoved:DeleteMarkerCreated']);
    expect(one('evsrc add s3 b --events s3:ObjectCreated:Put,s3:ObjectRestore:C')).toEqual(['Completed']);
    expect(one('evsrc remove s3 b --function f --events s3:ObjectCreated:P')).toEqual(['Put', 'Post']);
  });

  it('bash: quoted words and flag values are skipped as the shell reads them', () => {
    expect(one(`evsrc add eventbridge r --schedule 'rate(5 minutes)' --function f --d`)).toEqual(['--dlq', '--dry-run', '--debug']);
    expect(one(`evsrc add sqs "my queue" --filter '{"body": {"a": [1]}}' --met`)).toEqual(['--metrics']);
    // --function takes a value: a function named like a type is not taken for one.
    expect(one('evsrc remove --function sqs ')).toEqual(typeNames);
  });

  it('is generated from the commander program: a new command, flag or value appears with no change to it', () => {
    const program = new Command('evsrc').option('--region <region>', 'region');
    program.command('export').description('write triggers to a file').addOption(new Option('--format <f>', 'format').choices(['yaml', 'json']));
    const add = program.command('add');
    add
      .command('kafka')
      .argument('<cluster>')
      .addOption(completeWith(new Option('--starting-position <p>', 'where'), { values: ['LATEST', 'TRIM_HORIZON'] }))
      .addArgument(completeWith(new Argument('[mode]'), { values: ['fast'] }));
    const path = join(dir, 'fake.bash');
    writeFileSync(path, completionScript('bash', commandModel(program), '0.0.0'));
    expect(bashComplete(['evsrc ', 'evsrc export --format ', 'evsrc add ', 'evsrc add kafka c --starting-position ', 'evsrc add kafka c --r', 'evsrc add kafka c '], path)).toEqual([
      // commander's implicit help command too, where it adds one.
      ['export', 'add', 'help'],
      ['yaml', 'json'],
      ['kafka', 'help'],
      ['LATEST', 'TRIM_HORIZON'],
      ['--region'],
      ['fast'],
    ]);
  });

  it(zsh ? 'zsh: zsh -n accepts the script, and its completion logic runs in zsh' : 'zsh: SKIPPED, zsh is not installed (the zsh script was not checked)', (ctx) => {
    if (!zsh) {
      console.warn('skipped: zsh is not installed, so the zsh completion script was not checked');
      ctx.skip();
      return;
    }
    expect(spawnSync('zsh', ['-n', scripts.zsh as string], { encoding: 'utf8' }).status).toBe(0);
    // The walk and the candidates are shared with bash; here they run in zsh (compdef stubbed out).
    const driver = [
      'compdef() { :; }',
      `source ${JSON.stringify(scripts.zsh)}`,
      'c() { __evsrc_walk "${@[1,-2]}"; __evsrc_candidates "${@[-1]}"; print -r -- "$__evsrc_kind:${__evsrc_cands[*]}"; }',
      "c add ''",
      "c add kinesis s --starting-position ''",
      'c add sqs q --b',
      "c help add ''",
      "c remove ''",
    ].join('\n');
    const run = spawnSync('zsh', ['-f', '-c', driver], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').slice(0, 5)).toEqual([
      `commands:${[...typeNames, 'help'].join(' ')}`,
      'values:TRIM_HORIZON LATEST AT_TIMESTAMP',
      expect.stringMatching(/^flags:--function .*--batch-size --batching-window/),
      `commands:${[...typeNames, 'help'].join(' ')}`,
      `values:${typeNames.join(' ')}`,
    ]);
  });

  it(fish ? 'fish: fish --no-execute accepts the script, and fish completes with it' : 'fish: SKIPPED, fish is not installed (the fish script was not checked)', (ctx) => {
    if (!fish) {
      console.warn('skipped: fish is not installed, so the fish completion script was not checked');
      ctx.skip();
      return;
    }
    expect(spawnSync('fish', ['--no-execute', scripts.fish as string], { encoding: 'utf8' }).status).toBe(0);
    const complete = (line: string) => {
      const run = spawnSync('fish', ['--no-config', '-c', `source ${JSON.stringify(scripts.fish)}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8', cwd: dir });
      expect(run.stderr).toBe('');
      return run.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    };
    expect(complete('evsrc add ').sort()).toEqual([...typeNames, 'help'].sort());
    expect(complete('evsrc add kinesis s --starting-position ').sort()).toEqual(['AT_TIMESTAMP', 'LATEST', 'TRIM_HORIZON']);
    expect(complete('evsrc add sqs q --ba').sort()).toEqual(['--batch-size', '--batching-window']);
    expect(complete('evsrc remove ').sort()).toEqual([...typeNames].sort());
    expect(complete('evsrc help add ki')).toEqual(['kinesis']);
  });
});

// Every evsrc example in the README and docs/ runs against the emulator, as written, and exits as the
// page says (0 unless a `# exits N` comment above it says otherwise). Examples the emulator cannot run
// carry a `# not on the emulator: <reason>` comment next to them. Mapping calls moto refuses (Kafka, Amazon
// MQ, DocumentDB) are answered by the mapping stand-in in front of it. Each page starts from a fresh world
// (test/helpers/docs-world.ts) holding the functions, queues, buckets and others the pages name.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENV } from '../helpers/cli.js';
import { allExamples, extractExamples, isSynopsis, type DocExample } from '../helpers/doc-examples.js';
import { buildDocsWorld } from '../helpers/docs-world.js';
import { useEsmStandIn } from '../helpers/esm-stand-in.js';
import { useMoto } from '../helpers/moto.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const moto = useMoto();
// Lambda's mapping calls of the kinds moto refuses (Kafka, Amazon MQ, DocumentDB) go to the stand-in; all else to moto.
const standIn = useEsmStandIn(moto);

/** A directory with an `evsrc` on it that runs this checkout's CLI, as an installed one would. */
function shimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evsrc-docs-'));
  const shim = join(dir, 'evsrc');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'evsrc.js')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('the examples extractor', () => {
  it('joins continuations, reads the exit and emulator marks, and leaves other programs alone', () => {
    const page = [
      '```sh',
      '# exits 3',
      'evsrc add sqs missing --function f',
      'npm test',
      '# not on the emulator: moto cannot make an enhanced fan-out mapping',
      'evsrc add kinesis s --function f \\',
      '  --consumer c',
      'AWS_PROFILE=dev npx evsrc list',
      '```',
      '```',
      'evsrc list   (a plain block is output, not an example)',
      '```',
    ].join('\n');
    expect(extractExamples('p.md', page)).toEqual([
      { file: 'p.md', line: 3, command: 'evsrc add sqs missing --function f', expectExit: 3 },
      { file: 'p.md', line: 6, command: 'evsrc add kinesis s --function f --consumer c', expectExit: 0, skip: 'moto cannot make an enhanced fan-out mapping' },
      { file: 'p.md', line: 8, command: 'AWS_PROFILE=dev npx evsrc list', expectExit: 0 },
    ]);
    expect(isSynopsis('evsrc add s3 <bucket> --function <fn> [options]')).toBe(true);
    expect(isSynopsis("evsrc add sns alerts --function f --filter-policy '{\"a\":[\"<b>\"]}'")).toBe(false);
  });
});

const byFile = new Map<string, DocExample[]>();
for (const example of allExamples(root)) {
  if (isSynopsis(example.command)) continue;
  byFile.set(example.file, [...(byFile.get(example.file) ?? []), example]);
}

describe('documentation examples run against the emulator', () => {
  it('there are examples to run, and every one the emulator cannot run says why', () => {
    const all = [...byFile.values()].flat();
    expect(all.length).toBeGreaterThan(20);
    for (const e of all.filter((x) => x.skip !== undefined)) expect(e.skip, `${e.file}:${e.line}`).toMatch(/\w{3,}/);
  });

  for (const [file, examples] of byFile) {
    describe(file, () => {
      let env: NodeJS.ProcessEnv;
      let cwd: string;
      beforeAll(async () => {
        await moto.reset();
        standIn.reset();
        cwd = await buildDocsWorld(moto.endpoint);
        // A home of its own: examples that install something (a completion script) write there.
        const home = mkdtempSync(join(tmpdir(), 'evsrc-docs-home-'));
        mkdirSync(join(home, '.config', 'fish', 'completions'), { recursive: true });
        env = {
          ...process.env,
          ...TEST_ENV,
          AWS_ENDPOINT_URL: standIn.endpoint,
          AWS_EC2_METADATA_DISABLED: 'true',
          PATH: `${shimDir()}:${process.env.PATH ?? ''}`,
          HOME: home,
        };
        delete env.AWS_PROFILE;
      }, 60_000);

      for (const example of examples) {
        const title = `${file}:${example.line} ${example.command}`;
        if (example.skip !== undefined) {
          it.skip(`${title} (not on the emulator: ${example.skip})`, () => {});
          continue;
        }
        it(title, async () => {
          // `npx evsrc` inside the clone and `evsrc` on the PATH are the same CLI; npx only adds a second.
          const command = example.command.replace(/\bnpx evsrc\b/g, 'evsrc').replace(/--endpoint-url\s+http:\/\/127\.0\.0\.1:5000/g, `--endpoint-url ${moto.endpoint}`);
          const r = await runShell(command, cwd, env);
          expect(r.code, `${title}\n${r.output}`).toBe(example.expectExit);
        }, 60_000);
      }
    });
  }
});

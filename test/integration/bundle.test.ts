import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/evsrc.js runs the code-split bundle in dist/ (scripts/build.mjs, run by `npm test`'s build step).
// scripts/sdk-probe.cjs notes which files of dist/ a run loads; dist/meta.json says whose code each holds.
const root = fileURLToPath(new URL('../..', import.meta.url));
const meta = JSON.parse(readFileSync(join(root, 'dist', 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
const SDK_INPUT = /node_modules\/@(aws-sdk|smithy)\//;

function probe(...args: string[]): { packages: string[]; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'evsrc-bundle-'));
  const out = join(dir, 'packages.json');
  const files = join(dir, 'files.json');
  const run = spawnSync(process.execPath, ['-r', './scripts/sdk-probe.cjs', 'bin/evsrc.js', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      EVSRC_SDK_PROBE_OUT: out,
      EVSRC_SDK_PROBE_FILES: files,
    },
  });
  expect(run.error).toBeUndefined();
  return { packages: JSON.parse(readFileSync(out, 'utf8')) as string[], files: JSON.parse(readFileSync(files, 'utf8')) as string[] };
}

const sdkFiles = (files: string[]) => files.filter((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).some((i) => SDK_INPUT.test(i)));

describe('the bundle', () => {
  it('holds the AWS SDK in chunks of its own', () => {
    expect(Object.keys(meta.outputs)).toContain('dist/cli.js');
    expect(sdkFiles(['dist/cli.js'])).toEqual([]);
    expect(sdkFiles(Object.keys(meta.outputs)).length).toBeGreaterThan(0);
  });

  it('--help, --version and add sqs --help load no file of it that holds AWS SDK code', () => {
    for (const args of [['--help'], ['--version'], ['-V'], ['add', 'sqs', '--help'], ['help', 'remove']]) {
      const { packages, files } = probe(...args);
      expect(files, args.join(' ')).toContain('dist/cli.js');
      expect(files.every((f) => f in meta.outputs), args.join(' ')).toBe(true);
      expect(sdkFiles(files), args.join(' ')).toEqual([]);
      expect(packages, args.join(' ')).toEqual([]);
    }
  });

  it('a command loads the SDK clients it uses and no other', () => {
    // Nothing listens on port 9: the run fails at its first call, after loading what that call needs.
    const { packages, files } = probe('add', 'sqs', 'q', '--function', 'f', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9', '--cli-connect-timeout', '1');
    expect(sdkFiles(files).length).toBeGreaterThan(0);
    expect(packages).toContain('@aws-sdk/client-lambda');
    expect(packages).toContain('@aws-sdk/client-sqs');
    for (const other of ['@aws-sdk/client-s3', '@aws-sdk/client-sns', '@aws-sdk/client-dynamodb', '@aws-sdk/client-kinesis', '@aws-sdk/client-eventbridge', '@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-kafka', '@aws-sdk/client-mq', '@aws-sdk/client-docdb']) {
      expect(packages).not.toContain(other);
    }
  });
});

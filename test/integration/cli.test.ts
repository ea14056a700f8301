import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

// An environment with no AWS configuration at all: empty HOME, no keys, no region, no instance metadata.
const bare = () => {
  const home = mkdtempSync(join(tmpdir(), 'evsrc-home-'));
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_REGION: undefined,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
};

describe('the command line', () => {
  it('--help and --version exit 0 and print to stdout', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: evsrc/);
    expect(help.stdout).toMatch(/--endpoint-url/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const sub = await runCli(['add', 'sqs', '--help']);
    expect(sub.stdout).toMatch(/--batch-size <n>/);
    expect(sub.stdout).not.toMatch(/--starting-position/);
  });

  it('--help and --version load no AWS SDK package; add sqs loads only what it uses', () => {
    const loaded = (...args: string[]) => {
      const out = join(mkdtempSync(join(tmpdir(), 'evsrc-probe-')), 'loaded.json');
      spawnSync(process.execPath, ['-r', './scripts/sdk-probe.cjs', 'bin/evsrc.js', ...args], {
        env: { ...process.env, ...bare(), EVSRC_SDK_PROBE_OUT: out, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
      });
      return JSON.parse(readFileSync(out, 'utf8')) as string[];
    };
    expect(loaded('--help')).toEqual([]);
    expect(loaded('--version')).toEqual([]);
    expect(loaded('add', 'sqs', '--help')).toEqual([]);
    const sqs = loaded('add', 'sqs', 'q', '--function', 'f', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9');
    expect(sqs).toContain('@aws-sdk/middleware-sdk-sqs');
    expect(sqs).not.toContain('@aws-sdk/middleware-sdk-s3');
  });

  it('unknown commands and options are usage errors (exit 2) with a suggestion', async () => {
    const cmd = await runCli(['ad', 'sqs', 'q']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command 'ad'/);
    expect(cmd.stderr).toMatch(/Did you mean add\?/);
    const opt = await runCli(['add', 'sqs', 'q', '--function', 'f', '--batch-sise', '3']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/Did you mean --batch-size\?/);
    const missing = await runCli(['add', 'sqs', 'q']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--function <fn>' not specified/);
    const output = await runCli(['--output', 'yaml', 'add', 'sqs', 'q', '--function', 'f']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('--output: invalid value "yaml" for add sqs; allowed: text, json (yaml is for export)');
    const xml = await runCli(['--output', 'xml', 'list']);
    expect(xml.code).toBe(2);
    expect(xml.stderr).toMatch(/Allowed choices are text, json, yaml/);
  });

  it('with --output json, a usage error found while parsing still prints one JSON document', async () => {
    const unknown = await runCli(['add', 'sqs', 'q', '--function', 'f', '--bogus', '--output', 'json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({ error: { message: "unknown option '--bogus'", exitCode: 2 } });
    const missing = await runCli(['--json', 'add', 'sqs', 'q']);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ exitCode: 2, message: expect.stringMatching(/--function <fn>' not specified/) });
    const text = await runCli(['add', 'sqs', 'q', '--bogus']);
    expect(text.stdout).toBe('');
    // No command at all: the document says so, not commander's internal "(outputHelp)".
    const none = await runCli(['--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toEqual({ error: { message: 'missing command; run evsrc --help for the commands', exitCode: 2 } });
  });

  it('flag validation fails before any AWS call, even with no credentials', async () => {
    const r = await spawnCli(['add', 'sqs', 'q', '--function', 'f', '--batch-size', '0'], bare());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --batch-size: invalid value "0"; allowed: a whole number from 1 to 10000\n');
  });

  it('a malformed --region is refused before any call (exit 2)', async () => {
    const r = await runCli(['add', 'sqs', 'q', '--function', 'f', '--region', 'Mars']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --region: invalid value "Mars"; a region name such as us-east-1 or eu-west-2\n');
  });

  it('no region is a one-line usage error (exit 2)', async () => {
    const r = await spawnCli(['add', 'sqs', 'q', '--function', 'f'], { ...bare(), AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no AWS region: pass --region <region> or set AWS_REGION/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('missing credentials: one line with the error name and a hint, no stack trace (exit 1)', async () => {
    const r = await spawnCli(['add', 'sqs', 'q', '--function', 'f', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], bare());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no AWS credentials found/);
    expect(r.stderr).toMatch(/hint: .*--profile/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const json = await spawnCli(['add', 'sqs', 'q', '--function', 'f', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9', '--json'], bare());
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 1, awsErrorName: 'CredentialsProviderError' } });
  });

  it('an unreachable endpoint is exit 1 with a hint; --verbose adds the stack', async () => {
    const r = await runCli(['add', 'sqs', 'q', '--function', 'f', '--endpoint-url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const v = await runCli(['add', 'sqs', 'q', '--function', 'f', '--endpoint-url', 'http://127.0.0.1:9', '--verbose']);
    expect(v.stderr).toMatch(/\n\s+at /);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parseFilters, parseIntFlag } from '../../src/sources/options.js';
import { parseSqsOptions } from '../../src/sources/sqs.js';

const refuse = (raw: Record<string, unknown>) => {
  try {
    parseSqsOptions(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};

describe('parseSqsOptions', () => {
  it('maps flags to settings and leaves unasked ones undefined', () => {
    expect(parseSqsOptions({})).toEqual({});
    expect(
      parseSqsOptions({ batchSize: '50', batchingWindow: '5', maxConcurrency: '2', reportBatchItemFailures: true, disabled: true }),
    ).toEqual({ batchSize: 50, batchingWindow: 5, maxConcurrency: 2, reportBatchItemFailures: true, enabled: false });
    // --no-max-concurrency: null, which AWS takes as an empty ScalingConfig; it may come with provisioned pollers.
    expect(parseSqsOptions({ maxConcurrency: false })).toEqual({ maxConcurrency: null });
    expect(parseSqsOptions({ maxConcurrency: false, minPollers: '3' })).toEqual({ maxConcurrency: null, provisionedPollers: { min: 3 } });
    expect(parseSqsOptions({ reportBatchItemFailures: false, enabled: true })).toEqual({ reportBatchItemFailures: false, enabled: true });
    expect(parseSqsOptions({ filter: false })).toEqual({ filters: [] });
  });

  it.each([
    [{ batchSize: '0' }, '--batch-size: invalid value "0"; allowed: a whole number from 1 to 10000'],
    [{ batchSize: '10001' }, '--batch-size: invalid value "10001"'],
    [{ batchSize: '2.5' }, '--batch-size: invalid value "2.5"'],
    [{ batchSize: 'ten' }, '--batch-size: invalid value "ten"'],
    [{ batchingWindow: '301' }, '--batching-window: invalid value "301"; allowed: whole seconds from 0 to 300'],
    [{ batchingWindow: '-1' }, '--batching-window: invalid value "-1"'],
    [{ maxConcurrency: '1' }, '--max-concurrency: invalid value "1"; allowed: a whole number from 2 to 1000'],
    [{ maxConcurrency: '1001' }, '--max-concurrency: invalid value "1001"'],
    [{ startingPosition: 'LATEST' }, '--starting-position: not valid for SQS (got "LATEST")'],
    [{ disabled: true, enabled: true }, '--disabled and --enabled'],
    [{ filter: ['not json'] }, '--filter: invalid value "not json"; a filter must be a JSON object'],
    [{ filter: ['[1]'] }, '--filter: invalid value "[1]"; a filter must be a JSON object'],
    [{ filter: ['"body"'] }, '--filter: invalid value "\\"body\\""'],
    [{ filter: ['{}'] }, '--filter: invalid value "{}"; a filter pattern must not be empty'],
  ])('refuses %j', (raw, message) => {
    expect(refuse(raw)).toContain(message);
  });
});

describe('parseFilters', () => {
  it('canonicalises key order and drops duplicates', () => {
    expect(parseFilters(['{"b":[1],"a":{"y":[2],"x":[1]}}', '{"a":{"x":[1],"y":[2]},"b":[1]}'])).toEqual(['{"a":{"x":[1],"y":[2]},"b":[1]}']);
  });
  it('reads @file and names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evsrc-'));
    const file = join(dir, 'f.json');
    writeFileSync(file, '{"body":{"k":["v"]}}');
    expect(parseFilters([`@${file}`])).toEqual(['{"body":{"k":["v"]}}']);
    expect(() => parseFilters([`@${join(dir, 'missing.json')}`])).toThrow(/--filter: cannot read ".*missing.json" \(ENOENT\)/);
  });
  it('refuses a pattern over 4096 characters and more than 10 filters', () => {
    const big = JSON.stringify({ body: { k: ['x'.repeat(4100)] } });
    expect(() => parseFilters([big])).toThrow(/at most 4096 characters/);
    const many = Array.from({ length: 11 }, (_, i) => `{"body":{"n":[${i}]}}`);
    expect(() => parseFilters(many)).toThrow(/11 filters given; Lambda allows at most 10/);
  });
});

describe('parseIntFlag', () => {
  it('accepts bounds and refuses outside them', () => {
    expect(parseIntFlag('--x', '1', 1, 3)).toBe(1);
    expect(parseIntFlag('--x', '3', 1, 3)).toBe(3);
    expect(parseIntFlag('--x', undefined, 1, 3)).toBeUndefined();
    expect(() => parseIntFlag('--x', '4', 1, 3)).toThrow('--x: invalid value "4"; allowed: a whole number from 1 to 3');
    expect(() => parseIntFlag('--x', '', 1, 3)).toThrow(UsageError);
  });
});

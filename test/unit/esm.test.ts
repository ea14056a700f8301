import { describe, expect, it } from 'vitest';
import { MemoryReporter } from '../../src/core/reporter.js';
import { diffMapping, readSettings, waitForMapping } from '../../src/mechanisms/esm/settings.js';
import type { AdapterContext } from '../../src/sources/contract.js';

describe('diffMapping', () => {
  it('reads AWS omissions as documented defaults', () => {
    const m = { UUID: 'u', BatchSize: 10, State: 'Enabled' };
    expect(diffMapping(m, { batchingWindow: 0, reportBatchItemFailures: false, enabled: true, filters: [] }).changes).toEqual([]);
    expect(diffMapping(m, { enabled: false }).changes).toEqual([{ field: 'Enabled', from: true, to: false }]);
  });
  it('compares filters as sets of canonical patterns', () => {
    const m = { FilterCriteria: { Filters: [{ Pattern: '{ "b": 1, "a": 2 }' }, { Pattern: '{"c":3}' }] } };
    expect(diffMapping(m, { filters: ['{"c":3}', '{"a":2,"b":1}'] }).changes).toEqual([]);
    expect(diffMapping(m, { filters: ['{"c":3}'] }).changes).toHaveLength(1);
  });
  it('separates create-only fields', () => {
    const m = { StartingPosition: 'LATEST' as const, BatchSize: 100 };
    const d = diffMapping(m, { startingPosition: 'TRIM_HORIZON', batchSize: 200 });
    expect(d.immutable).toEqual([{ field: 'StartingPosition', from: 'LATEST', to: 'TRIM_HORIZON' }]);
    expect(d.changes).toEqual([{ field: 'BatchSize', from: 100, to: 200 }]);
  });
  it('readSettings limits itself to the asked keys', () => {
    expect(readSettings({ BatchSize: 3, ParallelizationFactor: 2 }, ['batchSize'])).toEqual({ batchSize: 3 });
  });
});

describe('waitForMapping', () => {
  const ctx = (states: string[], wait = true) => {
    const reporter = new MemoryReporter();
    let polls = 0;
    const aws = {
      call: async (_s: string, op: string) => {
        expect(op).toBe('GetEventSourceMapping');
        polls += 1;
        return { UUID: 'u', State: states[Math.min(polls - 1, states.length - 1)], StateTransitionReason: 'USER_INITIATED' };
      },
    };
    const c = { aws, reporter, wait, sleep: async () => {} } as unknown as AdapterContext;
    return { c, reporter, polls: () => polls };
  };
  it('polls until the mapping leaves Creating/Enabling/Updating', async () => {
    const h = ctx(['Creating', 'Enabling', 'Enabled']);
    const final = await waitForMapping(h.c, { UUID: 'u', State: 'Creating' });
    expect(final.State).toBe('Enabled');
    expect(h.polls()).toBe(3);
    expect(h.reporter.messages('progress')[0]).toMatch(/waiting for mapping u \(Creating\)/);
  });
  it('does not poll with --no-wait or a stable state', async () => {
    const h = ctx(['Enabled'], false);
    expect((await waitForMapping(h.c, { UUID: 'u', State: 'Creating' })).State).toBe('Creating');
    const h2 = ctx(['Enabled']);
    await waitForMapping(h2.c, { UUID: 'u', State: 'Disabled' });
    expect(h.polls() + h2.polls()).toBe(0);
  });
});

describe('filter comparison ignores the order of value lists', () => {
  it('treats reordered OR lists as the same filter, but not a reordered numeric range', () => {
    const m = { FilterCriteria: { Filters: [{ Pattern: '{"body":{"type":["a","b"],"n":[{"numeric":[">",0,"<",5]}]}}' }] } };
    expect(diffMapping(m, { filters: ['{"body":{"n":[{"numeric":[">",0,"<",5]}],"type":["b","a"]}}'] }).changes).toEqual([]);
    expect(diffMapping(m, { filters: ['{"body":{"n":[{"numeric":["<",5,">",0]}],"type":["a","b"]}}'] }).changes).toHaveLength(1);
    expect(diffMapping(m, { filters: ['{"body":{"n":[{"numeric":[">",0,"<",5]}],"type":["a","c"]}}'] }).changes).toHaveLength(1);
  });
});

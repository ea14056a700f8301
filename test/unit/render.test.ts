import { Chalk } from 'chalk';
import { describe, expect, it, vi } from 'vitest';
import { renderAddJson, renderAddText, type AddOutcome } from '../../src/render/add.js';
import { useColor } from '../../src/render/io.js';
import { ConsoleReporter, loadSpinner } from '../../src/render/reporter.js';

// The options evsrc gives ora (the real one still makes the spinner).
const oraCalls = vi.hoisted(() => [] as Record<string, unknown>[]);
vi.mock('ora', async (importOriginal) => {
  const real = (await importOriginal()) as { default: (options: Record<string, unknown>) => unknown };
  return { default: (options: Record<string, unknown>) => (oraCalls.push(options), real.default(options)) };
});

const plain = new Chalk({ level: 0 });
const base: AddOutcome = {
  command: 'add',
  type: 'sqs',
  dryRun: false,
  changed: true,
  source: { type: 'sqs', arn: 'arn:aws:sqs:us-east-1:1:orders', name: 'orders' },
  function: { arn: 'arn:aws:lambda:us-east-1:1:function:worker' },
  actions: [{ api: 'lambda:CreateEventSourceMapping', summary: 'create sqs mapping', input: { FunctionName: 'f', BatchSize: 5 } }],
  trigger: { type: 'sqs', id: 'u-1', sourceArn: 'arn:aws:sqs:us-east-1:1:orders', functionArn: 'f', state: 'Enabled', stateTransitionReason: 'USER_INITIATED', settings: { batchSize: 5, filters: [] } },
  warnings: [],
};

describe('renderAddText', () => {
  it('a real create names the API, the input, and the final state', () => {
    const text = renderAddText(base, plain);
    expect(text).toContain('✔ sqs orders → arn:aws:lambda:us-east-1:1:function:worker (CreateEventSourceMapping)');
    expect(text).toContain('1. lambda:CreateEventSourceMapping  create sqs mapping');
    expect(text).toContain('BatchSize: 5');
    expect(text).toContain('state: Enabled (USER_INITIATED)');
    expect(text).toContain('settings: batchSize=5');
    expect(text).not.toContain('filters=');
  });
  it('a dry run says nothing was changed; an update shows old → new', () => {
    const text = renderAddText(
      {
        ...base,
        dryRun: true,
        actions: [{ api: 'lambda:UpdateEventSourceMapping', summary: 'update', input: { UUID: 'u-1', BatchSize: 6 }, changes: [{ field: 'BatchSize', from: 4, to: 6 }] }],
      },
      plain,
    );
    expect(text).toContain('Plan for sqs orders');
    expect(text).toContain('BatchSize: 4 → 6');
    expect(text).toContain('UUID: u-1');
    expect(text).toContain('Dry run: nothing was changed.');
  });
  it('no changes says so', () => {
    expect(renderAddText({ ...base, changed: false, actions: [] }, plain)).toContain('No changes: sqs orders');
  });
  it('colour appears only when the chalk instance has a level', () => {
    expect(renderAddText(base, new Chalk({ level: 1 }))).toMatch(/\u001b\[/);
    expect(renderAddText(base, plain)).not.toMatch(/\u001b\[/);
  });
});

describe('renderAddJson', () => {
  it('is one parseable document with the plan, change flag and trigger', () => {
    const doc = JSON.parse(renderAddJson(base));
    expect(doc).toMatchObject({ command: 'add', changed: true, dryRun: false, actions: [{ api: 'lambda:CreateEventSourceMapping' }], trigger: { id: 'u-1', state: 'Enabled' } });
  });
});

describe('useColor', () => {
  it('honours TTY, NO_COLOR, FORCE_COLOR and --no-color', () => {
    expect(useColor({ write: () => true, isTTY: true }, {}, true)).toBe(true);
    expect(useColor({ write: () => true, isTTY: false }, {}, true)).toBe(false);
    expect(useColor({ write: () => true, isTTY: true }, { NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor({ write: () => true, isTTY: true }, {}, false)).toBe(false);
    expect(useColor({ write: () => true, isTTY: false }, { FORCE_COLOR: '1' }, true)).toBe(true);
  });
  it('gives TERM=dumb no colour, even on a TTY (FORCE_COLOR still wins)', () => {
    expect(useColor({ write: () => true, isTTY: true }, { TERM: 'dumb' }, true)).toBe(false);
    expect(useColor({ write: () => true, isTTY: true }, { TERM: 'xterm-256color' }, true)).toBe(true);
    expect(useColor({ write: () => true, isTTY: true }, { TERM: 'dumb', FORCE_COLOR: '1' }, true)).toBe(true);
  });
});

describe('ConsoleReporter', () => {
  it('writes progress and warnings as plain lines off a TTY, debug only when verbose', () => {
    let out = '';
    const stderr = { write: (s: string) => ((out += s), true), isTTY: false };
    const quiet = new ConsoleReporter({ stderr, chalk: plain, verbose: false, progress: true });
    quiet.emit({ type: 'progress', message: 'creating' });
    quiet.emit({ type: 'warning', message: 'careful' });
    quiet.emit({ type: 'debug', message: 'aws sqs GetQueueUrl 3ms ok' });
    expect(out).toBe('… creating\nwarning: careful\n');
    expect(quiet.warnings).toEqual([{ code: 'warning', message: 'careful' }]);
    quiet.emit({ type: 'warning', code: 'cross-region', message: 'far' });
    expect(quiet.warnings[1]).toEqual({ code: 'cross-region', message: 'far' });
    const loud = new ConsoleReporter({ stderr, chalk: plain, verbose: true, progress: true });
    loud.emit({ type: 'debug', message: 'aws sqs GetQueueUrl 3ms ok' });
    expect(out).toContain('aws sqs GetQueueUrl 3ms ok\n');
  });
});

describe('ConsoleReporter spinner', () => {
  const fakeSpinner = (log: string[]) => (options: { text: string }) => {
    const spinner = {
      text: options.text,
      start: (text?: string) => (log.push(`start ${text ?? spinner.text}`), spinner),
      stop: () => (log.push('stop'), spinner),
      stopAndPersist: (o: { symbol: string; text?: string }) => (log.push(`persist ${o.symbol} ${o.text}`), spinner),
    };
    return spinner;
  };

  it('spins for a transient progress event on a terminal and stops at its end', () => {
    const log: string[] = [];
    let out = '';
    const stderr = { write: (s: string) => ((out += s), true), isTTY: true, columns: 80 };
    const reporter = new ConsoleReporter({ stderr, chalk: plain, verbose: false, progress: true, spinner: fakeSpinner(log) });
    reporter.emit({ type: 'progress', message: 'reading sqs orders and worker', transient: true });
    reporter.emit({ type: 'progress-end' });
    expect(log).toEqual(['start reading sqs orders and worker', 'stop']);
    expect(out).toBe('');
  });

  it("ends a failed or named step with evsrc's own symbol, coloured only when stderr is", () => {
    const log: string[] = [];
    const stderr = { write: () => true, isTTY: true, columns: 80 };
    const reporter = new ConsoleReporter({ stderr, chalk: plain, verbose: false, progress: true, spinner: fakeSpinner(log) });
    reporter.emit({ type: 'progress', message: 'creating' });
    reporter.emit({ type: 'progress-end', ok: false });
    reporter.emit({ type: 'progress', message: 'creating' });
    reporter.emit({ type: 'progress-end', message: 'created' });
    expect(log).toEqual(['start creating', 'persist ✖ undefined', 'start creating', 'persist ✔ created']);
    const coloured: string[] = [];
    const loud = new ConsoleReporter({ stderr, chalk: new Chalk({ level: 1 }), verbose: false, progress: true, spinner: fakeSpinner(coloured) });
    loud.emit({ type: 'progress', message: 'creating' });
    loud.emit({ type: 'progress-end', ok: false });
    expect(coloured[1]).toContain('\u001b[31m✖');
  });

  it('off a terminal a transient progress event writes nothing; others still write their line', () => {
    let out = '';
    const stderr = { write: (s: string) => ((out += s), true), isTTY: false };
    const reporter = new ConsoleReporter({ stderr, chalk: plain, verbose: false, progress: true });
    reporter.emit({ type: 'progress', message: 'reading sqs orders and worker', transient: true });
    reporter.emit({ type: 'progress-end' });
    reporter.emit({ type: 'progress', message: 'creating' });
    expect(out).toBe('… creating\n');
  });
});

describe('loadSpinner', () => {
  it('spins only on a terminal that reports its width', async () => {
    const stream = (isTTY: boolean, columns?: number) => ({ write: () => true, isTTY, columns });
    expect(await loadSpinner(stream(false, 80))).toBeUndefined();
    expect(await loadSpinner(stream(true, 0))).toBeUndefined();
    expect(await loadSpinner(stream(true))).toBeUndefined();
    expect(await loadSpinner(stream(true, 80), { TERM: 'dumb' })).toBeUndefined();
    expect(typeof (await loadSpinner(stream(true, 80)))).toBe('function');
  });

  it('colours the spinner only when evsrc colours stderr (ora alone knows neither NO_COLOR nor --no-color)', async () => {
    const stream = { write: () => true, isTTY: true, columns: 80 };
    (await loadSpinner(stream, {}, false))?.({ text: 'reading', stream });
    expect(oraCalls.at(-1)).toMatchObject({ text: 'reading', color: false });
    (await loadSpinner(stream, {}, true))?.({ text: 'reading', stream });
    expect(oraCalls.at(-1)).toMatchObject({ color: 'cyan' });
  });
});

describe('renderListText counts', () => {
  it('counts functions, not alias and version groups', async () => {
    const { renderListText } = await import('../../src/render/list.js');
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:fn1';
    const other = 'arn:aws:lambda:us-east-1:123456789012:function:fn2';
    const trigger = (functionArn: string, id: string) => ({ type: 'sqs' as const, id, sourceArn: 'arn:aws:sqs:us-east-1:123456789012:q', functionArn, settings: {} });
    const text = renderListText(
      {
        scope: 'region',
        region: 'us-east-1',
        functions: [fn, other],
        permissionsChecked: false,
        triggers: [trigger(fn, 'a'), trigger(`${fn}:1`, 'b'), trigger(`${fn}:live`, 'c'), trigger(other, 'd')],
        warnings: [],
      },
      plain,
    );
    expect(text).toContain('4 triggers on 2 of 2 functions, 0 problems.');
  });
});

describe('list --type', () => {
  it('refuses an empty list of types (exit 2) instead of reading it as all', async () => {
    const { parseTypes } = await import('../../src/commands/list.js');
    for (const bad of ['', ',', [' , ']]) {
      expect(() => parseTypes(bad)).toThrow(/--type: invalid value ".*"; allowed: one or more of sqs, s3, sns, dynamodb, kinesis/);
    }
    expect(parseTypes(undefined)).toBeUndefined();
  });
});

describe('JSON warnings', () => {
  it('are objects with a code in add and remove, as in list; a plain plan warning gets the generic code', async () => {
    const { toWarning } = await import('../../src/core/reporter.js');
    expect(toWarning('careful')).toEqual({ code: 'warning', message: 'careful' });
    expect(toWarning({ code: 'cross-region', message: 'far' })).toEqual({ code: 'cross-region', message: 'far' });
    const doc = JSON.parse(renderAddJson({ ...base, warnings: [toWarning('careful')] }));
    expect(doc.warnings).toEqual([{ code: 'warning', message: 'careful' }]);
  });
});

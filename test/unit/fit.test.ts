import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderAddText, type AddOutcome } from '../../src/render/add.js';
import { ellipsize, fitText, visibleLength, wrapWords } from '../../src/render/fit.js';
import { terminalWidth } from '../../src/render/io.js';
import { renderListText } from '../../src/render/list.js';
import { renderRemoveText, type RemoveOutcome } from '../../src/render/remove.js';
import type { Inventory } from '../../src/inventory/model.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:notify-customers-of-shipping-updates';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:order-shipping-notifications';
const SUBSCRIPTION = `${TOPIC}:0f4c1e2a-9b7d-4c3e-8f1a-2b3c4d5e6f70`;
const UUID = '6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f';

const inventory: Inventory = {
  scope: 'function',
  region: 'us-east-1',
  functions: [FN],
  permissionsChecked: true,
  triggers: [
    { type: 'sqs', id: UUID, sourceArn: 'arn:aws:sqs:us-east-1:123456789012:orders', sourceName: 'orders', functionArn: FN, state: 'Enabled', settings: { batchSize: 10, batchingWindow: 5, maxConcurrency: 20, reportBatchItemFailures: true, filters: ['{"body":{"type":["order"]}}'] } },
    { type: 'sns', id: SUBSCRIPTION, sourceArn: TOPIC, sourceName: 'order-shipping-notifications', functionArn: FN, state: 'PendingConfirmation', settings: { filterPolicy: { store: ['eu'] } } },
  ],
  warnings: [{ code: 'pending-subscription', message: `subscription ${SUBSCRIPTION} is pending confirmation; the topic owner must confirm it before messages flow`, functionArn: FN, triggerId: SUBSCRIPTION }],
};

/** Every word of the full text is whole on some line of the fitted one, or shortened with an ellipsis. */
function wordsKept(full: string, fitted: string): void {
  const words = new Set(fitted.split(/\s+/));
  for (const word of full.split(/\s+/).filter(Boolean)) {
    if (words.has(word)) continue;
    expect([...words].some((w) => w.includes('…') && word.startsWith(w.split('…')[0] ?? '') && word.endsWith(w.split('…')[1] ?? '')), word).toBe(true);
  }
}

describe('fitting text to a terminal', () => {
  it('ellipsize keeps both ends of an id', () => {
    expect(ellipsize(SUBSCRIPTION, 30)).toBe('arn:aws:sns:us…1a-2b3c4d5e6f70');
    expect(ellipsize(SUBSCRIPTION, 30)).toHaveLength(30);
    expect(ellipsize('short', 30)).toBe('short');
  });

  it('wrapWords breaks between words, hangs continuation lines, and shortens a word longer than a line', () => {
    expect(wrapWords('  one two three four', 12)).toEqual(['  one two', '    three', '    four']);
    const lines = wrapWords(`  id: ${SUBSCRIPTION}`, 40);
    expect(lines).toEqual(['  id:', `    ${ellipsize(SUBSCRIPTION, 36)}`]);
    expect(wrapWords('fits', 80)).toEqual(['fits']);
  });

  it('counts columns without colour codes, and keeps colour from leaking when a coloured word is shortened', () => {
    const red = colour.red(SUBSCRIPTION);
    expect(visibleLength(red)).toBe(SUBSCRIPTION.length);
    const [line] = wrapWords(red, 20);
    expect(visibleLength(line ?? '')).toBe(20);
    expect(line).toMatch(/\u001b\[39m$/);
  });

  it('no width (a pipe, a file) leaves the text exactly as it was', () => {
    const text = `a ${'x'.repeat(200)}\n`;
    expect(fitText(text, undefined)).toBe(text);
    expect(terminalWidth({ write: () => true, isTTY: false, columns: 80 })).toBeUndefined();
    expect(terminalWidth({ write: () => true, isTTY: true })).toBeUndefined();
    expect(terminalWidth({ write: () => true, isTTY: true, columns: 80 })).toBe(80);
  });
});

describe('list on a terminal of 80 columns', () => {
  const full = renderListText(inventory, plain);
  const fitted = renderListText(inventory, plain, 80);

  it('fits every line, table and the rest', () => {
    expect(full.split('\n').some((l) => l.length > 80)).toBe(true);
    for (const line of fitted.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('keeps the columns aligned, the UUID whole, and shortens the subscription ARN with an ellipsis', () => {
    const lines = fitted.split('\n');
    const header = lines.find((l) => l.includes('TYPE')) ?? '';
    const sqs = lines.find((l) => /^. sqs /.test(l)) ?? '';
    const sns = lines.find((l) => /^. sns /.test(l)) ?? '';
    for (const column of ['SOURCE', 'ID', 'STATE']) {
      const at = header.indexOf(column);
      expect(sqs[at - 1], column).toBe(' ');
      expect(sns[at - 1], column).toBe(' ');
      expect(sns[at], column).not.toBe(' ');
    }
    expect(sqs).toContain(UUID);
    expect(sns).not.toContain(SUBSCRIPTION);
    expect(sns).toMatch(/arn:aws:sns:\S*…\S*2b3c4d5e6f70/);
    expect(sns).toContain('PendingConfirmation');
    expect(lines.find((l) => l.startsWith('! '))).toBe(sns);
  });

  it('puts the settings on lines of their own under the source, wrapped at words; the problems wrap at words', () => {
    const lines = fitted.split('\n');
    const at = (lines.find((l) => l.includes('TYPE')) ?? '').indexOf('SOURCE');
    const sqs = lines.findIndex((l) => /^. sqs /.test(l));
    const settings = lines.slice(sqs + 1, lines.findIndex((l) => /^. sns /.test(l)));
    expect(settings.length).toBeGreaterThan(1);
    for (const line of settings) expect(line.slice(0, at).trim() === '' && line[at] !== ' ', line).toBe(true);
    expect(settings.join(' ').replace(/\s+/g, ' ').trim()).toBe(settingsOf(full));
    const problem = lines.findIndex((l) => l.includes('pending-subscription:'));
    expect(lines[problem + 1]).toMatch(/^ {4}\S/);
    wordsKept(full, fitted);
  });

  it('a table that fits wraps nothing; colour codes take no columns', () => {
    const narrow: Inventory = { ...inventory, triggers: [inventory.triggers[0]!], warnings: [] };
    const text = renderListText(narrow, colour, 200);
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderListText(narrow, plain));
  });
});

function settingsOf(text: string): string {
  return text.split('\n').find((l) => /^. sqs /.test(l))?.split(/\s{2,}/).pop() ?? '';
}

describe('plans on a terminal of 80 columns', () => {
  const add: AddOutcome = {
    command: 'add',
    type: 'sns',
    dryRun: true,
    changed: true,
    source: { type: 'sns', arn: TOPIC, name: 'order-shipping-notifications' },
    function: { arn: FN },
    actions: [
      { api: 'lambda:AddPermission', summary: `allow sns topic order-shipping-notifications to invoke ${FN}`, input: { FunctionName: FN, StatementId: 'evsrc-sns-0123456789abcdef', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: TOPIC } },
      { api: 'sns:Subscribe', summary: 'subscribe the function to the topic', input: { TopicArn: TOPIC, Protocol: 'lambda', Endpoint: FN, Attributes: { FilterPolicy: '{"store":["eu"],"kind":["shipped","delivered","returned"]}' } } },
    ],
    trigger: null,
    warnings: [],
  };

  it('add: every line fits, no word is split, and off a terminal nothing changes', () => {
    const full = renderAddText(add, plain);
    const fitted = renderAddText(add, plain, 80);
    expect(full.split('\n').some((l) => l.length > 80)).toBe(true);
    for (const line of fitted.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    wordsKept(full, fitted);
    expect(renderAddText(add, plain, undefined)).toBe(full);
  });

  it('remove: the removed subscription line fits, its ARN shortened', () => {
    const remove: RemoveOutcome = {
      command: 'remove',
      type: 'sns',
      dryRun: true,
      changed: true,
      source: { arn: TOPIC, name: 'order-shipping-notifications' },
      function: { arn: FN },
      actions: [{ api: 'sns:Unsubscribe', summary: `unsubscribe ${SUBSCRIPTION}`, input: { SubscriptionArn: SUBSCRIPTION } }],
      removed: [inventory.triggers[1]!],
      notes: [],
      warnings: [],
    };
    const fitted = renderRemoveText(remove, colour, 80);
    for (const line of fitted.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(80);
    expect(fitted).toContain('…');
    expect(renderRemoveText(remove, plain)).toContain(SUBSCRIPTION);
  });
});

describe('wrapMessage', () => {
  it('wraps a warning at spaces to the width, keeps long words whole, and leaves it alone off a terminal', async () => {
    const { wrapMessage } = await import('../../src/render/fit.js');
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:a-rather-long-function-name';
    const text = `warning: the visibility timeout of queue orders is shorter than six times the timeout of ${arn}; each message may be processed twice`;
    const lines = wrapMessage(text, 60).split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join(' ').replace(/ +/g, ' ')).toBe(text);
    expect(lines.some((l) => l.includes(arn))).toBe(true);
    for (const line of lines) if (!line.includes(arn)) expect(line.length).toBeLessThanOrEqual(60);
    expect(lines.slice(1).every((l) => l.startsWith('  '))).toBe(true);
    expect(wrapMessage(text, undefined)).toBe(text);
  });
});

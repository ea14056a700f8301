import { describe, expect, it } from 'vitest';
import { sourceOf } from '../../src/cli.js';
import { kafkaSpec } from '../../src/sources/kafka/spec.js';
import { sqsSpec } from '../../src/sources/sqs/spec.js';

// A type's spec may name a flag that stands in for its source argument (add kafka --bootstrap-servers).
describe('the source of add <type>', () => {
  it('is the positional argument, or the flag that stands in for it, taken out of the flags', () => {
    const raw: Record<string, unknown> = { bootstrapServers: 'b-1.example.com:9092', topic: 'orders' };
    expect(sourceOf(kafkaSpec, undefined, raw)).toBe('b-1.example.com:9092');
    expect(raw).toEqual({ topic: 'orders' });
    expect(sourceOf(kafkaSpec, '10.0.1.10:9092', { topic: 'orders' })).toBe('10.0.1.10:9092');
    expect(sourceOf(sqsSpec, 'orders', {})).toBe('orders');
  });

  it('refuses neither and both, naming the two forms', () => {
    expect(() => sourceOf(kafkaSpec, undefined, {})).toThrow(/missing the source <bootstrap-servers>: evsrc add kafka <bootstrap-servers> \.\.\. or evsrc add kafka --bootstrap-servers/);
    expect(() => sourceOf(kafkaSpec, 'a.example.com:9092', { bootstrapServers: 'b.example.com:9092' })).toThrow(/give one/);
  });
});

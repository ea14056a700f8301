import { describe, expect, it } from 'vitest';
import { functionNameOf, parseArn, parseFunctionRef, parseQueueRef, qualifierOf, unqualifiedFunctionArn } from '../../src/core/arn.js';
import { UsageError } from '../../src/core/errors.js';

describe('parseArn', () => {
  it('splits the six parts and keeps colons in the resource', () => {
    expect(parseArn('arn:aws:lambda:eu-west-1:123456789012:function:f:live')).toEqual({
      partition: 'aws',
      service: 'lambda',
      region: 'eu-west-1',
      account: '123456789012',
      resource: 'function:f:live',
    });
  });
  it('returns undefined for non-ARNs', () => {
    expect(parseArn('orders')).toBeUndefined();
    expect(parseArn('arn:aws:sqs')).toBeUndefined();
  });
});

describe('parseQueueRef', () => {
  it('accepts a name, a FIFO name, a URL and an ARN', () => {
    expect(parseQueueRef('orders')).toEqual({ kind: 'name', name: 'orders' });
    expect(parseQueueRef('jobs.fifo')).toEqual({ kind: 'name', name: 'jobs.fifo' });
    expect(parseQueueRef('https://sqs.eu-west-1.amazonaws.com/123456789012/orders')).toEqual({
      kind: 'url',
      url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
      name: 'orders',
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(parseQueueRef('https://eu-west-2.queue.amazonaws.com/123456789012/orders')).toMatchObject({ kind: 'url', region: 'eu-west-2' });
    expect(parseQueueRef('http://127.0.0.1:5000/123456789012/orders')).not.toHaveProperty('region');
    expect(parseQueueRef('arn:aws:sqs:eu-west-1:123456789012:orders')).toEqual({
      kind: 'arn',
      arn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
      name: 'orders',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });
  it('refuses other ARNs, bad names and bad URLs with the value in the message', () => {
    expect(() => parseQueueRef('arn:aws:sns:eu-west-1:123456789012:topic')).toThrow(/"arn:aws:sns:eu-west-1:123456789012:topic" is not an SQS queue ARN/);
    expect(() => parseQueueRef('bad name!')).toThrow(/"bad name!" is not a queue name/);
    expect(() => parseQueueRef('x'.repeat(81))).toThrow(UsageError);
    expect(() => parseQueueRef('https://sqs.eu-west-1.amazonaws.com/')).toThrow(/is not a queue URL/);
  });
});

describe('parseFunctionRef', () => {
  it('accepts name, name:alias, name:version, full and partial ARNs', () => {
    expect(parseFunctionRef('worker')).toEqual({ name: 'worker' });
    expect(parseFunctionRef('worker:live')).toEqual({ name: 'worker', qualifier: 'live' });
    expect(parseFunctionRef('worker:7')).toEqual({ name: 'worker', qualifier: '7' });
    expect(parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:worker:live')).toEqual({
      name: 'arn:aws:lambda:eu-west-1:123456789012:function:worker',
      qualifier: 'live',
      region: 'eu-west-1',
      account: '123456789012',
    });
    expect(parseFunctionRef('123456789012:function:worker')).toEqual({ name: '123456789012:function:worker', account: '123456789012' });
  });
  it('refuses malformed references naming --function and the value', () => {
    expect(() => parseFunctionRef('a:b:c')).toThrow(/--function: "a:b:c" is not a valid function name/);
    expect(() => parseFunctionRef('arn:aws:sqs:eu-west-1:123456789012:q')).toThrow(/--function: .* is not a Lambda function ARN/);
    expect(() => parseFunctionRef('x'.repeat(65))).toThrow(UsageError);
    expect(() => parseFunctionRef('')).toThrow(/is empty/);
  });
});

describe('function ARN helpers', () => {
  it('strips and reads qualifiers', () => {
    const q = 'arn:aws:lambda:eu-west-1:123456789012:function:worker:live';
    expect(unqualifiedFunctionArn(q)).toBe('arn:aws:lambda:eu-west-1:123456789012:function:worker');
    expect(qualifierOf(q)).toBe('live');
    expect(qualifierOf('arn:aws:lambda:eu-west-1:123456789012:function:worker')).toBeUndefined();
    expect(functionNameOf(q)).toBe('worker');
  });
});

describe('malformed accounts and URLs (issue 9)', () => {
  it('refuses queue ARNs whose account is not 12 digits', () => {
    expect(() => parseQueueRef('arn:aws:sqs:us-east-1:12345:orders')).toThrow(/<queue>: "arn:aws:sqs:us-east-1:12345:orders" is not an SQS queue ARN/);
    expect(() => parseQueueRef('arn:aws:sqs:us-east-1:1234567890123:orders')).toThrow(/not an SQS queue ARN/);
  });
  it('refuses URLs that are not queue URLs', () => {
    for (const url of ['https://example.com/orders', 'https://sqs.us-east-1.amazonaws.com/12345/orders', 'https://sqs.us-east-1.amazonaws.com/123456789012/orders/extra', 'https://sqs.us-east-1.amazonaws.com/123456789012/orders?x=1']) {
      expect(() => parseQueueRef(url), url).toThrow(/is not a queue URL/);
    }
    expect(parseQueueRef('http://127.0.0.1:5000/123456789012/orders')).toMatchObject({ kind: 'url', name: 'orders', account: '123456789012' });
  });
  it('refuses function ARNs with a malformed account or region', () => {
    expect(() => parseFunctionRef('arn:aws:lambda:us-east-1:12345:function:f')).toThrow(/--function: .* has a malformed account "12345"/);
    expect(() => parseFunctionRef('arn:aws:lambda::123456789012:function:f')).toThrow(/malformed region/);
  });
});

import { describe, expect, it } from 'vitest';
import { mqRoleHint, mqType, parseBrokerRef, parseMqOptions } from '../../src/sources/mq.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:MQaccess-a1b2c3';
const base = { queue: 'orders', secret: SECRET };

describe('add mq flags', () => {
  it('needs one queue and a BASIC_AUTH secret by ARN', () => {
    expect(() => parseMqOptions({ secret: SECRET })).toThrow(/--queue <queue> is required for mq/);
    expect(() => parseMqOptions({ queue: 'orders' })).toThrow(/--secret <secret-arn> is required for mq/);
    expect(() => parseMqOptions({ ...base, secret: 'MQaccess' })).toThrow(/--secret.*"MQaccess".*a secret name is not accepted/);
    expect(() => parseMqOptions({ ...base, queue: 'x'.repeat(1001) })).toThrow(/--queue.*1-1000 characters/);
    expect(parseMqOptions(base).settings).toEqual({ queue: 'orders', sourceAccess: [`BASIC_AUTH=${SECRET}`] });
  });

  it('checks the virtual host, batch size and window; refuses what Lambda does not take for MQ', () => {
    expect(parseMqOptions({ ...base, virtualHost: '/shop' }).settings.virtualHost).toBe('/shop');
    expect(() => parseMqOptions({ ...base, virtualHost: 'bad host' })).toThrow(/--virtual-host.*"bad host"/);
    expect(() => parseMqOptions({ ...base, batchSize: '10001' })).toThrow(/--batch-size.*1 to 10000/);
    expect(() => parseMqOptions({ ...base, batchingWindow: '301' })).toThrow(/--batching-window.*0 to 300/);
    expect(() => parseMqOptions({ ...base, reportBatchItemFailures: true })).toThrow(/--report-batch-item-failures.*not Amazon MQ/);
    expect(() => parseMqOptions({ ...base, startingPosition: 'LATEST' })).toThrow(/--starting-position.*no starting position/);
    expect(() => parseMqOptions({ ...base, metrics: 'ErrorCount' })).toThrow(/--metrics.*only for Kafka mappings/);
    expect(() => parseMqOptions({ ...base, minPollers: '2' })).toThrow(/--min-pollers.*not mq$/);
  });

  it('reads broker names and ARNs (arn:aws:mq:<region>:<account>:broker:<name>:<id>)', () => {
    expect(parseBrokerRef('orders-broker')).toEqual({ kind: 'name', name: 'orders-broker' });
    const arn = 'arn:aws:mq:us-east-2:123456789012:broker:MyBroker:b-1234a5b6-78cd-901e-2f3a-3b45c6d78e90';
    expect(parseBrokerRef(arn)).toEqual({ kind: 'arn', name: 'MyBroker', id: 'b-1234a5b6-78cd-901e-2f3a-3b45c6d78e90', arn, region: 'us-east-2' });
    expect(() => parseBrokerRef('arn:aws:mq:us-east-2:123456789012:configuration:c-1')).toThrow(/<broker>.*not an Amazon MQ broker ARN/);
    expect(mqType.ownsSourceArn(arn)).toBe(true);
    expect(mqType.ownsSourceArn('arn:aws:mq:us-east-2:123456789012:configuration:c-1')).toBe(false);
  });

  it('names AWSLambdaMQExecutionRole and the secret in the hint', () => {
    const hint = mqRoleHint({ name: 'b', arn: 'arn:aws:mq:us-east-1:1:broker:b:b-1', region: 'us-east-1', state: 'RUNNING', engine: 'RABBITMQ' }, { role: 'r' }, SECRET);
    expect(hint).toMatch(/mq:DescribeBroker on arn:aws:mq/);
    expect(hint).toMatch(/secretsmanager:GetSecretValue on arn:aws:secretsmanager/);
    expect(hint).toMatch(/AWSLambdaMQExecutionRole/);
  });
});

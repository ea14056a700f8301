import { describe, expect, it } from 'vitest';
import { sourceNameOfArn } from '../../src/inventory/model.js';
import { planKafkaModes, topicOnly } from '../../src/mechanisms/esm/kafka.js';
import { namedSourceMatcher } from '../../src/mechanisms/esm/lifecycle.js';
import { NotFoundError } from '../../src/core/errors.js';
import { diffMapping, settingsToInput, sourceKeyOf } from '../../src/mechanisms/esm/settings.js';
import { parseSecretArn } from '../../src/mechanisms/esm/source-access.js';
import { kafkaType, parseSelfManagedOptions, parseServers } from '../../src/sources/kafka.js';
import { mskRoleHint, mskType, parseClusterRef, parseMskOptions } from '../../src/sources/msk.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_orders-a1b2c3';
const base = { topic: 'orders', startingPosition: 'LATEST' };

describe('add msk flags', () => {
  it('needs one topic and a starting position; AT_TIMESTAMP needs a past timestamp', () => {
    expect(() => parseMskOptions({ startingPosition: 'LATEST' }, NOW)).toThrow(/--topic <topic> is required for msk/);
    expect(() => parseMskOptions({ topic: 'orders' }, NOW)).toThrow(/--starting-position is required for msk: TRIM_HORIZON, LATEST or AT_TIMESTAMP/);
    expect(() => parseMskOptions({ ...base, startingPosition: 'EARLIEST' }, NOW)).toThrow(/--starting-position.*"EARLIEST".*TRIM_HORIZON, LATEST, AT_TIMESTAMP/);
    expect(() => parseMskOptions({ ...base, startingPosition: 'AT_TIMESTAMP' }, NOW)).toThrow(/needs --starting-position-timestamp/);
    expect(() => parseMskOptions({ ...base, startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '2027-01-01T00:00:00Z' }, NOW)).toThrow(/--starting-position-timestamp.*future/);
    const ok = parseMskOptions({ ...base, startingPosition: 'at_timestamp', startingPositionTimestamp: '2026-05-01T00:00:00Z' }, NOW);
    expect(ok.settings).toMatchObject({ topic: 'orders', startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: new Date('2026-05-01T00:00:00Z') });
  });

  it('checks the topic and consumer group id the way Lambda does', () => {
    for (const topic of ['a', '.hidden', 'orders events', 'x'.repeat(250)]) expect(() => parseMskOptions({ ...base, topic }, NOW)).toThrow(new RegExp(`--topic.*${JSON.stringify(topic).slice(1, 8).replace(/[.*]/g, '\\$&')}`));
    expect(parseMskOptions({ ...base, topic: 'x'.repeat(249) }, NOW).settings.topic).toHaveLength(249);
    expect(() => parseMskOptions({ ...base, consumerGroupId: 'x'.repeat(201) }, NOW)).toThrow(/--consumer-group-id.*1-200/);
    expect(() => parseMskOptions({ ...base, consumerGroupId: 'bad group' }, NOW)).toThrow(/--consumer-group-id/);
    expect(parseMskOptions({ ...base, consumerGroupId: 'team/orders:lambda@1' }, NOW).settings.consumerGroupId).toBe('team/orders:lambda@1');
  });

  it('takes SASL/SCRAM-512 or mutual TLS secrets by ARN only', () => {
    expect(parseMskOptions({ ...base, auth: `sasl-scram-512=${SECRET}` }, NOW).settings.sourceAccess).toEqual([`SASL_SCRAM_512_AUTH=${SECRET}`]);
    expect(parseMskOptions({ ...base, auth: `client-cert=${SECRET}` }, NOW).settings.sourceAccess).toEqual([`CLIENT_CERTIFICATE_TLS_AUTH=${SECRET}`]);
    expect(() => parseMskOptions({ ...base, auth: `basic=${SECRET}` }, NOW)).toThrow(/--auth.*"basic" is not an authentication method of a MSK mapping; allowed: sasl-scram-512=<secret-arn>, client-cert=<secret-arn>/);
    expect(() => parseMskOptions({ ...base, auth: 'sasl-scram-512=AmazonMSK_orders' }, NOW)).toThrow(/a secret name is not accepted.*describe-secret/);
    expect(() => parseMskOptions({ ...base, auth: [`client-cert=${SECRET}`, `sasl-scram-512=${SECRET}`] }, NOW)).toThrow(/--auth.*one authentication method/);
    expect(() => parseSecretArn('--secret', 'arn:aws:secretsmanager:us-east-1:12345:secret:x')).toThrow(/--secret.*not a Secrets Manager secret ARN/);
  });

  it('takes Kafka metrics and Kafka poller ranges; stream and SQS switches are refused naming them', () => {
    expect(parseMskOptions({ ...base, metrics: 'EventCount,ErrorCount,KafkaMetrics' }, NOW).settings.metrics).toEqual(['EventCount', 'ErrorCount', 'KafkaMetrics']);
    expect(parseMskOptions({ ...base, minPollers: '1', maxPollers: '2000' }, NOW).settings.provisionedPollers).toEqual({ min: 1, max: 2000 });
    expect(() => parseMskOptions({ ...base, maxPollers: '2001' }, NOW)).toThrow(/--max-pollers.*1 to 2000 \(Kafka provisioned mode/);
    expect(() => parseMskOptions({ ...base, minPollers: '0' }, NOW)).toThrow(/--min-pollers.*1 to 200/);
    expect(() => parseMskOptions({ ...base, parallelization: '2' }, NOW)).toThrow(/--parallelization.*Kinesis and DynamoDB/);
    expect(() => parseMskOptions({ ...base, tumblingWindow: '60' }, NOW)).toThrow(/--tumbling-window/);
    expect(() => parseMskOptions({ ...base, maxConcurrency: '5' }, NOW)).toThrow(/--max-concurrency.*SQS setting/);
  });

  it('sends failed records to kafka://<another topic>, or an SQS, SNS or S3 destination', () => {
    expect(parseMskOptions({ ...base, onFailure: 'kafka://orders-dlt' }, NOW).onFailure).toEqual({ kind: 'kafka', text: 'kafka://orders-dlt', topic: 'orders-dlt' });
    expect(() => parseMskOptions({ ...base, onFailure: 'kafka://orders' }, NOW)).toThrow(/--on-failure.*is the source topic orders/);
    expect(parseMskOptions({ ...base, onFailure: 's3:failed-batches' }, NOW).onFailure).toMatchObject({ kind: 's3', bucket: 'failed-batches' });
    expect(() => parseMskOptions({ ...base, onFailure: 'arn:aws:dynamodb:us-east-1:123456789012:table/t' }, NOW)).toThrow(/--on-failure/);
  });

  it('reads cluster names and ARNs (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)', () => {
    expect(parseClusterRef('orders-cluster')).toEqual({ kind: 'name', name: 'orders-cluster' });
    expect(parseClusterRef('arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c-2')).toMatchObject({ kind: 'arn', name: 'orders', region: 'eu-west-1' });
    expect(() => parseClusterRef('arn:aws:kafka:eu-west-1:12345:cluster/orders/0b1c-2')).toThrow(/<cluster>.*not an MSK cluster ARN/);
    expect(() => parseClusterRef('1orders')).toThrow(/<cluster>.*starting with a letter/);
  });

  it('names the execution role policy and what the secret and destination need', () => {
    const hint = mskRoleHint({ name: 'c', arn: 'arn:aws:kafka:us-east-1:1:cluster/c/u', region: 'us-east-1', state: 'ACTIVE' }, { role: 'arn:aws:iam::1:role/r' }, [`SASL_SCRAM_512_AUTH=${SECRET}`], 'sqs:SendMessage on arn:q');
    expect(hint).toMatch(/AWSLambdaMSKExecutionRole/);
    expect(hint).toMatch(/kafka:DescribeClusterV2/);
    expect(hint).toMatch(/secretsmanager:GetSecretValue on arn:aws:secretsmanager/);
    expect(hint).toMatch(/sqs:SendMessage on arn:q/);
  });
});

describe('Kafka error handling and provisioned mode', () => {
  it('retries, record age, bisect and partial batch responses need provisioned mode (asked, or on the mapping)', () => {
    expect(() => planKafkaModes({ retryAttempts: 3 }, undefined)).toThrow(/--retry-attempts.*provisioned mode only/);
    expect(() => planKafkaModes({ maxRecordAge: 600 }, undefined)).toThrow(/--max-record-age/);
    expect(() => planKafkaModes({ bisectOnError: true }, undefined)).toThrow(/--bisect-on-error/);
    expect(() => planKafkaModes({ reportBatchItemFailures: true }, undefined)).toThrow(/--report-batch-item-failures/);
    expect(() => planKafkaModes({ retryAttempts: 3, provisionedPollers: null }, { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 5 } })).toThrow(/--retry-attempts/);
    // Turning them off, or asking them with pollers (asked or already on the mapping), is fine.
    expect(planKafkaModes({ retryAttempts: -1, bisectOnError: false }, undefined)).toEqual({ retryAttempts: -1, bisectOnError: false });
    expect(planKafkaModes({ retryAttempts: 3 }, { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 5 } })).toEqual({ retryAttempts: 3 });
    expect(planKafkaModes({ retryAttempts: 3, provisionedPollers: { max: 4 } }, undefined)).toEqual({ retryAttempts: 3, provisionedPollers: { min: 1, max: 4 } });
  });

  it('a poller bound left out keeps the mapping\'s (else AWS\'s 1 and 200); minimum above maximum is refused', () => {
    expect(planKafkaModes({ provisionedPollers: { min: 3 } }, { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 9 } }).provisionedPollers).toEqual({ min: 3, max: 9 });
    expect(planKafkaModes({ provisionedPollers: { max: 50 } }, undefined).provisionedPollers).toEqual({ min: 1, max: 50 });
    expect(() => planKafkaModes({ provisionedPollers: { min: 10 } }, { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 5 } })).toThrow(/--min-pollers.*\(10\) must not exceed the maximum \(5\)/);
  });
});

describe('add kafka (self-managed) flags', () => {
  it('reads bootstrap servers as host:port, sorted without repeats', () => {
    expect(parseServers('b-2.example.com:9092, b-1.example.com:9092,b-2.example.com:9092')).toEqual(['b-1.example.com:9092', 'b-2.example.com:9092']);
    expect(parseServers('10.0.1.10:9094')).toEqual(['10.0.1.10:9094']);
    for (const bad of ['b-1.example.com', 'b-1.example.com:0', 'b-1.example.com:65536', 'b-1:9092,', 'http://b-1:9092', 'bad host:9092']) {
      expect(() => parseServers(bad), bad).toThrow(/<bootstrap-servers>/);
    }
  });

  it('takes basic, SCRAM-256/512 or client-cert auth, a root CA, and a VPC (subnets and security groups together)', () => {
    const o = parseSelfManagedOptions({ ...base, auth: `sasl-scram-256=${SECRET}`, rootCa: SECRET, subnet: ['subnet-0a1b2c3d', 'subnet-0a1b2c3e'], securityGroup: 'sg-0a1b2c3d' }, NOW);
    expect(o.settings.sourceAccess).toEqual([
      `SASL_SCRAM_256_AUTH=${SECRET}`,
      `SERVER_ROOT_CA_CERTIFICATE=${SECRET}`,
      'VPC_SECURITY_GROUP=security_group:sg-0a1b2c3d',
      'VPC_SUBNET=subnet:subnet-0a1b2c3d',
      'VPC_SUBNET=subnet:subnet-0a1b2c3e',
    ]);
    expect(o.warnings ?? []).toEqual([]);
    expect(() => parseSelfManagedOptions({ ...base, subnet: 'subnet-0a1b2c3d' }, NOW)).toThrow(/--subnet needs --security-group/);
    expect(() => parseSelfManagedOptions({ ...base, securityGroup: 'sg-0a1b2c3d' }, NOW)).toThrow(/--security-group needs --subnet/);
    expect(() => parseSelfManagedOptions({ ...base, subnet: 'subnet-xyz', securityGroup: 'sg-0a1b2c3d' }, NOW)).toThrow(/--subnet.*"subnet-xyz"/);
    expect(() => parseSelfManagedOptions({ ...base, rootCa: 'my-ca' }, NOW)).toThrow(/--root-ca.*secret name is not accepted/);
    const many = Array.from({ length: 21 }, (_, i) => `subnet-${(0x10000000 + i).toString(16)}`);
    expect(() => parseSelfManagedOptions({ ...base, subnet: many, securityGroup: 'sg-0a1b2c3d', auth: `basic=${SECRET}` }, NOW)).toThrow(/23 source access entries; a mapping takes at most 22/);
    expect(parseSelfManagedOptions({ ...base }, NOW).warnings?.[0]).toMatch(/without authentication/);
  });
});

describe('Kafka mappings in the shared mechanism', () => {
  it('keys a self-managed cluster by its servers; names MSK, MQ and DocumentDB sources by their names', () => {
    const key = sourceKeyOf({ SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:9092', 'a:9092'] } } });
    expect(key).toBe('kafka-bootstrap-servers:a:9092,b:9092');
    expect(kafkaType.ownsSourceArn(key)).toBe(true);
    expect(mskType.ownsSourceArn(key)).toBe(false);
    expect(sourceNameOfArn(key)).toBe('a:9092,b:9092');
    expect(sourceNameOfArn('arn:aws:kafka:us-east-1:1:cluster/orders/u-1')).toBe('orders');
    expect(sourceNameOfArn('arn:aws:mq:us-east-1:123456789012:broker:orders-broker:b-1234')).toBe('orders-broker');
    expect(sourceNameOfArn('arn:aws:rds:us-east-1:123456789012:cluster:orders-docs')).toBe('orders-docs');
  });

  it('the consumer group, topic and servers are create-only; source access can change in place', () => {
    const m = {
      Topics: ['orders'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'g1' },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH' as const, URI: SECRET }],
    };
    expect(diffMapping(m, { topic: 'orders', consumerGroupId: 'g1', sourceAccess: [`SASL_SCRAM_512_AUTH=${SECRET}`] })).toEqual({ changes: [], immutable: [] });
    const d = diffMapping(m, { consumerGroupId: 'g2', sourceAccess: [`CLIENT_CERTIFICATE_TLS_AUTH=${SECRET}`] });
    expect(d.immutable.map((c) => c.field)).toEqual(['ConsumerGroupId']);
    expect(d.changes.map((c) => c.field)).toEqual(['SourceAccessConfigurations']);
    expect(diffMapping({ SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:1', 'a:1'] } } }, { bootstrapServers: ['a:1', 'b:1'] }).immutable).toEqual([]);
  });

  it('parameters that share one API field are put together in a request', () => {
    expect(settingsToInput({ sourceAccess: [`BASIC_AUTH=${SECRET}`], virtualHost: '/orders' }, true)).toEqual({
      SourceAccessConfigurations: [
        { Type: 'BASIC_AUTH', URI: SECRET },
        { Type: 'VIRTUAL_HOST', URI: '/orders' },
      ],
    });
    expect(settingsToInput({ database: 'shop', collection: 'orders', fullDocument: 'UpdateLookup' }, true)).toEqual({
      DocumentDBEventSourceConfig: { DatabaseName: 'shop', CollectionName: 'orders', FullDocument: 'UpdateLookup' },
    });
    // Create-only fields stay out of an update.
    expect(settingsToInput({ virtualHost: '/orders', fullDocument: 'Default' }, false)).toEqual({ DocumentDBEventSourceConfig: { FullDocument: 'Default' } });
  });
});

describe('remove by a source name', () => {
  const prefix = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/';
  it('a name resolves to the ARN; a source that is gone still matches its mappings by the name in their ARNs; a topic narrows it', async () => {
    const live = await namedSourceMatcher({ name: 'orders', resolve: async () => `${prefix}u-1`, prefix, ...topicOnly('orders') });
    expect(live.name).toBe('orders (topic orders)');
    expect(live.matches(`${prefix}u-1`, { Topics: ['orders'] })).toBe(true);
    expect(live.matches(`${prefix}u-1`, { Topics: ['refunds'] })).toBe(false);
    expect(live.matches(`${prefix}u-2`, { Topics: ['orders'] })).toBe(false);
    const gone = await namedSourceMatcher({ name: 'orders', resolve: async () => { throw new NotFoundError('gone'); }, prefix });
    expect(gone.arn).toBe(`${prefix}*`);
    expect(gone.matches(`${prefix}u-2`)).toBe(true);
    expect(gone.matches('arn:aws:kafka:us-east-1:123456789012:cluster/orders-2/u-1')).toBe(false);
    await expect(namedSourceMatcher({ name: 'orders', resolve: async () => { throw new Error('AccessDenied'); }, prefix })).rejects.toThrow(/AccessDenied/);
    const byArn = await namedSourceMatcher({ arn: `${prefix}u-1`, name: 'orders', resolve: async () => { throw new Error('not called'); }, prefix });
    expect(byArn.matches(`${prefix}u-1`)).toBe(true);
  });
});

import { KAFKA_SETTING_KEYS, kafkaOptionSpecs, SELF_MANAGED_KAFKA_PREFIX } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The self-managed Apache Kafka type as --help and the registry see it; the implementation is ../kafka.ts.

/** The flags of `evsrc add kafka`. */
export const kafkaSpec: SourceSpec = {
  type: 'kafka',
  argument: '<bootstrap-servers>',
  argumentDescription: 'the bootstrap servers of a self-managed Apache Kafka cluster: host:port, comma-separated',
  sourceFlag: { flags: '--bootstrap-servers <host:port,...>', description: 'the bootstrap servers, in place of the <bootstrap-servers> argument' },
  summary: 'Wire a topic of a self-managed Apache Kafka cluster to a Lambda function (event source mapping)',
  options: [
    ...kafkaOptionSpecs('kafka'),
    {
      flags: '--auth <method=secret-arn>',
      description: 'authenticate with a Secrets Manager secret: basic=<arn> (SASL/PLAIN), sasl-scram-256=<arn>, sasl-scram-512=<arn> or client-cert=<arn> (mutual TLS)',
    },
    { flags: '--root-ca <secret-arn>', description: 'Secrets Manager secret with the root CA certificate the brokers use for TLS' },
    { flags: '--subnet <subnet-id>', description: 'reach the brokers from this VPC subnet (repeatable; with --security-group)', repeatable: true },
    { flags: '--security-group <sg-id>', description: 'reach the brokers with this VPC security group (repeatable; with --subnet)', repeatable: true },
  ],
  examples: [
    'evsrc add kafka b-1.example.com:9092,b-2.example.com:9092 --function process-orders --topic orders --starting-position LATEST --auth sasl-scram-512=arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-orders-a1b2c3',
    'evsrc add kafka --bootstrap-servers 10.0.1.10:9092 --function process-orders --topic orders --starting-position TRIM_HORIZON --subnet subnet-0a1b2c3d --security-group sg-0a1b2c3d --consumer-group-id orders-lambda',
  ],
  removeOptions: [{ flags: '--topic <topic>', description: 'only the mapping of this topic (default: every topic of the source)' }],
  removeExamples: ['evsrc remove kafka b-1.example.com:9092 --function process-orders --topic orders --yes'],
};

/** The self-managed Kafka type's spec: a mapping type keyed by its bootstrap servers (no source ARN). */
export const kafkaTypeSpec: TypeSpec = {
  spec: kafkaSpec,
  ownsSourceArn: (key) => key.startsWith(SELF_MANAGED_KAFKA_PREFIX),
  mapping: { settingKeys: KAFKA_SETTING_KEYS },
};

import { parseArn } from '../../core/arn.js';
import { KAFKA_SETTING_KEYS, kafkaOptionSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The Amazon MSK type as --help and the registry see it; the implementation is ../msk.ts.

/** The flags of `evsrc add msk`. */
export const mskSpec: SourceSpec = {
  type: 'msk',
  argument: '<cluster>',
  argumentDescription: 'Amazon MSK cluster name or cluster ARN',
  summary: 'Wire an Amazon MSK topic to a Lambda function (event source mapping)',
  options: [
    ...kafkaOptionSpecs('msk'),
    { flags: '--auth <method=secret-arn>', description: 'authenticate with a Secrets Manager secret: sasl-scram-512=<arn> or client-cert=<arn> (default: IAM or none)' },
  ],
  examples: [
    'evsrc add msk orders-cluster --function process-orders --topic orders --starting-position LATEST',
    'evsrc add msk arn:aws:kafka:eu-west-1:123456789012:cluster/orders-cluster/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-2 --function process-orders --topic orders --starting-position TRIM_HORIZON --auth sasl-scram-512=arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_orders-a1b2c3',
    'evsrc add msk orders-cluster --function process-orders --topic orders --starting-position LATEST --min-pollers 1 --max-pollers 10 --retry-attempts 3 --on-failure kafka://orders-failed --metrics EventCount,ErrorCount,KafkaMetrics',
  ],
  removeOptions: [{ flags: '--topic <topic>', description: 'only the mapping of this topic (default: every topic of the source)' }],
  removeExamples: ['evsrc remove msk orders-cluster --function process-orders --topic orders --yes'],
};

/** The Amazon MSK type's spec: a mapping type whose sources are MSK cluster ARNs. */
export const mskTypeSpec: TypeSpec = {
  spec: mskSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'kafka' && parsed.resource.startsWith('cluster/');
  },
  mapping: { settingKeys: KAFKA_SETTING_KEYS },
  // No `services`: its client loads when a mapping of this type shows up (rare sources load nothing ahead).
};

import { parseArn } from '../../core/arn.js';
import { mappingOptionSpecs, mappingSwitchSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The Amazon MQ type as --help and the registry see it; the implementation is ../mq.ts.

/** The settings an Amazon MQ mapping shows. */
export const MQ_SETTING_KEYS = ['queue', 'virtualHost', 'batchSize', 'batchingWindow', 'sourceAccess', 'filters', 'metrics', 'filterKmsKey', 'enabled'] as const;

/** The flags of `evsrc add mq`. */
export const mqSpec: SourceSpec = {
  type: 'mq',
  argument: '<broker>',
  argumentDescription: 'Amazon MQ broker name or broker ARN (ActiveMQ or RabbitMQ)',
  summary: 'Wire an Amazon MQ queue (ActiveMQ or RabbitMQ) to a Lambda function (event source mapping)',
  options: [
    { flags: '--queue <queue-name>', description: 'the broker queue to read (required; one per mapping)' },
    { flags: '--secret <secret-arn>', description: 'Secrets Manager secret (ARN) with the broker user name and password (required)' },
    { flags: '--virtual-host <vhost>', description: 'RabbitMQ only: the virtual host of the queue (AWS default /); cannot be changed later' },
    { flags: '--batch-size <n>', description: 'messages per batch: 1-10000 (AWS default 100)' },
    { flags: '--batching-window <seconds>', description: 'seconds to gather messages before invoking: 0-300 (AWS default 500 ms, which cannot be set back once changed)' },
    { flags: '--filter <json|@file>', description: `Lambda filter pattern on the message, e.g. '{"data":{"kind":["order"]}}' (repeatable)`, repeatable: true },
    ...mappingSwitchSpecs().filter((o) => !o.flags.includes('report-batch-item-failures')),
    { flags: '--replace', description: 'delete and recreate the mapping when its virtual host must change (settings and tags are kept)' },
    ...mappingOptionSpecs(false),
    { flags: '--report-batch-item-failures', description: 'not for Amazon MQ', hidden: true },
    { flags: '--starting-position <position>', description: 'not for Amazon MQ', hidden: true },
    { flags: '--topic <topic>', description: 'Kafka only', hidden: true },
  ],
  examples: [
    'evsrc add mq orders-broker --function process-orders --queue orders --secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:MQaccess-a1b2c3',
    'evsrc add mq orders-rabbit --function process-orders --queue orders --virtual-host /shop --secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:MQaccess-a1b2c3 --batch-size 50 --batching-window 2',
  ],
  removeOptions: [{ flags: '--queue <queue-name>', description: 'only the mapping of this queue (default: every queue of the broker)' }],
  removeExamples: ['evsrc remove mq orders-broker --function process-orders --queue orders --yes'],
};

/** The Amazon MQ type's spec: a mapping type whose sources are broker ARNs. */
export const mqTypeSpec: TypeSpec = {
  spec: mqSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'mq' && parsed.resource.startsWith('broker:');
  },
  mapping: { settingKeys: MQ_SETTING_KEYS },
  // No `services`: its client loads when a mapping of this type shows up (rare sources load nothing ahead).
};

import { parseArn } from '../../core/arn.js';
import { mappingOptionSpecs, mappingSwitchSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The SQS type as --help and the registry see it; the implementation (planning, list, remove) is ../sqs.ts.

/** The settings an SQS mapping shows. */
export const SQS_SETTING_KEYS = [
  'batchSize',
  'batchingWindow',
  'maxConcurrency',
  'provisionedPollers',
  'filters',
  'reportBatchItemFailures',
  'metrics',
  'filterKmsKey',
  'enabled',
] as const;

/** The flags of `evsrc add sqs`. */
export const sqsSpec: SourceSpec = {
  type: 'sqs',
  argument: '<queue>',
  argumentDescription: 'queue name, queue URL or queue ARN',
  summary: 'Wire an SQS queue to a Lambda function (event source mapping)',
  options: [
    { flags: '--batch-size <n>', description: 'records per batch: 1-10000 (standard queues; over 10 needs --batching-window), 1-10 (FIFO)' },
    { flags: '--batching-window <seconds>', description: 'seconds to gather records before invoking: 0-300 (not for FIFO queues)' },
    { flags: '--max-concurrency <n>', description: 'maximum concurrent invocations from this queue: 2-1000 (not with provisioned pollers)' },
    { flags: '--no-max-concurrency', description: 'remove the maximum concurrency (ScalingConfig) from an existing mapping' },
    { flags: '--filter <json|@file>', description: 'Lambda filter pattern, e.g. \'{"body":{"type":["order"]}}\' (repeatable)', repeatable: true },
    ...mappingSwitchSpecs(),
    ...mappingOptionSpecs('sqs'),
    { flags: '--starting-position <position>', description: 'not valid for SQS', hidden: true },
  ],
  examples: [
    'evsrc add sqs orders --function process-orders',
    'evsrc add sqs https://sqs.eu-west-1.amazonaws.com/123456789012/orders --function process-orders:live --batch-size 50 --batching-window 5',
    'evsrc add sqs arn:aws:sqs:eu-west-1:123456789012:orders.fifo --function process-orders --report-batch-item-failures --dry-run',
    'evsrc add sqs orders --function process-orders --min-pollers 5 --max-pollers 100 --metrics EventCount --tag team=payments',
  ],
  removeExamples: ['evsrc remove sqs orders --function process-orders --yes'],
};

/** The SQS type's spec: a mapping type whose sources are queue ARNs. */
export const sqsTypeSpec: TypeSpec = {
  spec: sqsSpec,
  ownsSourceArn: (arn) => parseArn(arn)?.service === 'sqs',
  mapping: { settingKeys: SQS_SETTING_KEYS },
  services: ['sqs'],
};

import { parseArn } from '../../core/arn.js';
import { STREAM_SETTING_KEYS, streamOptionSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The DynamoDB Streams type as --help and the registry see it; the implementation is ../dynamodb.ts.

/** The view types of a DynamoDB stream (StreamSpecification.StreamViewType). */
export const STREAM_VIEW_TYPES = ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] as const;
/** One of STREAM_VIEW_TYPES. */
export type StreamViewType = (typeof STREAM_VIEW_TYPES)[number];

/** The flags of `evsrc add dynamodb`. */
export const dynamodbSpec: SourceSpec = {
  type: 'dynamodb',
  argument: '<table>',
  argumentDescription: 'table name, table ARN or stream ARN',
  summary: 'Wire a DynamoDB table stream to a Lambda function (event source mapping)',
  options: [
    ...streamOptionSpecs('dynamodb'),
    {
      flags: '--enable-stream <view-type>',
      description: `enable the table's stream when it has none: ${STREAM_VIEW_TYPES.join('|')}`,
      values: STREAM_VIEW_TYPES,
    },
  ],
  examples: [
    'evsrc add dynamodb orders --function audit-orders --starting-position LATEST',
    'evsrc add dynamodb orders --function audit-orders --starting-position TRIM_HORIZON --enable-stream NEW_AND_OLD_IMAGES --dry-run',
    'evsrc add dynamodb orders --function audit-orders --starting-position LATEST --batch-size 500 --batching-window 5 --on-failure audit-dlq --bisect-on-error --retry-attempts 3',
  ],
  removeExamples: ['evsrc remove dynamodb users --function audit --yes'],
};

/** The DynamoDB Streams type's spec: a mapping type whose sources are table stream ARNs. */
export const dynamodbTypeSpec: TypeSpec = {
  spec: dynamodbSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'dynamodb' && /^table\/[^/]+\/stream\//.test(parsed.resource);
  },
  mapping: { settingKeys: STREAM_SETTING_KEYS },
  services: ['dynamodb'],
};

import { parseArn } from '../../core/arn.js';
import { STREAM_SETTING_KEYS, streamOptionSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The Kinesis type as --help and the registry see it; the implementation is ../kinesis.ts.

/** The flags of `evsrc add kinesis`. */
export const kinesisSpec: SourceSpec = {
  type: 'kinesis',
  argument: '<stream>',
  argumentDescription: 'stream name or stream ARN',
  summary: 'Wire a Kinesis data stream to a Lambda function (event source mapping)',
  options: [
    ...streamOptionSpecs('kinesis'),
    { flags: '--consumer <name>', description: 'read through this enhanced fan-out consumer (reused if it exists, else registered)' },
  ],
  examples: [
    'evsrc add kinesis clicks --function count-clicks --starting-position LATEST',
    'evsrc add kinesis clicks --function count-clicks --starting-position AT_TIMESTAMP --starting-position-timestamp 2024-05-01T00:00:00Z',
    'evsrc add kinesis arn:aws:kinesis:eu-west-1:123456789012:stream/clicks --function count-clicks --starting-position TRIM_HORIZON --consumer count-clicks --parallelization 4 --on-failure sns:click-failures',
  ],
  removeExamples: ['evsrc remove kinesis clicks --function count-clicks --dry-run'],
};

/** The Kinesis type's spec: a mapping type whose sources are stream ARNs (a consumer ARN is under its stream's). */
export const kinesisTypeSpec: TypeSpec = {
  spec: kinesisSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'kinesis' && parsed.resource.startsWith('stream/');
  },
  mapping: { settingKeys: STREAM_SETTING_KEYS },
  services: ['kinesis'],
};

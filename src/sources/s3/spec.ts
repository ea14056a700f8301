import { parseArn } from '../../core/arn.js';
import type { PushTraits, SourceSpec, TypeSpec } from '../contract.js';
import { S3_EVENT_TYPES } from './events.js';

// The S3 type as --help and the registry see it; the implementation is index.ts. add.ts still holds an
// older copy of the add flags (s3Spec) that nothing reads; a registry test keeps the two equal until it goes.

/** The flags of `evsrc add s3`. */
export const s3Spec: SourceSpec = {
  type: 's3',
  argument: '<bucket>',
  argumentDescription: 'bucket name or bucket ARN (arn:aws:s3:::bucket)',
  summary: 'Wire an S3 bucket to a Lambda function (bucket notification + invoke permission)',
  options: [
    { flags: '--events <list>', description: 'S3 event types, comma-separated or repeated (default: s3:ObjectCreated:*)', repeatable: true, values: S3_EVENT_TYPES },
    { flags: '--prefix <prefix>', description: 'only keys starting with this literal text (S3 has no wildcards)' },
    { flags: '--suffix <suffix>', description: 'only keys ending with this literal text, e.g. .csv' },
    { flags: '--source-account <id>', description: "the bucket owner's account id (default: the function's account)" },
  ],
  examples: [
    'evsrc add s3 uploads --function thumbnailer --suffix .jpg',
    'evsrc add s3 arn:aws:s3:::raw-data --function ingest --events s3:ObjectCreated:Put,s3:ObjectCreated:CompleteMultipartUpload --prefix incoming/',
    "evsrc add s3 uploads --function audit --events 's3:ObjectRemoved:*' --dry-run",
  ],
  removeOptions: [
    { flags: '--events <events>', description: 'only entries with exactly these event types (comma-separated or repeated)', repeatable: true, values: S3_EVENT_TYPES },
    { flags: '--prefix <prefix>', description: 'only entries with this key prefix filter' },
    { flags: '--suffix <suffix>', description: 'only entries with this key suffix filter' },
    { flags: '--id <id>', description: 'only the entry with this notification id' },
  ],
  removeExamples: ['evsrc remove s3 uploads --function thumbnails --prefix images/ --dry-run'],
};

const push: PushTraits = { principal: 's3.amazonaws.com', noun: 'bucket', matchesPrincipal: (p) => p.toLowerCase() === 's3.amazonaws.com' };

/** The S3 type's spec: a push type whose sources are bucket ARNs. */
export const s3TypeSpec: TypeSpec & { push: PushTraits } = {
  spec: s3Spec,
  ownsSourceArn: (arn) => parseArn(arn)?.service === 's3',
  push,
  services: ['s3'],
};

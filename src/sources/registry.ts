import { dynamodbAdapter } from './dynamodb.js';
import { kinesisAdapter } from './kinesis.js';
import { s3Adapter } from './s3/add.js';
import { snsAdapter } from './sns/add.js';
import { sqsAdapter } from './sqs.js';
import type { SourceAdapter, SourceType } from './contract.js';

/**
 * The registry of source adapters. Adapter modules import the AWS SDK only as types and load
 * clients lazily, so registering them here costs nothing at start-up.
 */
export const ADAPTERS: Partial<Record<SourceType, SourceAdapter<unknown>>> = {
  sqs: sqsAdapter as SourceAdapter<unknown>,
  s3: s3Adapter as SourceAdapter<unknown>,
  sns: snsAdapter as SourceAdapter<unknown>,
  dynamodb: dynamodbAdapter as SourceAdapter<unknown>,
  kinesis: kinesisAdapter as SourceAdapter<unknown>,
};

/** The adapters that are available, in the order `--help` lists them. */
export function availableAdapters(): SourceAdapter<unknown>[] {
  return Object.values(ADAPTERS).filter((a): a is SourceAdapter<unknown> => a !== undefined);
}

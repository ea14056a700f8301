import { parseArn } from '../../core/arn.js';
import { KAFKA_STARTING_POSITIONS, mappingOptionSpecs, mappingSwitchSpecs } from '../../mechanisms/esm/flags.js';
import type { SourceSpec, TypeSpec } from '../contract.js';

// The Amazon DocumentDB type as --help and the registry see it; the implementation is ../documentdb.ts.

/** DocumentDBEventSourceConfig.FullDocument. */
export const FULL_DOCUMENT_MODES = ['UpdateLookup', 'Default'] as const;

/** The settings a DocumentDB mapping shows. */
export const DOCUMENTDB_SETTING_KEYS = [
  'database',
  'collection',
  'fullDocument',
  'startingPosition',
  'startingPositionTimestamp',
  'batchSize',
  'batchingWindow',
  'sourceAccess',
  'metrics',
  'enabled',
] as const;

/** The flags of `evsrc add documentdb`. */
export const documentdbSpec: SourceSpec = {
  type: 'documentdb',
  argument: '<cluster>',
  argumentDescription: 'Amazon DocumentDB cluster identifier or cluster ARN',
  summary: 'Wire an Amazon DocumentDB change stream to a Lambda function (event source mapping)',
  options: [
    { flags: '--database <name>', description: 'the database to read (required)' },
    { flags: '--collection <name>', description: 'only this collection (default: every collection of the database)' },
    { flags: '--full-document <mode>', description: 'what an update event holds: UpdateLookup (the whole document) or Default (the change only)', values: FULL_DOCUMENT_MODES },
    { flags: '--secret <secret-arn>', description: 'Secrets Manager secret (ARN) with the cluster user name and password (required)' },
    { flags: '--starting-position <position>', description: `where to start reading (required): ${KAFKA_STARTING_POSITIONS.join('|')}`, values: KAFKA_STARTING_POSITIONS },
    { flags: '--starting-position-timestamp <time>', description: 'with AT_TIMESTAMP: ISO-8601 time or unix seconds, not in the future' },
    { flags: '--batch-size <n>', description: 'events per batch: 1-10000 (AWS default 100)' },
    { flags: '--batching-window <seconds>', description: 'seconds to gather events before invoking: 0-300 (AWS default 500 ms, which cannot be set back once changed)' },
    ...mappingSwitchSpecs().filter((o) => !/report-batch-item-failures|no-filter/.test(o.flags)),
    { flags: '--replace', description: 'delete and recreate the mapping when its starting position must change (settings and tags are kept)' },
    ...mappingOptionSpecs(false).filter((o) => !o.flags.includes('filter-kms-key')),
    // Lambda does not filter DocumentDB events, so there is nothing for a filter key to encrypt.
    { flags: '--filter <json|@file>', description: 'not for DocumentDB', hidden: true, repeatable: true },
    { flags: '--filter-kms-key <key-arn>', description: 'not for DocumentDB', hidden: true },
    { flags: '--report-batch-item-failures', description: 'not for DocumentDB', hidden: true },
  ],
  examples: [
    'evsrc add documentdb orders-docs --function index-orders --database shop --collection orders --starting-position LATEST --secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:docdb-orders-a1b2c3',
    'evsrc add documentdb arn:aws:rds:eu-west-1:123456789012:cluster:orders-docs --function index-orders --database shop --full-document UpdateLookup --starting-position TRIM_HORIZON --secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:docdb-orders-a1b2c3 --batch-size 500 --batching-window 5',
  ],
  removeOptions: [
    { flags: '--database <name>', description: 'only the mappings of this database' },
    { flags: '--collection <name>', description: 'only the mapping of this collection' },
  ],
  removeExamples: ['evsrc remove documentdb orders-docs --function index-orders --database shop --yes'],
};

/** The Amazon DocumentDB type's spec: a mapping type whose sources are DocumentDB cluster ARNs. */
export const documentdbTypeSpec: TypeSpec = {
  spec: documentdbSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'rds' && parsed.resource.startsWith('cluster:');
  },
  mapping: { settingKeys: DOCUMENTDB_SETTING_KEYS },
  // No `services`: its client loads when a mapping of this type shows up (rare sources load nothing ahead).
};

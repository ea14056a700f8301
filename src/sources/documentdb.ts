import { listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError, invalidFlag } from '../core/errors.js';
import { checkByReadOrListing } from '../mechanisms/esm/inventory.js';
import { parsePosition } from '../mechanisms/esm/kafka.js';
import { mappingLifecycle } from '../mechanisms/esm/lifecycle.js';
import { parseMappingOptions } from '../mechanisms/esm/mapping-options.js';
import { executionRoleRetry, type EsmSettings } from '../mechanisms/esm/settings.js';
import { parseSecretArn } from '../mechanisms/esm/source-access.js';
import { planKeyedMapping } from '../mechanisms/esm/streams.js';
import { tagsAsked, type TagOptions } from '../mechanisms/esm/tags.js';
import { sourceNameOfArn } from '../inventory/model.js';
import type { AddPlan, AdapterContext, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { DOCUMENTDB_SETTING_KEYS, documentdbSpec, FULL_DOCUMENT_MODES } from './documentdb/spec.js';
import { documentdbTypeSpec } from './registry.js';

export { DOCUMENTDB_SETTING_KEYS, documentdbSpec } from './documentdb/spec.js';
import { parseChoice, parseIntFlag } from './options.js';
import { accessFlags, mappingDefaults, mappingFlags } from '../mechanisms/esm/entry.js';
import { nameOrArn } from './entry.js';

// Amazon DocumentDB change streams, Lambda API 2015-03-31 and the Lambda developer guide: EventSourceArn is the
// cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>), same account and region; DocumentDBEventSourceConfig
// {DatabaseName 1-63 (required), CollectionName 1-57 (none: every collection), FullDocument UpdateLookup|Default};
// the database and collection cannot be changed in place; StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP;
// a BASIC_AUTH secret; no event filtering (Lambda developer guide, event filtering); batch size 1-10000 (default 100); batching window 0-300 s (default 500 ms).


const DOCUMENTDB_DEFAULTS: EsmSettings = { batchSize: 100, batchingWindow: 0, fullDocument: 'Default', metrics: [], enabled: true };


/** Validated options of `add documentdb`. */
export interface DocumentDbOptions {
  settings: EsmSettings;
  replace: boolean;
  tags?: TagOptions;
  warnings?: string[];
}

// DocumentDB names a database may not use: 1-63 characters without / \ . " $ or a space, nor the null character.
const DATABASE = /^[^/\\. "$\0]{1,63}$/;
// Collection names: 1-57 characters, not starting with system., without $ or the null character.
const COLLECTION = /^(?!system\.)[^$\0]{1,57}$/;

/** Checks a database name given to `flag`. */
export function parseDatabase(flag: string, value: unknown): string {
  const text = String(value ?? '');
  if (!DATABASE.test(text)) throw invalidFlag(flag, value, 'allowed: a database name of 1-63 characters without / \\ . " $ or spaces');
  return text;
}

/** Checks a collection name given to `flag`. */
export function parseCollection(flag: string, value: unknown): string {
  const text = String(value ?? '');
  if (!COLLECTION.test(text)) throw invalidFlag(flag, value, 'allowed: a collection name of 1-57 characters without $, not starting with system.');
  return text;
}

/** Validates the raw flags of `add documentdb` (pure: no AWS). */
export function parseDocumentDbOptions(raw: Record<string, unknown>, now: Date = new Date()): DocumentDbOptions {
  if (raw.reportBatchItemFailures !== undefined) {
    throw invalidFlag('--report-batch-item-failures', raw.reportBatchItemFailures, 'Lambda takes partial batch responses for SQS, Kinesis, DynamoDB and Kafka mappings, not DocumentDB');
  }
  if (raw.filter !== undefined) throw invalidFlag('--filter', Array.isArray(raw.filter) ? raw.filter.join(' ') : raw.filter, 'Lambda does not support event filtering for Amazon DocumentDB');
  if (raw.filterKmsKey !== undefined) throw invalidFlag('--filter-kms-key', raw.filterKmsKey, 'Lambda does not support event filtering for Amazon DocumentDB, so there are no filter criteria to encrypt');
  if (raw.disabled && raw.enabled) throw new UsageError('--disabled and --enabled: give one or the other, not both');
  if (raw.database === undefined) throw new UsageError('--database <name> is required for documentdb: the database whose change stream the mapping reads');
  if (raw.secret === undefined) throw new UsageError('--secret <secret-arn> is required for documentdb: Lambda signs in to the cluster with the user name and password of a Secrets Manager secret');
  const settings: EsmSettings = {
    database: parseDatabase('--database', raw.database),
    collection: raw.collection === undefined ? '' : parseCollection('--collection', raw.collection),
    ...parsePosition('documentdb', raw, now, 'what the change stream still holds'),
    sourceAccess: [`BASIC_AUTH=${parseSecretArn('--secret', raw.secret)}`],
  };
  if (raw.fullDocument !== undefined) settings.fullDocument = parseChoice('--full-document', raw.fullDocument, FULL_DOCUMENT_MODES) as string;
  const batchSize = parseIntFlag('--batch-size', raw.batchSize, 1, 10000, 'allowed: a whole number from 1 to 10000 (AWS default 100)');
  const batchingWindow = parseIntFlag('--batching-window', raw.batchingWindow, 0, 300, 'allowed: whole seconds from 0 to 300');
  if (batchSize !== undefined) settings.batchSize = batchSize;
  if (batchingWindow !== undefined) settings.batchingWindow = batchingWindow;
  if (raw.disabled) settings.enabled = false;
  if (raw.enabled) settings.enabled = true;
  const shared = parseMappingOptions('documentdb', raw, false);
  Object.assign(settings, shared.settings);
  const options: DocumentDbOptions = { settings, replace: Boolean(raw.replace) };
  if (tagsAsked(shared.tags)) options.tags = shared.tags;
  if (shared.warnings.length > 0) options.warnings = shared.warnings;
  return options;
}

// DB cluster identifiers: 1-63 letters, digits and hyphens, starting with a letter, no two hyphens in a row,
// not ending in a hyphen.
const CLUSTER_ID = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/;

/** How the user named a cluster, normalised. */
export type DocClusterRef = { kind: 'name'; name: string } | { kind: 'arn'; name: string; arn: string; region: string; account: string };

/** Parses a DocumentDB cluster identifier or ARN (arn:aws:rds:<region>:<account>:cluster:<name>). */
export function parseDocClusterRef(value: string, label = '<cluster>'): DocClusterRef {
  const arn = parseArn(value);
  const valid = (name: string) => CLUSTER_ID.test(name) && !name.endsWith('-');
  if (arn) {
    const m = /^cluster:([^:]+)$/.exec(arn.resource);
    if (arn.service !== 'rds' || !m || !valid(m[1] ?? '') || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not a DocumentDB cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>)`);
    }
    return { kind: 'arn', name: m[1] ?? '', arn: value, region: arn.region, account: arn.account };
  }
  if (!valid(value)) {
    throw new UsageError(`${label}: ${JSON.stringify(value)} is not a DocumentDB cluster identifier or ARN (1-63 letters, digits and hyphens, starting with a letter)`);
  }
  return { kind: 'name', name: value };
}

/** A cluster as evsrc needs it. */
export interface ResolvedDocCluster {
  name: string;
  arn: string;
  region: string;
  status: string;
  engine: string;
}

type DbCluster = { DBClusterIdentifier?: string; DBClusterArn?: string; Status?: string; Engine?: string };

/** Reads a cluster with DescribeDBClusters (the DocumentDB API); a missing one, or one of another engine, is exit 3. */
export async function resolveDocCluster(aws: AwsSession, ref: DocClusterRef): Promise<ResolvedDocCluster> {
  const region = ref.kind === 'arn' ? ref.region : await aws.region();
  let cluster: DbCluster | undefined;
  try {
    const out = await aws.call<{ DBClusters?: DbCluster[] }>('docdb', 'DescribeDBClusters', { DBClusterIdentifier: ref.kind === 'arn' ? ref.arn : ref.name }, { region });
    cluster = out.DBClusters?.[0];
  } catch (error) {
    if (!isAwsError(error, 'DBClusterNotFoundFault')) throw error;
  }
  if (!cluster?.DBClusterArn) {
    throw new NotFoundError(`DocumentDB cluster ${ref.name} does not exist in ${region}`, {
      awsErrorName: 'DBClusterNotFoundFault',
      hint: 'check the cluster identifier and --region (aws docdb describe-db-clusters lists the clusters of a region)',
    });
  }
  if (cluster.Engine && cluster.Engine !== 'docdb') {
    throw new PreconditionError(`cluster ${ref.name} is an ${cluster.Engine} cluster, not Amazon DocumentDB`, { hint: 'name a DocumentDB cluster (engine docdb)' });
  }
  return { name: cluster.DBClusterIdentifier ?? ref.name, arn: cluster.DBClusterArn, region: cluster.DBClusterArn.split(':')[3] ?? region, status: cluster.Status ?? 'available', engine: cluster.Engine ?? 'docdb' };
}

/** The IAM the execution role needs (no AWS managed policy covers DocumentDB mappings). */
export function documentDbRoleHint(cluster: ResolvedDocCluster, fn: Pick<ResolvedFunction, 'role'>, secret: string): string {
  return (
    `the execution role ${fn.role ?? 'of the function'} needs rds:DescribeDBClusters, rds:DescribeDBClusterParameters and rds:DescribeDBSubnetGroups on ${cluster.arn}, ` +
    `secretsmanager:GetSecretValue on ${secret} (plus kms:Decrypt if the secret uses a customer managed key), ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ` +
    'ec2:DeleteNetworkInterface, ec2:DescribeVpcs, ec2:DescribeSubnets and ec2:DescribeSecurityGroups; no AWS managed policy grants these, and the collection needs change streams enabled'
  );
}

const DEAD = new Set(['deleting', 'failed', 'inaccessible-encryption-credentials']);

async function planAdd(ctx: AdapterContext, request: AddRequest<DocumentDbOptions>): Promise<AddPlan> {
  const ref = parseDocClusterRef(request.source);
  const { options } = request;
  const clusterP = resolveDocCluster(ctx.aws, ref);
  const fnP = resolveFunction(ctx.aws, request.fn);
  const readersP = clusterP.then((c) => listMappingsForSource(ctx.aws, c.arn, c.region || undefined));
  const [cluster, fn, readers] = await Promise.all([clusterP, fnP, readersP]);
  // Lambda: the cluster must be in the function's account and region.
  const account = cluster.arn.split(':')[4];
  if ((fn.region && cluster.region && fn.region !== cluster.region) || (account && fn.account && account !== fn.account)) {
    throw new PreconditionError(`cluster ${cluster.arn} is not in the account and region of function ${fn.arn}; Lambda reads DocumentDB clusters of its own account and region only`);
  }
  if (DEAD.has(cluster.status)) throw new PreconditionError(`DocumentDB cluster ${cluster.name} is ${cluster.status}`, { hint: 'name a cluster that is available' });
  // The flags' own warnings (options.warnings) are added by tagStreamPlan, with every mapping type's.
  const warnings: string[] = [];
  if (cluster.status !== 'available') warnings.push(`DocumentDB cluster ${cluster.name} is ${cluster.status}, not available: the mapping is made, and starts reading once the cluster is ready`);
  const { database, collection } = options.settings;
  const secret = (options.settings.sourceAccess?.[0] ?? '').replace(/^BASIC_AUTH=/, '');
  return planKeyedMapping(ctx, {
    type: 'documentdb',
    keys: DOCUMENTDB_SETTING_KEYS,
    defaults: DOCUMENTDB_DEFAULTS,
    createOnlyNote: 'StartingPosition, StartingPositionTimestamp, the database or the collection',
    sourceKey: cluster.arn,
    sourceName: cluster.name,
    fn,
    readers: readers.filter((m) => m.DocumentDBEventSourceConfig?.DatabaseName === database && (m.DocumentDBEventSourceConfig?.CollectionName ?? '') === collection),
    asked: options.settings,
    options,
    retry: [executionRoleRetry(documentDbRoleHint(cluster, fn, secret))],
    ...(cluster.region ? { region: cluster.region } : {}),
    warnings,
  });
}

/** How `remove documentdb` named its source: a cluster, optionally a database and collection. */
export interface DocSourceRef {
  cluster: DocClusterRef;
  database?: string;
  collection?: string;
}

/** A DocumentDB mapping as `add documentdb` flags: the cluster by name where that resolves, database, collection, secret. */
export const documentdbFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const gone = scope.findings.some((f) => f.code === 'source-missing');
    const s = view.settings as Record<string, unknown>;
    const name = /^cluster:(.+)$/.exec(parseArn(view.sourceArn)?.resource ?? '')?.[1] ?? '';
    return {
      source: gone ? view.sourceArn : nameOrArn(view.sourceArn, name, scope),
      flags: {
        database: s.database,
        ...(s.collection ? { collection: s.collection } : {}),
        ...(s.fullDocument && s.fullDocument !== 'Default' ? { fullDocument: s.fullDocument } : {}),
        ...mappingFlags(view, DOCUMENTDB_DEFAULTS, scope),
        ...accessFlags(view, 'secret'),
      },
    };
  },
  // Lambda does not filter DocumentDB events nor take partial batch responses: only the switches it has.
  defaults: [
    ...mappingDefaults({ batchSize: 100, batchingWindow: 0 }, false).filter((d) => !/filter|reportBatchItemFailures/i.test(Object.keys(d.flags).join())),
    { unless: ['fullDocument'], flags: { fullDocument: 'Default' } },
  ],
};

/** The Amazon DocumentDB trigger type. */
export const documentdbType: TriggerType<DocumentDbOptions, DocSourceRef> = {
  spec: documentdbSpec,
  file: documentdbFile,
  parseAddOptions: (raw) => parseDocumentDbOptions(raw),
  planAdd,
  ...mappingLifecycle<DocSourceRef>({
    type: 'documentdb',
    settingKeys: DOCUMENTDB_SETTING_KEYS,
    ownsSourceArn: documentdbTypeSpec.ownsSourceArn,
    checkSources: checkByReadOrListing(
      'DocumentDB cluster',
      ['DBClusterNotFoundFault'],
      (scan, sourceArn) => scan.aws.call('docdb', 'DescribeDBClusters', { DBClusterIdentifier: sourceArn }, { region: parseArn(sourceArn)?.region || undefined }),
      (scan) =>
        scan.aws
          .paginate<DbCluster>('docdb', 'DescribeDBClusters', { Filters: [{ Name: 'engine', Values: ['docdb'] }] }, { inputToken: 'Marker', outputToken: 'Marker', items: 'DBClusters' })
          .then((list) => new Set(list.map((c) => sourceNameOfArn(c.DBClusterArn ?? '')))),
    ),
    parseRemoveSource: (source, raw = {}) => {
      const out: DocSourceRef = { cluster: parseDocClusterRef(source) };
      if (raw.database !== undefined) out.database = parseDatabase('--database', raw.database);
      if (raw.collection !== undefined) {
        if (raw.database === undefined) throw new UsageError('--collection needs --database: a collection is named within its database');
        out.collection = parseCollection('--collection', raw.collection);
      }
      return out;
    },
    // A cluster ARN is built from the name (DocumentDB ARNs hold it): a deleted cluster's mappings can be removed.
    matcher: async (_aws, ref, fn) => {
      const arn = ref.cluster.kind === 'arn' ? ref.cluster.arn : `arn:${partitionOf(fn.region)}:rds:${fn.region}:${fn.account}:cluster:${ref.cluster.name}`;
      const ofDb = (m?: { DocumentDBEventSourceConfig?: { DatabaseName?: string; CollectionName?: string } }) =>
        (ref.database === undefined || m?.DocumentDBEventSourceConfig?.DatabaseName === ref.database) &&
        (ref.collection === undefined || m?.DocumentDBEventSourceConfig?.CollectionName === ref.collection);
      const name = [ref.cluster.name, ref.database, ref.collection].filter(Boolean).join('/');
      return { arn, name, matches: (s, m) => s === arn && ofDb(m) };
    },
  }),
};

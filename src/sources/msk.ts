import { listMappingsForSource, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { isAwsError } from '../aws/errors.js';
import type { AwsSession } from '../aws/session.js';
import { ACCOUNT, parseArn, partitionOf } from '../core/arn.js';
import { NotFoundError, PreconditionError, UsageError } from '../core/errors.js';
import { checkByReadOrListing } from '../mechanisms/esm/inventory.js';
import {
  KAFKA_SETTING_KEYS,
  parseKafkaOptions,
  planKafkaMapping,
  removeTopic,
  topicOnly,
  resolveKafkaDestination,
  secretActions,
  type KafkaOptions,
} from '../mechanisms/esm/kafka.js';
import { mappingLifecycle, namedSourceMatcher } from '../mechanisms/esm/lifecycle.js';
import { executionRoleRetry } from '../mechanisms/esm/settings.js';
import { parseAuth } from '../mechanisms/esm/source-access.js';
import { sourceNameOfArn } from '../inventory/model.js';
import type { AddPlan, AdapterContext, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { kafkaDefaults, kafkaEntryFlags } from '../mechanisms/esm/entry.js';
import { nameOrArn } from './entry.js';
import { mskSpec } from './msk/spec.js';
import { mskTypeSpec } from './registry.js';

export { mskSpec } from './msk/spec.js';


/** Validated options of `add msk`. */
export type MskOptions = KafkaOptions;

/** Validates the raw flags of `add msk` (pure: no AWS). */
export function parseMskOptions(raw: Record<string, unknown>, now: Date = new Date()): MskOptions {
  const options = parseKafkaOptions('msk', raw, now);
  if (raw.auth !== undefined) options.settings.sourceAccess = [parseAuth(raw.auth, ['sasl-scram-512', 'client-cert'], 'MSK')];
  return options;
}

// MSK cluster names: 1-64 letters, digits and hyphens, starting with a letter (CreateCluster ClusterName).
const CLUSTER_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,63}$/;

/** How the user named a cluster, normalised. */
export type ClusterRef = { kind: 'name'; name: string } | { kind: 'arn'; name: string; arn: string; region: string; account: string };

/** Parses an MSK cluster name or ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>). */
export function parseClusterRef(value: string, label = '<cluster>'): ClusterRef {
  const arn = parseArn(value);
  if (arn) {
    const m = /^cluster\/([^/]+)\/[A-Za-z0-9-]+$/.exec(arn.resource);
    const name = m?.[1];
    if (arn.service !== 'kafka' || !m || !name || !CLUSTER_NAME.test(name) || !arn.region || !ACCOUNT.test(arn.account)) {
      throw new UsageError(`${label}: ${JSON.stringify(value)} is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`);
    }
    return { kind: 'arn', name, arn: value, region: arn.region, account: arn.account };
  }
  if (!CLUSTER_NAME.test(value)) {
    throw new UsageError(`${label}: ${JSON.stringify(value)} is not an MSK cluster name or ARN (names are 1-64 letters, digits and -, starting with a letter)`);
  }
  return { kind: 'name', name: value };
}

/** A cluster as evsrc needs it. */
export interface ResolvedCluster {
  name: string;
  arn: string;
  region: string;
  state: string;
}

type ClusterInfo = { ClusterArn?: string; ClusterName?: string; State?: string };

function missingCluster(name: string, region: string): NotFoundError {
  return new NotFoundError(`MSK cluster ${name} does not exist in ${region}`, {
    awsErrorName: 'NotFoundException',
    hint: 'check the cluster name and --region (aws kafka list-clusters-v2 lists the clusters of a region)',
  });
}

/** Resolves a cluster: DescribeClusterV2 by ARN, or ListClustersV2 by name (an exact match). Missing is exit 3. */
export async function resolveCluster(aws: AwsSession, ref: ClusterRef): Promise<ResolvedCluster> {
  if (ref.kind === 'arn') {
    try {
      const out = await aws.call<{ ClusterInfo?: ClusterInfo }>('kafka', 'DescribeClusterV2', { ClusterArn: ref.arn }, { region: ref.region });
      return { name: out.ClusterInfo?.ClusterName ?? ref.name, arn: out.ClusterInfo?.ClusterArn ?? ref.arn, region: ref.region, state: out.ClusterInfo?.State ?? 'ACTIVE' };
    } catch (error) {
      if (isAwsError(error, 'NotFoundException')) throw missingCluster(ref.name, ref.region);
      throw error;
    }
  }
  const list = await aws.paginate<ClusterInfo>('kafka', 'ListClustersV2', { ClusterNameFilter: ref.name }, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'ClusterInfoList' });
  const found = list.find((c) => c.ClusterName === ref.name);
  const region = await aws.region();
  if (!found?.ClusterArn) throw missingCluster(ref.name, region);
  return { name: ref.name, arn: found.ClusterArn, region: found.ClusterArn.split(':')[3] ?? region, state: found.State ?? 'ACTIVE' };
}

/** The IAM the execution role needs (AWSLambdaMSKExecutionRole, the secret, the destination). */
export function mskRoleHint(cluster: ResolvedCluster, fn: Pick<ResolvedFunction, 'role'>, access: readonly string[], destinationActions?: string): string {
  return (
    `the execution role ${fn.role ?? 'of the function'} needs kafka:DescribeClusterV2 and kafka:GetBootstrapBrokers on ${cluster.arn}, ` +
    'ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface, ec2:DescribeVpcs, ec2:DescribeSubnets and ec2:DescribeSecurityGroups' +
    (access.length === 0 ? ', and with IAM access control kafka-cluster:Connect, kafka-cluster:DescribeGroup, kafka-cluster:AlterGroup, kafka-cluster:DescribeTopic and kafka-cluster:ReadData' : '') +
    secretActions(access) +
    (destinationActions ? `, and ${destinationActions}` : '') +
    '; the AWS managed policy AWSLambdaMSKExecutionRole grants the cluster and network actions'
  );
}

/** States in which a cluster will never serve a mapping. */
const DEAD_STATES = new Set(['DELETING', 'FAILED']);

async function planAdd(ctx: AdapterContext, request: AddRequest<MskOptions>): Promise<AddPlan> {
  const ref = parseClusterRef(request.source);
  const { options } = request;
  const clusterP = resolveCluster(ctx.aws, ref);
  const fnP = resolveFunction(ctx.aws, request.fn);
  const readersP = (ref.kind === 'arn' ? Promise.resolve(ref) : clusterP).then((c) => listMappingsForSource(ctx.aws, c.arn, c.region || undefined));
  const destinationP = options.onFailure ? fnP.then((fn) => resolveKafkaDestination(ctx.aws, options.onFailure!, fn)) : Promise.resolve(undefined);
  const [cluster, fn, readers, destination] = await Promise.all([clusterP, fnP, readersP, destinationP]);
  if (fn.region && cluster.region && fn.region !== cluster.region) {
    throw new PreconditionError(`cluster ${cluster.arn} is in ${cluster.region} but function ${fn.arn} is in ${fn.region}; Lambda reads MSK clusters of its own region only`);
  }
  // The flags' own warnings (options.warnings) are added by tagStreamPlan, with every mapping type's.
  const warnings: string[] = [];
  if (DEAD_STATES.has(cluster.state)) {
    throw new PreconditionError(`MSK cluster ${cluster.name} is ${cluster.state}`, { hint: 'name a cluster that is ACTIVE (aws kafka list-clusters-v2 lists them)' });
  }
  if (cluster.state !== 'ACTIVE') warnings.push(`MSK cluster ${cluster.name} is ${cluster.state}, not ACTIVE: the mapping is made, and starts reading once the cluster is ready`);
  const asked = { ...options.settings };
  if (destination) asked.onFailure = destination.uri;
  const topic = asked.topic;
  const access = asked.sourceAccess ?? [];
  return planKafkaMapping(ctx, {
    kind: 'msk',
    sourceKey: cluster.arn,
    sourceName: cluster.name,
    fn,
    readers: readers.filter((m) => m.Topics?.includes(topic ?? '')),
    asked,
    options,
    retry: [executionRoleRetry(mskRoleHint(cluster, fn, access, destination?.actions))],
    ...(cluster.region ? { region: cluster.region } : {}),
    warnings,
  });
}

/** How `remove msk` named its source: a cluster, and optionally one topic. */
export interface MskSourceRef {
  cluster: ClusterRef;
  topic?: string;
}

/**
 * An MSK mapping as `add msk` flags: the cluster by name in the export's account and region (by ARN when
 * elsewhere or gone), the topic, the consumer group and the authentication secret.
 */
export const mskFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    const gone = scope.findings.some((f) => f.code === 'source-missing');
    return {
      source: gone ? view.sourceArn : nameOrArn(view.sourceArn, /^cluster\/([^/]+)\//.exec(parseArn(view.sourceArn)?.resource ?? '')?.[1] ?? '', scope),
      flags: kafkaEntryFlags(view, scope),
    };
  },
  defaults: kafkaDefaults(),
};

/** The Amazon MSK trigger type. */
export const mskType: TriggerType<MskOptions, MskSourceRef> = {
  spec: mskSpec,
  file: mskFile,
  parseAddOptions: (raw) => parseMskOptions(raw),
  planAdd,
  ...mappingLifecycle<MskSourceRef>({
    type: 'msk',
    settingKeys: KAFKA_SETTING_KEYS,
    ownsSourceArn: mskTypeSpec.ownsSourceArn,
    // One DescribeClusterV2 per cluster for a function; one ListClustersV2 for the region.
    checkSources: checkByReadOrListing(
      'MSK cluster',
      ['NotFoundException'],
      (scan, sourceArn) => scan.aws.call('kafka', 'DescribeClusterV2', { ClusterArn: sourceArn }, { region: parseArn(sourceArn)?.region || undefined }),
      (scan) =>
        scan.aws
          .paginate<ClusterInfo>('kafka', 'ListClustersV2', {}, { inputToken: 'NextToken', outputToken: 'NextToken', items: 'ClusterInfoList' })
          // By the name the cluster's ARN holds, as the mapping's ARN is read (the same form on both sides).
          .then((list) => new Set(list.map((c) => sourceNameOfArn(c.ClusterArn ?? '')))),
    ),
    parseRemoveSource: (source, raw = {}) => ({ cluster: parseClusterRef(source), ...removeTopic(raw) }),
    // By name: the cluster's ARN (ListClustersV2), or for a deleted cluster any ARN of that name.
    matcher: (aws, ref, fn) =>
      namedSourceMatcher({
        ...(ref.cluster.kind === 'arn' ? { arn: ref.cluster.arn } : {}),
        name: ref.cluster.name,
        resolve: async () => (await resolveCluster(aws, ref.cluster)).arn,
        prefix: `arn:${partitionOf(fn.region)}:kafka:${fn.region}:${fn.account}:cluster/${ref.cluster.name}/`,
        ...topicOnly(ref.topic),
      }),
  }),
};

import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { listMappingsForFunction, resolveFunction, type ResolvedFunction } from '../aws/lambda.js';
import { UsageError } from '../core/errors.js';
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
import { mappingLifecycle } from '../mechanisms/esm/lifecycle.js';
import { executionRoleRetry, SELF_MANAGED_KAFKA_PREFIX, sourceKeyOf } from '../mechanisms/esm/settings.js';
import { checkAccessCount, parseAuth, parseSecretArn, parseVpc } from '../mechanisms/esm/source-access.js';
import type { AddPlan, AdapterContext, AddRequest, ExportScope, FileTraits, TriggerType, TriggerView } from './contract.js';
import { kafkaDefaults, kafkaEntryFlags } from '../mechanisms/esm/entry.js';
import { kafkaSpec } from './kafka/spec.js';
import { kafkaTypeSpec } from './registry.js';

export { kafkaSpec } from './kafka/spec.js';

// Self-managed Apache Kafka: the mapping has no EventSourceArn. It is keyed by its bootstrap servers
// (SelfManagedEventSource) and its topic; evsrc shows and matches it by `kafka-bootstrap-servers:<servers>`.


// host:port, the host a DNS name or an IPv4 address, the port 1-65535.
const SERVER = /^(?=.{1,253}:)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*:(\d{1,5})$/;

/** Parses a comma-separated list of bootstrap servers (host:port), sorted without repeats; `label` names it in errors. */
export function parseServers(value: string, label = '<bootstrap-servers>'): string[] {
  const list = value.split(',').map((s) => s.trim());
  const allowed = 'allowed: host:port, comma-separated (e.g. b-1.example.com:9092,b-2.example.com:9092)';
  if (list.length === 0 || list.some((s) => s === '')) throw new UsageError(`${label}: ${JSON.stringify(value)}: ${allowed}`);
  for (const server of list) {
    const m = SERVER.exec(server);
    const port = Number(m?.[4]);
    if (!m || port < 1 || port > 65535) throw new UsageError(`${label}: ${JSON.stringify(server)} is not a bootstrap server; ${allowed}`);
  }
  return [...new Set(list)].sort();
}

/** Validated options of `add kafka`. */
export type SelfManagedKafkaOptions = KafkaOptions;

/** Validates the raw flags of `add kafka` (pure: no AWS). */
export function parseSelfManagedOptions(raw: Record<string, unknown>, now: Date = new Date()): SelfManagedKafkaOptions {
  const options = parseKafkaOptions('kafka', raw, now);
  const access: string[] = [];
  if (raw.auth !== undefined) access.push(parseAuth(raw.auth, ['basic', 'sasl-scram-256', 'sasl-scram-512', 'client-cert'], 'self-managed Kafka'));
  if (raw.rootCa !== undefined) access.push(`SERVER_ROOT_CA_CERTIFICATE=${parseSecretArn('--root-ca', raw.rootCa)}`);
  const vpc = parseVpc(raw.subnet, raw.securityGroup);
  access.push(...vpc);
  checkAccessCount(access, '--auth, --root-ca, --subnet and --security-group');
  if (access.length > 0) options.settings.sourceAccess = access.sort();
  if (raw.auth === undefined && vpc.length === 0) {
    (options.warnings ??= []).push('no --auth and no VPC (--subnet/--security-group): Lambda connects to the brokers over the internet without authentication');
  }
  return options;
}

/** The source key of a cluster given by its servers. */
export function kafkaSourceKey(servers: readonly string[]): string {
  return `${SELF_MANAGED_KAFKA_PREFIX}${[...servers].sort().join(',')}`;
}

/** The servers of a source key. */
function serversOfKey(key: string): string[] {
  return key.startsWith(SELF_MANAGED_KAFKA_PREFIX) ? key.slice(SELF_MANAGED_KAFKA_PREFIX.length).split(',') : [];
}

/** The same cluster: any bootstrap server in common (a cluster's list of servers may change). */
function sameCluster(a: readonly string[], b: readonly string[]): boolean {
  return a.some((s) => b.includes(s));
}

/** The IAM the execution role needs for a self-managed cluster (the secrets, the VPC, the destination). */
export function selfManagedRoleHint(fn: Pick<ResolvedFunction, 'role'>, access: readonly string[], destinationActions?: string): string {
  const vpc = access.some((a) => a.startsWith('VPC_'));
  const needs = [
    secretActions(access).replace(/^, /, ''),
    vpc ? 'ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface, ec2:DescribeVpcs, ec2:DescribeSubnets and ec2:DescribeSecurityGroups' : '',
    destinationActions ?? '',
  ].filter(Boolean);
  return `the execution role ${fn.role ?? 'of the function'} needs ${needs.length ? needs.join(', and ') : 'no extra permission for the brokers'}; see the Lambda developer guide, self-managed Apache Kafka execution role permissions`;
}

/** A self-managed create has no EventSourceArn, and its consumer group goes in SelfManagedKafkaEventSourceConfig. */
function selfManagedCreate(input: Record<string, unknown>): Record<string, unknown> {
  const { EventSourceArn: _none, AmazonManagedKafkaEventSourceConfig: group, ...rest } = input;
  return group ? { ...rest, SelfManagedKafkaEventSourceConfig: group } : rest;
}

async function planAdd(ctx: AdapterContext, request: AddRequest<SelfManagedKafkaOptions>): Promise<AddPlan> {
  const servers = parseServers(request.source);
  const { options } = request;
  const fn = await resolveFunction(ctx.aws, request.fn);
  // No ARN to list by: the function's own mappings of the same topic on a cluster sharing a server.
  const [mappings, destination] = await Promise.all([
    listMappingsForFunction(ctx.aws, fn),
    options.onFailure ? resolveKafkaDestination(ctx.aws, options.onFailure, fn) : Promise.resolve(undefined),
  ]);
  const topic = options.settings.topic ?? '';
  const readers = mappings.filter((m: EventSourceMappingConfiguration) => {
    const key = sourceKeyOf(m);
    return key.startsWith(SELF_MANAGED_KAFKA_PREFIX) && sameCluster(serversOfKey(key), servers) && Boolean(m.Topics?.includes(topic));
  });
  const asked = { ...options.settings, bootstrapServers: servers };
  if (destination) asked.onFailure = destination.uri;
  // A mapping found with another list of servers differs in SelfManagedEventSource: the create-only rule decides.
  return planKafkaMapping(ctx, {
    kind: 'kafka',
    sourceKey: kafkaSourceKey(servers),
    sourceName: servers.join(','),
    fn,
    readers,
    asked,
    options,
    retry: [executionRoleRetry(selfManagedRoleHint(fn, asked.sourceAccess ?? [], destination?.actions))],
    ...(fn.region ? { region: fn.region } : {}),
    // The flags' own warnings are added by tagStreamPlan, with every mapping type's.
    warnings: [],
    rewriteCreate: selfManagedCreate,
  });
}

/** How `remove kafka` named its source: the servers, and optionally one topic. */
export interface KafkaSourceRef {
  servers: string[];
  topic?: string;
}

/** A self-managed Kafka mapping as `add kafka` flags: its servers, topic, consumer group, secrets and VPC. */
export const kafkaFile: FileTraits = {
  toEntry: (view: TriggerView, scope: ExportScope) => {
    return {
      source: serversOfKey(view.sourceArn).join(','),
      flags: kafkaEntryFlags(view, scope),
    };
  },
  defaults: kafkaDefaults(),
};

/** The self-managed Apache Kafka trigger type. */
export const kafkaType: TriggerType<SelfManagedKafkaOptions, KafkaSourceRef> = {
  spec: kafkaSpec,
  file: kafkaFile,
  parseAddOptions: (raw) => parseSelfManagedOptions(raw),
  planAdd,
  ...mappingLifecycle<KafkaSourceRef>({
    type: 'kafka',
    settingKeys: KAFKA_SETTING_KEYS,
    ownsSourceArn: kafkaTypeSpec.ownsSourceArn,
    // A self-managed cluster is outside AWS: evsrc has nothing to read it with.
    checkSources: async () => [],
    parseRemoveSource: (source, raw = {}) => ({ servers: parseServers(source), ...removeTopic(raw) }),
    matcher: async (_aws, ref) => {
      const only = topicOnly(ref.topic).only;
      return {
        arn: kafkaSourceKey(ref.servers),
        name: only ? `${ref.servers.join(',')} (${only.label})` : ref.servers.join(','),
        matches: (key, m) => key.startsWith(SELF_MANAGED_KAFKA_PREFIX) && sameCluster(serversOfKey(key), ref.servers) && (only?.matches(m) ?? true),
      };
    },
  }),
};

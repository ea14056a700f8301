/**
 * SourceAccessConfigurations of Kafka and Amazon MQ mappings: the Secrets Manager secrets that authenticate
 * to the brokers, the VPC a self-managed cluster is reached through, and their checks. Lambda takes secrets
 * by ARN only and at most 22 entries (Lambda API 2015-03-31, SourceAccessConfigurations).
 */
import { UsageError, invalidFlag } from '../../core/errors.js';

/** At most this many SourceAccessConfigurations on one mapping. */
export const MAX_SOURCE_ACCESS = 22;

// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters AWS adds>. Secret names take
// letters, digits and /_+=.@- (Secrets Manager CreateSecret), up to 512 characters.
const SECRET_ARN = /^arn:aws[a-zA-Z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Checks a Secrets Manager secret ARN given to `flag`; names are refused with how to get the ARN. */
export function parseSecretArn(flag: string, value: unknown): string {
  const text = String(value ?? '').trim();
  if (SECRET_ARN.test(text)) return text;
  const how = 'Lambda takes the secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>); aws secretsmanager describe-secret --secret-id <name> --query ARN prints it';
  if (/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(text)) throw invalidFlag(flag, value, `a secret name is not accepted: ${how}`);
  throw invalidFlag(flag, value, `not a Secrets Manager secret ARN; ${how}`);
}

/** The authentication methods of `--auth <method>=<secret-arn>`, by the SourceAccessConfiguration Type each gives. */
export const AUTH_METHODS = {
  basic: 'BASIC_AUTH',
  'sasl-scram-256': 'SASL_SCRAM_256_AUTH',
  'sasl-scram-512': 'SASL_SCRAM_512_AUTH',
  'client-cert': 'CLIENT_CERTIFICATE_TLS_AUTH',
} as const;

export type AuthMethod = keyof typeof AUTH_METHODS;

/** Parses `--auth <method>=<secret-arn>` for a source that takes `methods`; returns the `TYPE=URI` entry. */
export function parseAuth(value: unknown, methods: readonly AuthMethod[], source: string): string {
  if (Array.isArray(value)) {
    if (value.length > 1) throw invalidFlag('--auth', value.join(' '), `give one authentication method; Lambda authenticates a ${source} mapping one way`);
    value = value[0];
  }
  const text = String(value ?? '').trim();
  const at = text.indexOf('=');
  const allowed = `allowed: ${methods.map((m) => `${m}=<secret-arn>`).join(', ')}`;
  if (at <= 0) throw invalidFlag('--auth', value, allowed);
  const method = text.slice(0, at).toLowerCase();
  if (!(methods as readonly string[]).includes(method)) {
    throw invalidFlag('--auth', value, `${JSON.stringify(text.slice(0, at))} is not an authentication method of a ${source} mapping; ${allowed}`);
  }
  return `${AUTH_METHODS[method as AuthMethod]}=${parseSecretArn('--auth', text.slice(at + 1))}`;
}

// VPC subnet and security group ids: subnet-<8 or 17 hex digits>, sg-<8 or 17 hex digits>.
const SUBNET = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Parses repeatable `--subnet` and `--security-group` (each also comma-separated); both or neither. */
export function parseVpc(subnets: unknown, groups: unknown): string[] {
  const list = (v: unknown) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()));
  const s = list(subnets);
  const g = list(groups);
  for (const id of s) if (!SUBNET.test(id)) throw invalidFlag('--subnet', id, 'allowed: a subnet id, subnet-<8 or 17 hex digits> (repeatable)');
  for (const id of g) if (!SECURITY_GROUP.test(id)) throw invalidFlag('--security-group', id, 'allowed: a security group id, sg-<8 or 17 hex digits> (repeatable)');
  if (s.length > 0 && g.length === 0) throw new UsageError('--subnet needs --security-group: Lambda reaches a cluster in a VPC through both (VPC_SUBNET and VPC_SECURITY_GROUP)');
  if (g.length > 0 && s.length === 0) throw new UsageError('--security-group needs --subnet: Lambda reaches a cluster in a VPC through both (VPC_SUBNET and VPC_SECURITY_GROUP)');
  return [...new Set(s)].map((id) => `VPC_SUBNET=subnet:${id}`).concat([...new Set(g)].map((id) => `VPC_SECURITY_GROUP=security_group:${id}`));
}

/** Refuses more entries than a mapping holds, naming the flags that give them. */
export function checkAccessCount(entries: readonly string[], flags: string): void {
  if (entries.length > MAX_SOURCE_ACCESS) {
    throw new UsageError(`${flags}: ${entries.length} source access entries; a mapping takes at most ${MAX_SOURCE_ACCESS} (Lambda SourceAccessConfigurations)`);
  }
}

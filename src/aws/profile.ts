import { parseEndpointUrl } from '../core/url.js';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

type Sections = Record<string, Record<string, string | undefined> | undefined>;

/** The shared config and credentials files, read once per command. */
export interface SharedFiles {
  configPath: string;
  credentialsPath: string;
  config: Sections;
  credentials: Sections;
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** Reads the shared files where the SDK reads them: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws. */
export async function readSharedFiles(env: NodeJS.ProcessEnv): Promise<SharedFiles> {
  const configPath = env.AWS_CONFIG_FILE || path.join(homeDir(env), '.aws', 'config');
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || path.join(homeDir(env), '.aws', 'credentials');
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({ configFilepath: configPath, filepath: credentialsPath, ignoreCache: true });
  return {
    configPath,
    credentialsPath,
    config: files.configFile as Sections,
    credentials: files.credentialsFile as Sections,
  };
}

// The config file's other kinds of section come back as "kind.name"; they are not profiles.
const NOT_PROFILES = /^(sso-session|services)\./;

/** The profile names the two files define, sorted. */
export function profileNames(files: SharedFiles): string[] {
  const names = new Set<string>();
  for (const name of [...Object.keys(files.config), ...Object.keys(files.credentials)]) {
    if (!NOT_PROFILES.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** The settings of one profile (credentials file values win, as in the SDK). */
export function profileSettings(files: SharedFiles, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const section of [files.config[name], files.credentials[name]]) {
    for (const [k, v] of Object.entries(section ?? {})) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/**
 * Refuses a profile that neither file defines, naming where the name came from and the profiles that
 * exist (the SDK would fail later with "Could not resolve credentials using profile").
 */
export function checkProfile(files: SharedFiles, name: string, source: string): void {
  if (files.config[name] || files.credentials[name]) return;
  const known = profileNames(files);
  throw new UsageError(
    `profile "${name}" (${source}) is not in the AWS config file (${files.configPath}) or credentials file (${files.credentialsPath})`,
    { hint: known.length > 0 ? `profiles there: ${known.join(', ')}` : 'neither file defines any profile; run `aws configure --profile NAME` or set AWS_CONFIG_FILE' },
  );
}

/**
 * The endpoint the environment or the profile sets for one service, in the SDK's order:
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section, its endpoint_url;
 * none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls is true.
 * `service` is the SDK's service id in lower case with "_" for spaces (lambda, sqs, s3, dynamodb...).
 */
export function configuredEndpoint(files: SharedFiles, profile: Record<string, string>, service: string, env: NodeJS.ProcessEnv): string | undefined {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? profile.ignore_configured_endpoint_urls;
  if (ignore?.toLowerCase() === 'true') return undefined;
  const id = SDK_SERVICE_ID[service] ?? service;
  const fromEnv = env[`AWS_ENDPOINT_URL_${id.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (fromEnv) return fromEnv;
  const services = profile.services ? files.config[`services.${profile.services}`] : undefined;
  return services?.[`${id}.endpoint_url`] || profile.endpoint_url || undefined;
}

// The SDK's service ids (in AWS_ENDPOINT_URL_<ID> and a services section) where they differ from evsrc's client names.
const SDK_SERVICE_ID: Record<string, string> = { events: 'eventbridge', logs: 'cloudwatch_logs' };

/**
 * Every endpoint the environment or the profile configures must be an http(s) URL: a wrong one is a usage
 * error naming where it was set (exit 2), not a failed call later.
 */
export function checkConfiguredEndpoints(files: SharedFiles, profile: Record<string, string>, profileName: string, env: NodeJS.ProcessEnv): void {
  for (const [key, value] of Object.entries(env)) {
    if (/^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(key) && value) parseEndpointUrl(key, value);
  }
  if (profile.endpoint_url) parseEndpointUrl(`endpoint_url of profile ${profileName}`, profile.endpoint_url);
  const services = profile.services ? files.config[`services.${profile.services}`] : undefined;
  for (const [key, value] of Object.entries(services ?? {})) {
    if (key.endsWith('.endpoint_url') && value) parseEndpointUrl(`${key} of services ${profile.services}`, value);
  }
}

import { invalidFlag } from './errors.js';

/**
 * Checks an endpoint URL given by `source` (a flag, an environment variable, a profile setting): an http://
 * or https:// URL with a host. Anything else is a usage error naming the source, before any AWS call.
 */
export function parseEndpointUrl(source: string, value: string): string {
  const allowed = 'allowed: an http:// or https:// URL such as http://localhost:4566';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidFlag(source, value, allowed);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw invalidFlag(source, value, allowed);
  return value;
}

/** Region names: two letters, one or more words, a number (us-east-1, us-gov-west-1, eu-isoe-west-1). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Checks a region named by `source` (--region, AWS_REGION, a profile's region); a usage error otherwise. */
export function parseRegion(source: string, value: string): string {
  if (!REGION.test(value)) throw invalidFlag(source, value, 'a region name such as us-east-1 or eu-west-2');
  return value;
}

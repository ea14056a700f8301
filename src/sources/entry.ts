import { parseArn } from '../core/arn.js';
import type { ExportScope } from './contract.js';

// Helpers the trigger types share to write a trigger as `add` flags (see FileTraits in contract.ts).

/** True when an ARN lies in the export's account and region, so its plain name resolves to it again. */
export function isLocal(arn: string, scope: Pick<ExportScope, 'account' | 'region'>): boolean {
  const parsed = parseArn(arn);
  return Boolean(parsed && scope.account && parsed.account === scope.account && parsed.region === scope.region);
}

/** The name when the ARN is in the export's account and region, else the ARN. */
export function nameOrArn(arn: string, name: string, scope: Pick<ExportScope, 'account' | 'region'>): string {
  return name && isLocal(arn, scope) ? name : arn;
}

/** JSON text as its value (an object reads better in YAML than escaped text); other text as it is. */
export function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The flags with the undefined ones dropped. */
export function definedFlags(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

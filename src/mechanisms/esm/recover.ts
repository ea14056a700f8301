import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { shouldReadBack } from '../../aws/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action } from '../../core/plan.js';
import { diffMapping, ESM_FIELDS, readSettings, type EsmSettings } from './settings.js';

// CreateEventSourceMapping whose outcome is unknown (a lost answer, then "already exists" on the SDK's
// retry), or that lost a race with another run (AWS: 409 ResourceConflictException): the mapping for this
// function and source is there. It is adopted when its settings are the asked ones.

/** The settings a CreateEventSourceMapping input asks for, by evsrc's names (only the fields it sets). */
export function askedSettings(input: Record<string, unknown>): EsmSettings {
  const pseudo = { ...input, ...(input.Enabled === false ? { State: 'Disabled' } : {}) } as EventSourceMappingConfiguration;
  const keys = ESM_FIELDS.filter((f) => Object.keys(f.write(f.key === 'filters' ? ['{}'] : 1)).some((k) => input[k] !== undefined)).map((f) => f.key);
  return readSettings(pseudo, keys);
}

/** True when a mapping reads the source for the function named in the input (name, ARN, or qualified ARN). */
function sameTarget(mapping: EventSourceMappingConfiguration, input: Record<string, unknown>): boolean {
  if (mapping.EventSourceArn !== input.EventSourceArn) return false;
  const asked = String(input.FunctionName ?? '');
  const have = mapping.FunctionArn ?? '';
  return have === asked || have.endsWith(`:function:${asked}`);
}

/** Reads back the mapping of the input's function and source; returns it when its settings are the asked ones. */
export async function findCreatedMapping(call: CallApi, input: Record<string, unknown>, region?: string): Promise<EventSourceMappingConfiguration | undefined> {
  const out = (await call('lambda:ListEventSourceMappings', { FunctionName: input.FunctionName, EventSourceArn: input.EventSourceArn }, region)) as {
    EventSourceMappings?: EventSourceMappingConfiguration[];
  };
  const asked = askedSettings(input);
  return (out.EventSourceMappings ?? []).find((m) => {
    if (!sameTarget(m, input)) return false;
    const { changes, immutable } = diffMapping(m, asked);
    return changes.length === 0 && immutable.length === 0;
  });
}

/** Gives every CreateEventSourceMapping without a read-back of its own the shared one. */
export function withMappingReadBack(actions: readonly Action[], call: CallApi): void {
  for (const action of actions) {
    if (action.api !== 'lambda:CreateEventSourceMapping' || action.recover) continue;
    action.recover = async (error, input) => {
      if (!shouldReadBack(error)) return undefined;
      return findCreatedMapping(call, input ?? action.input, action.region);
    };
  }
}

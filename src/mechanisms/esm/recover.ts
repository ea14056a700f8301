import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { isAlreadyExists, shouldReadBack } from '../../aws/errors.js';
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

/**
 * Waits before reading back again when "already exists" came back but the mapping is not seen yet: a
 * create that raced ours may be answered before the mapping it stored shows in ListEventSourceMappings.
 * Only that failure path pays them.
 */
export const READ_BACK_DELAYS_MS = [250, 750];

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Gives every CreateEventSourceMapping without a read-back of its own the shared one. */
export function withMappingReadBack(actions: readonly Action[], call: CallApi, sleep: (ms: number) => Promise<void> = realSleep): void {
  for (const action of actions) {
    if (action.api !== 'lambda:CreateEventSourceMapping' || action.recover) continue;
    action.recover = async (error, input) => {
      if (!shouldReadBack(error)) return undefined;
      const asked = input ?? action.input;
      let found = await findCreatedMapping(call, asked, action.region);
      // "Already exists": the mapping is there or about to show; any other unknown outcome is read once.
      for (const delay of isAlreadyExists(error) ? READ_BACK_DELAYS_MS : []) {
        if (found) break;
        await sleep(delay);
        found = await findCreatedMapping(call, asked, action.region);
      }
      return found;
    };
  }
}

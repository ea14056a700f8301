import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { isAlreadyExists, isAwsError, shouldReadBack } from '../../aws/errors.js';
import { PreconditionError } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action } from '../../core/plan.js';
import { diffMapping, ESM_FIELDS, readSettings, settingsToInput, type EsmSettings } from './settings.js';

// CreateEventSourceMapping whose outcome is unknown (a lost answer, then "already exists" on the SDK's
// retry), or that lost a race with another run (AWS: 409 ResourceConflictException): the mapping for this
// function and source is there. It is adopted when its settings are the asked ones; a mapping another run
// made at the same time with other settings is updated to the asked ones, as a re-run would.

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

/** The mappings of the input's function and source, as ListEventSourceMappings gives them now. */
async function mappingsOf(call: CallApi, input: Record<string, unknown>, region?: string): Promise<EventSourceMappingConfiguration[]> {
  const out = (await call('lambda:ListEventSourceMappings', { FunctionName: input.FunctionName, EventSourceArn: input.EventSourceArn }, region)) as {
    EventSourceMappings?: EventSourceMappingConfiguration[];
  };
  return (out.EventSourceMappings ?? []).filter((m) => sameTarget(m, input));
}

/** Reads back the mapping of the input's function and source; returns it when its settings are the asked ones. */
export async function findCreatedMapping(call: CallApi, input: Record<string, unknown>, region?: string): Promise<EventSourceMappingConfiguration | undefined> {
  return (await mappingsOf(call, input, region)).find((m) => isAsked(m, input));
}

/** True when a mapping has every setting the create input asks for. */
function isAsked(mapping: EventSourceMappingConfiguration, input: Record<string, unknown>): boolean {
  const { changes, immutable } = diffMapping(mapping, askedSettings(input));
  return changes.length === 0 && immutable.length === 0;
}

/** Waits between UpdateEventSourceMapping attempts while the other run's new mapping is still Creating (ResourceInUseException). */
export const IN_USE_DELAYS_MS = [500, 1000, 2000, 2000, 2000];

/**
 * After "already exists" with no mapping of the asked settings: another run created the mapping of this
 * function and source at the same time, with other settings. Its fields that can change are updated to the
 * asked ones (what running the command again would do); create-only fields that differ are refused as a
 * re-run would refuse them.
 */
export async function convergeRacedMapping(
  call: CallApi,
  input: Record<string, unknown>,
  other: EventSourceMappingConfiguration,
  region: string | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<EventSourceMappingConfiguration | undefined> {
  const asked = askedSettings(input);
  if (!other.UUID) return undefined;
  const { changes, immutable } = diffMapping(other, asked);
  if (immutable.length > 0) {
    const fields = immutable.map((c) => `${c.field} ${JSON.stringify(c.from)} (asked ${JSON.stringify(c.to)})`).join(', ');
    throw new PreconditionError(
      `another run created the mapping ${other.UUID} of this function and source at the same time, with other settings that cannot change in place: ${fields}`,
      { hint: 'run the command again with --replace to recreate it with the asked settings' },
    );
  }
  if (changes.length === 0) return other;
  const changed = new Set(changes.map((c) => c.field));
  const settings: EsmSettings = {};
  for (const field of ESM_FIELDS) if (changed.has(field.api)) (settings as Record<string, unknown>)[field.key] = asked[field.key];
  const update = { UUID: other.UUID, ...settingsToInput(settings, false) };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await call('lambda:UpdateEventSourceMapping', update, region)) as EventSourceMappingConfiguration;
    } catch (error) {
      const delay = IN_USE_DELAYS_MS[attempt];
      if (!isAwsError(error, 'ResourceInUseException') || delay === undefined) throw error;
      await sleep(delay);
    }
  }
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
      const conflict = isAlreadyExists(error);
      // "Already exists": the mapping is there or about to show; any other unknown outcome is read once.
      for (const delay of [...(conflict ? READ_BACK_DELAYS_MS : []), undefined]) {
        const mappings = await mappingsOf(call, asked, action.region);
        const found = mappings.find((m) => isAsked(m, asked));
        if (found) return found;
        // Another run's mapping, with other settings: converge it as a re-run would.
        if (conflict && mappings.length > 0) return convergeRacedMapping(call, asked, mappings[0] as EventSourceMappingConfiguration, action.region, sleep);
        if (delay === undefined) return undefined;
        await sleep(delay);
      }
      return undefined;
    };
  }
}

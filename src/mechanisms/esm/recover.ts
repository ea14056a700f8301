import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { isAlreadyExists, isAwsError, shouldReadBack, toEvsrcError } from '../../aws/errors.js';
import { AwsFailure, PreconditionError } from '../../core/errors.js';
import type { CallApi } from '../../core/executor.js';
import type { Action } from '../../core/plan.js';
import { ASKED_SETTINGS, diffMapping, ESM_FIELDS, readSettings, settingsToInput, type EsmSettings } from './settings.js';
import { mappingArn } from './tags.js';

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
  const asked = askedSettings(input);
  return (await mappingsOf(call, input, region)).find((m) => isAsked(m, asked));
}

/** True when a mapping has every asked setting. */
function isAsked(mapping: EventSourceMappingConfiguration, asked: EsmSettings): boolean {
  const { changes, immutable } = diffMapping(mapping, asked);
  return changes.length === 0 && immutable.length === 0;
}

/**
 * The create-only settings that tell apart mappings of one function and source (a Kafka topic, an MQ queue,
 * a DocumentDB database and collection, self-managed Kafka's servers): a mapping that differs in one of them
 * is another mapping, not the one this create raced.
 */
const IDENTITY: readonly (keyof EsmSettings)[] = ['topic', 'queue', 'bootstrapServers', 'database', 'collection'];

/** True when a mapping is the one the asked settings name (the same identity settings, where asked). */
function sameIdentity(mapping: EventSourceMappingConfiguration, asked: EsmSettings): boolean {
  const only: EsmSettings = {};
  for (const key of IDENTITY) if (asked[key] !== undefined) (only as Record<string, unknown>)[key] = asked[key];
  return diffMapping(mapping, only).immutable.length === 0;
}

/**
 * Waits before reading back again when "already exists" came back but the mapping is not seen yet: a
 * create that raced ours may be answered before the mapping it stored shows in ListEventSourceMappings.
 * Only that failure path pays them.
 */
export const READ_BACK_DELAYS_MS = [250, 750];

/**
 * Waits between UpdateEventSourceMapping attempts while the other run's new mapping is still Creating
 * (ResourceInUseException): about a minute in all, as the planner's own update retries.
 */
export const IN_USE_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * After "already exists": another run created the mapping of this function and source at the same time,
 * with other settings. The fields that can change are updated to the asked ones, and the asked tags put on
 * it (what running the command again would do); create-only settings that differ are refused as a re-run
 * would refuse them (exit 3).
 */
export async function convergeRacedMapping(
  call: CallApi,
  input: Record<string, unknown>,
  asked: EsmSettings,
  other: EventSourceMappingConfiguration,
  region: string | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<EventSourceMappingConfiguration> {
  const uuid = other.UUID ?? '';
  const { changes, immutable } = diffMapping(other, asked);
  if (immutable.length > 0) {
    const fields = immutable.map((c) => `${c.field} ${JSON.stringify(c.from)} (asked ${JSON.stringify(c.to)})`).join(', ');
    throw new PreconditionError(`another run created the mapping ${uuid} of this function and source at the same time, with settings that cannot change in place: ${fields}`, {
      hint: 'run the command again with --replace to recreate it with the asked settings',
    });
  }
  const failed = (api: string, error: unknown): AwsFailure =>
    new AwsFailure(`${api} of the mapping ${uuid}, which another run created at the same time, failed: ${toEvsrcError(error).message}`, {
      hint: 'run the same command again: it updates that mapping to the asked settings',
      cause: error,
    });
  let result: EventSourceMappingConfiguration = other;
  if (changes.length > 0) {
    const changed = new Set(changes.map((c) => c.field));
    const settings: EsmSettings = {};
    for (const field of ESM_FIELDS) if (changed.has(field.api)) (settings as Record<string, unknown>)[field.key] = asked[field.key];
    const update = { UUID: uuid, ...settingsToInput(settings, false) };
    for (let attempt = 0; ; attempt += 1) {
      try {
        result = (await call('lambda:UpdateEventSourceMapping', update, region)) as EventSourceMappingConfiguration;
        break;
      } catch (error) {
        const delay = IN_USE_DELAYS_MS[attempt];
        if (!isAwsError(error, 'ResourceInUseException') || delay === undefined) throw failed('lambda:UpdateEventSourceMapping', error);
        await sleep(delay);
      }
    }
  }
  const tags = input.Tags as Record<string, string> | undefined;
  if (tags && Object.keys(tags).length > 0) {
    await call('lambda:TagResource', { Resource: mappingArn(other), Tags: tags }, region).catch((error: unknown) => {
      throw failed('lambda:TagResource', error);
    });
  }
  return result;
}

/** Gives every CreateEventSourceMapping without a read-back of its own the shared one. */
export function withMappingReadBack(actions: readonly Action[], call: CallApi, sleep: (ms: number) => Promise<void> = realSleep): void {
  for (const action of actions) {
    if (action.api !== 'lambda:CreateEventSourceMapping' || action.recover) continue;
    action.recover = async (error, input) => {
      if (!shouldReadBack(error)) return undefined;
      const sent = input ?? action.input;
      // The planner's asked settings when it recorded them (only what the user asked, not AWS defaults).
      const asked = ASKED_SETTINGS.get(action) ?? askedSettings(sent);
      const conflict = isAlreadyExists(error);
      // "Already exists": the mapping is there or about to show; any other unknown outcome is read once.
      for (const delay of [...(conflict ? READ_BACK_DELAYS_MS : []), undefined]) {
        // A mapping being deleted (a removal running meanwhile) is neither ours nor one to update.
        const mappings = (await mappingsOf(call, sent, action.region)).filter((m) => m.State !== 'Deleting' && sameIdentity(m, asked));
        const found = mappings.find((m) => isAsked(m, asked));
        if (found) return found;
        // Another run's mapping of the same topic, queue or collection, with other settings: converge it as a re-run would.
        const other = mappings[0];
        if (conflict && other) return convergeRacedMapping(call, sent, asked, other, action.region, sleep);
        if (delay === undefined) return undefined;
        await sleep(delay);
      }
      return undefined;
    };
  }
}

import type { PushTraits, SourceType, TriggerType, TriggerView } from './contract.js';
import { documentdbType } from './documentdb.js';
import { dynamodbType } from './dynamodb.js';
import { eventbridgeType } from './eventbridge/index.js';
import { kafkaType } from './kafka.js';
import { kinesisType } from './kinesis.js';
import { logsType } from './logs/index.js';
import { mqType } from './mq.js';
import { mskType } from './msk.js';
import { s3Type } from './s3/index.js';
import { snsType } from './sns/index.js';
import { sqsType } from './sqs.js';

/**
 * The registry of trigger types: one line each. Their order is the order of `--help`; `list` shows
 * mapping types first, then push types, each in this order. Type modules import the AWS SDK only as types and load clients lazily, so registering them here
 * costs nothing at start-up.
 */
export const TRIGGER_TYPES: readonly TriggerType[] = [
  sqsType,
  s3Type,
  snsType,
  dynamodbType,
  kinesisType,
  mskType,
  kafkaType,
  mqType,
  documentdbType,
  eventbridgeType,
  logsType,
] as TriggerType[];

/** The names of the registered types, in registry order. */
export function typeNames(): SourceType[] {
  return TRIGGER_TYPES.map((t) => t.spec.type);
}

/** The type of that name, or undefined. */
export function triggerType(name: string): TriggerType | undefined {
  return TRIGGER_TYPES.find((t) => t.spec.type === name);
}

/** The type a source ARN belongs to, or undefined for kinds evsrc does not handle. */
export function sourceTypeOfArn(arn: string): SourceType | undefined {
  return TRIGGER_TYPES.find((t) => t.ownsSourceArn(arn))?.spec.type;
}

/** The push type of a service principal (s3.amazonaws.com, sns.<opt-in region>.amazonaws.com, …). */
export function pushTypeOfPrincipal(principal: string): SourceType | undefined {
  return TRIGGER_TYPES.find((t) => t.push?.matchesPrincipal(principal))?.spec.type;
}

/** The push types by name, for the permission checks. */
export function pushTraits(): Map<SourceType, PushTraits> {
  return new Map(TRIGGER_TYPES.filter((t) => t.push).map((t) => [t.spec.type, t.push as PushTraits]));
}

/** Sorts triggers by function, type (mapping types, then push types), source and id so output is stable from run to run. */
export function sortTriggers(triggers: readonly TriggerView[]): TriggerView[] {
  const order = [...TRIGGER_TYPES.filter((t) => t.mapping), ...TRIGGER_TYPES.filter((t) => !t.mapping)].map((t) => t.spec.type);
  const rank = (type: string) => (order.includes(type) ? order.indexOf(type) : order.length);
  return [...triggers].sort(
    (a, b) => a.functionArn.localeCompare(b.functionArn) || rank(a.type) - rank(b.type) || a.sourceArn.localeCompare(b.sourceArn) || a.id.localeCompare(b.id),
  );
}

import { parseArn } from '../../core/arn.js';
import type { PushTraits, SourceSpec, TypeSpec } from '../contract.js';
import { ruleDisplayName, ruleOfArn } from './rule.js';

// The EventBridge type as --help and the registry see it; the implementation is index.ts.

/** The flags of `evsrc add eventbridge`. */
export const eventbridgeSpec: SourceSpec = {
  type: 'eventbridge',
  argument: '<rule>',
  argumentDescription: 'rule name (on the default bus or --event-bus) or rule ARN',
  summary: 'Make a Lambda function a target of an EventBridge rule (target + invoke permission; creates the rule when asked)',
  options: [
    { flags: '--event-bus <name|arn>', description: 'the event bus of the rule (default: the default bus)' },
    { flags: '--pattern <json|@file>', description: 'event pattern; creates the rule when it does not exist, e.g. \'{"source":["aws.s3"]}\'' },
    { flags: '--schedule <expression>', description: 'rate(5 minutes) or cron(0 12 * * ? *); creates the rule when it does not exist (default bus only)' },
    { flags: '--update-rule', description: 'make an existing rule that differs trigger on the given --pattern and/or --schedule only (description, state and role kept)' },
    { flags: '--input <json>', description: 'constant JSON sent to the function instead of the event' },
    { flags: '--input-path <path>', description: 'JSONPath of the part of the event sent to the function, e.g. $.detail' },
    { flags: '--retry-attempts <n>', description: 'maximum retry attempts, 0-185 (EventBridge default 185)' },
    { flags: '--max-event-age <seconds>', description: 'maximum event age for retries, 60-86400 seconds (default 86400)' },
    { flags: '--dlq <queue>', description: 'dead-letter queue (name, URL or ARN) for events that cannot be delivered; evsrc lets the rule send to it' },
  ],
  examples: [
    'evsrc add eventbridge nightly --function report --schedule "cron(0 2 * * ? *)"',
    'evsrc add eventbridge uploads --function thumbs --pattern \'{"source":["aws.s3"],"detail-type":["Object Created"]}\'',
    "evsrc add eventbridge orders-created --event-bus orders --function notify --input-path '$.detail' --retry-attempts 3 --dlq orders-dlq",
  ],
  removeOptions: [{ flags: '--event-bus <name|arn>', description: 'the event bus of the rule (default: the default bus)' }],
  removeExamples: ['evsrc remove eventbridge nightly --function report --yes'],
};

const push: PushTraits = {
  principal: 'events.amazonaws.com',
  noun: 'rule',
  nameOf: (arn) => {
    const rule = ruleOfArn(arn);
    return rule ? ruleDisplayName(rule.bus, rule.name) : arn;
  },
  matchesPrincipal: (p) => p.toLowerCase() === 'events.amazonaws.com',
  // PutTargets succeeds without the permission; EventBridge's invocations then fail with no error a person sees.
  silent: true,
};

/** The EventBridge type's spec: a push type whose sources are rule ARNs. */
export const eventbridgeTypeSpec: TypeSpec & { push: PushTraits } = {
  spec: eventbridgeSpec,
  ownsSourceArn: (arn) => {
    const parsed = parseArn(arn);
    return parsed?.service === 'events' && parsed.resource.startsWith('rule/');
  },
  push,
  services: ['events'],
};

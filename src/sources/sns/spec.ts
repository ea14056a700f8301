import { parseArn } from '../../core/arn.js';
import type { PushTraits, SourceSpec, TypeSpec } from '../contract.js';

// The SNS type as --help and the registry see it; the implementation is index.ts.

/** What an SNS filter policy is matched against (Subscribe attribute FilterPolicyScope). */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** The values FilterPolicyScope accepts; MessageAttributes is SNS's default. */
export const FILTER_POLICY_SCOPES: readonly FilterPolicyScope[] = ['MessageAttributes', 'MessageBody'];

/** The flags of `evsrc add sns`. */
export const snsSpec: SourceSpec = {
  type: 'sns',
  argument: '<topic>',
  argumentDescription: 'topic name (in the current region) or topic ARN',
  summary: 'Subscribe a Lambda function to an SNS topic (subscription + invoke permission)',
  options: [
    { flags: '--filter-policy <json|@file>', description: 'SNS filter policy, e.g. \'{"type":["order"]}\' (a JSON object, at most 5 keys)' },
    { flags: '--no-filter-policy', description: 'remove the filter policy of an existing subscription (deliver every message)' },
    { flags: '--filter-policy-scope <scope>', description: 'what the filter policy matches: MessageAttributes (default) or MessageBody', values: FILTER_POLICY_SCOPES },
    { flags: '--dlq <queue>', description: "dead-letter queue (name, URL or ARN) for messages SNS cannot deliver; evsrc lets the topic send to it" },
  ],
  examples: [
    'evsrc add sns orders --function process-orders',
    'evsrc add sns arn:aws:sns:eu-west-1:123456789012:orders --function audit --filter-policy \'{"type":["refund"]}\'',
    'evsrc add sns orders --function process-orders --filter-policy @filter.json --filter-policy-scope MessageBody --dlq orders-dlq',
  ],
  removeExamples: ['evsrc remove sns alerts --function notify'],
};

const push: PushTraits = {
  principal: 'sns.amazonaws.com',
  noun: 'topic',
  // Topics in opt-in regions invoke functions elsewhere as sns.<region>.amazonaws.com.
  matchesPrincipal: (p) => {
    const lower = p.toLowerCase();
    return lower === 'sns.amazonaws.com' || /^sns\.[a-z0-9-]+\.amazonaws\.com$/.test(lower);
  },
};

/** The SNS type's spec: a push type whose sources are topic ARNs. */
export const snsTypeSpec: TypeSpec & { push: PushTraits } = {
  spec: snsSpec,
  ownsSourceArn: (arn) => parseArn(arn)?.service === 'sns',
  push,
  services: ['sns'],
};

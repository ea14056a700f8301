/** EventBridge resources created directly through the SDK (not through evsrc) for integration tests. */
import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { clientConfig } from './fixtures.js';

function client(endpoint: string, region = 'us-east-1') {
  return new EventBridgeClient(clientConfig(endpoint, region));
}

/** Creates a rule (by hand, untagged) and returns its ARN. */
export async function createRule(endpoint: string, name: string, options: { pattern?: object; schedule?: string; bus?: string; description?: string } = {}): Promise<string> {
  const eb = client(endpoint);
  try {
    const out = await eb.send(
      new PutRuleCommand({
        Name: name,
        ...(options.bus ? { EventBusName: options.bus } : {}),
        ...(options.pattern ? { EventPattern: JSON.stringify(options.pattern) } : {}),
        ...(options.schedule ? { ScheduleExpression: options.schedule } : {}),
        ...(options.description ? { Description: options.description } : {}),
      }),
    );
    return out.RuleArn ?? '';
  } finally {
    eb.destroy();
  }
}

/** Creates a custom event bus. */
export async function createBus(endpoint: string, name: string): Promise<void> {
  const eb = client(endpoint);
  await eb.send(new CreateEventBusCommand({ Name: name }));
  eb.destroy();
}

/** Adds targets to a rule directly (targets "made elsewhere"). */
export async function putTargets(endpoint: string, rule: string, targets: Target[], bus?: string): Promise<void> {
  const eb = client(endpoint);
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: targets, ...(bus ? { EventBusName: bus } : {}) }));
  eb.destroy();
}

/** The targets of a rule. */
export async function targetsOf(endpoint: string, rule: string, bus?: string): Promise<Target[]> {
  const eb = client(endpoint);
  try {
    const out = await eb.send(new ListTargetsByRuleCommand({ Rule: rule, ...(bus ? { EventBusName: bus } : {}) }));
    return out.Targets ?? [];
  } finally {
    eb.destroy();
  }
}

/** DescribeRule, or undefined when the rule does not exist. */
export async function describeRule(endpoint: string, name: string, bus?: string) {
  const eb = client(endpoint);
  try {
    return await eb.send(new DescribeRuleCommand({ Name: name, ...(bus ? { EventBusName: bus } : {}) }));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  } finally {
    eb.destroy();
  }
}

/** The tags of a rule, as a map. */
export async function ruleTagsOf(endpoint: string, arn: string): Promise<Record<string, string>> {
  const eb = client(endpoint);
  try {
    const out = await eb.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } finally {
    eb.destroy();
  }
}

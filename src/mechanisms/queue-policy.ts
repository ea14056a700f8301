import { PreconditionError } from '../core/errors.js';

// Read-merge-write of an SQS queue's access policy, for push services that send undeliverable events to
// a dead-letter queue (SNS subscriptions, EventBridge targets). SetQueueAttributes replaces the whole
// Policy, so evsrc keeps every other statement and adds one scoped to the source (aws:SourceArn).

type Json = Record<string, unknown>;

/** What a send statement grants: a service principal, sending from one source, to one queue. */
export interface SendGrant {
  /** The service principal that sends, e.g. sns.amazonaws.com or events.amazonaws.com. */
  principal: string;
  /** The topic or rule ARN the statement is scoped to (aws:SourceArn). */
  sourceArn: string;
  queueArn: string;
  /** evsrc's deterministic Sid for this statement. */
  sid: string;
}

const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** True when a queue-policy statement already lets the source's service send to the queue (whoever wrote it). */
function allowsSource(statement: Json, grant: SendGrant): boolean {
  if (statement.Effect !== 'Allow') return false;
  const principal = statement.Principal;
  const services = typeof principal === 'object' && principal !== null ? list((principal as Json).Service) : [];
  if (!services.some((s) => s.toLowerCase() === grant.principal.toLowerCase())) return false;
  if (!list(statement.Action).some((a) => ['sqs:sendmessage', 'sqs:*', '*'].includes(a.toLowerCase()))) return false;
  const resources = list(statement.Resource);
  if (resources.length > 0 && !resources.some((r) => r === grant.queueArn || r === '*')) return false;
  const condition = (statement.Condition ?? {}) as Record<string, Json>;
  const tests = Object.entries(condition).flatMap(([operator, block]) =>
    Object.entries(block ?? {}).map(([key, values]) => ({ operator, key: key.toLowerCase(), values: list(values) })),
  );
  const sourceTests = tests.filter((t) => t.key === 'aws:sourcearn');
  // Without a SourceArn test any source could send: evsrc still adds its own scoped statement.
  return sourceTests.length > 0 && tests.every((t) => t.key === 'aws:sourcearn' && t.values.includes(grant.sourceArn));
}

/**
 * The queue policy with a statement that lets `grant.principal` send to the queue from `grant.sourceArn`
 * (pure). Every other statement, and the document's other keys, are kept as they are; an existing
 * equivalent statement is reused. Returns undefined when nothing needs to change.
 */
export function mergeSendPolicy(current: string | undefined, grant: SendGrant): string | undefined {
  let doc: Json = { Version: '2012-10-17', Statement: [] };
  if (current !== undefined && current.trim() !== '') {
    try {
      doc = JSON.parse(current) as Json;
    } catch (error) {
      throw new PreconditionError(`the access policy of queue ${grant.queueArn} is not valid JSON (${(error as Error).message}); evsrc does not rewrite it`);
    }
  }
  const statements: Json[] = Array.isArray(doc.Statement) ? [...(doc.Statement as Json[])] : doc.Statement ? [doc.Statement as Json] : [];
  if (statements.some((s) => allowsSource(s, grant))) return undefined;
  const statement: Json = {
    Sid: grant.sid,
    Effect: 'Allow',
    Principal: { Service: grant.principal },
    Action: 'sqs:SendMessage',
    Resource: grant.queueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': grant.sourceArn } },
  };
  const at = statements.findIndex((s) => s.Sid === grant.sid);
  if (at >= 0) statements[at] = statement;
  else statements.push(statement);
  return JSON.stringify({ ...doc, Statement: statements });
}

/**
 * The queue policy without evsrc's statement `sid` (pure): every other statement and key kept. Undefined when
 * there is no such statement (nothing to write); '' when it was the only one (SetQueueAttributes with an empty
 * Policy removes the policy). A policy that is not JSON is left alone (undefined).
 */
export function removeSendStatement(current: string | undefined, sid: string): string | undefined {
  if (current === undefined || current.trim() === '') return undefined;
  let doc: Json;
  try {
    doc = JSON.parse(current) as Json;
  } catch {
    return undefined;
  }
  const statements: Json[] = Array.isArray(doc.Statement) ? (doc.Statement as Json[]) : doc.Statement ? [doc.Statement as Json] : [];
  const kept = statements.filter((s) => s.Sid !== sid);
  if (kept.length === statements.length) return undefined;
  return kept.length === 0 ? '' : JSON.stringify({ ...doc, Statement: kept });
}

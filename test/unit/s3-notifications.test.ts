import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  S3_EVENT_TYPES,
  buildLambdaEntry,
  checkKeyFilter,
  configsEqual,
  entryFilter,
  eventTypesOverlap,
  findOverlap,
  isEvsrcIdFor,
  isOwnLambdaEntry,
  literalFilterWarnings,
  mergeLambdaEntry,
  notificationId,
  parseS3Events,
  prefixesOverlap,
  removeLambdaEntries,
  suffixesOverlap,
  toNotificationConfiguration,
  type NotificationConfiguration,
} from '../../src/sources/s3/notifications.js';

const FN = 'arn:aws:lambda:us-east-1:111122223333:function:thumbnails';
const USERS = 'arn:aws:lambda:us-east-1:111122223333:function:users';
const USERS_ADMIN = 'arn:aws:lambda:us-east-1:111122223333:function:users-admin';
const QUEUE = 'arn:aws:sqs:us-east-1:111122223333:uploads';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:alerts';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('S3_EVENT_TYPES', () => {
  it('lists the documented families and their members', () => {
    expect(S3_EVENT_TYPES).toContain('s3:ObjectCreated:CompleteMultipartUpload');
    expect(S3_EVENT_TYPES).toContain('s3:ObjectRestore:Delete');
    expect(S3_EVENT_TYPES).toContain('s3:Replication:OperationNotTracked');
    expect(S3_EVENT_TYPES).toContain('s3:LifecycleExpiration:DeleteMarkerCreated');
    expect(S3_EVENT_TYPES).toContain('s3:ObjectAcl:Put');
    expect(S3_EVENT_TYPES.filter((e) => e.startsWith('s3:Replication:'))).toHaveLength(5);
    expect(new Set(S3_EVENT_TYPES).size).toBe(S3_EVENT_TYPES.length);
  });
});

describe('parseS3Events', () => {
  it('defaults to s3:ObjectCreated:*', () => {
    expect(parseS3Events(undefined)).toEqual(['s3:ObjectCreated:*']);
  });

  it("refuses an empty --events ('', ' , ', a stray comma) instead of taking the default", () => {
    expect(() => parseS3Events([])).toThrow(/--events: invalid value ""; give one or more S3 event types/);
    expect(() => parseS3Events([''])).toThrow(/--events: invalid value ""/);
    expect(() => parseS3Events([' , '])).toThrow(/--events/);
    expect(() => parseS3Events(['s3:ObjectCreated:*,'])).toThrow(/--events: invalid value "s3:ObjectCreated:\*,"/);
  });

  it('accepts comma-separated and repeated values, trims and dedupes', () => {
    expect(parseS3Events(['s3:ObjectCreated:Put, s3:ObjectRemoved:Delete', 's3:ObjectCreated:Put', ' s3:ObjectTagging:Put '])).toEqual([
      's3:ObjectCreated:Put',
      's3:ObjectRemoved:Delete',
      's3:ObjectTagging:Put',
    ]);
  });

  it('drops a specific type already covered by its family wildcard', () => {
    expect(parseS3Events(['s3:ObjectCreated:Put,s3:ObjectCreated:*,s3:ObjectRemoved:Delete'])).toEqual([
      's3:ObjectCreated:*',
      's3:ObjectRemoved:Delete',
    ]);
  });

  it('refuses a typo with a UsageError naming --events, the value, a suggestion and the allowed list', () => {
    const error = errorOf(() => parseS3Events(['s3:ObjectCreated:Put,s3:ObjectCreatd:*']));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('--events');
    expect(error.message).toContain('"s3:ObjectCreatd:*"');
    expect(error.message).toContain('did you mean "s3:ObjectCreated:*"');
    expect(error.message).toContain('s3:IntelligentTiering');
  });

  it('suggests the prefixed spelling when "s3:" is missing, and wrong case', () => {
    expect(errorOf(() => parseS3Events(['ObjectRemoved:*'])).message).toContain('did you mean "s3:ObjectRemoved:*"');
    expect(errorOf(() => parseS3Events(['s3:objectcreated:put'])).message).toContain('did you mean "s3:ObjectCreated:Put"');
  });

  it('gives no suggestion for something far from any type', () => {
    const error = errorOf(() => parseS3Events(['everything']));
    expect(error.message).toContain('"everything"');
    expect(error.message).not.toContain('did you mean');
  });
});

describe('literalFilterWarnings and checkKeyFilter', () => {
  it('warns about * and ? that S3 reads literally', () => {
    const warnings = literalFilterWarnings('logs/*', '?.csv');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('--prefix "logs/*"');
    expect(warnings[0]).toContain("'*'");
    expect(warnings[1]).toContain('--suffix "?.csv"');
  });

  it('warns about spaces, which S3 wants written as +', () => {
    expect(literalFilterWarnings('my folder/', undefined)).toEqual([expect.stringContaining("'+'")]);
  });

  it('is quiet for ordinary filters', () => {
    expect(literalFilterWarnings('images/', '.jpg')).toEqual([]);
    expect(literalFilterWarnings(undefined, undefined)).toEqual([]);
  });

  it('refuses filter values over 1024 characters', () => {
    const long = 'a'.repeat(1025);
    const error = errorOf(() => checkKeyFilter({ suffix: long }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('--suffix');
    expect(error.message).toContain('1024');
    expect(() => checkKeyFilter({ prefix: 'a'.repeat(1024) })).not.toThrow();
  });
});

describe('notificationId and ownership', () => {
  it('is deterministic and independent of event order', () => {
    const a = notificationId(FN, 'bucket', ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], 'in/', '.jpg');
    const b = notificationId(FN, 'bucket', ['s3:ObjectRemoved:*', 's3:ObjectCreated:*'], 'in/', '.jpg');
    expect(a).toBe(b);
    expect(a).toMatch(/^evsrc-thumbnails-[0-9a-f]{12}$/);
    expect(a.length).toBeLessThan(255);
  });

  it('changes with bucket, events, prefix, suffix and function', () => {
    const base = notificationId(FN, 'bucket', ['s3:ObjectCreated:*'], 'in/', '.jpg');
    expect(notificationId(FN, 'other', ['s3:ObjectCreated:*'], 'in/', '.jpg')).not.toBe(base);
    expect(notificationId(FN, 'bucket', ['s3:ObjectCreated:Put'], 'in/', '.jpg')).not.toBe(base);
    expect(notificationId(FN, 'bucket', ['s3:ObjectCreated:*'], 'out/', '.jpg')).not.toBe(base);
    expect(notificationId(FN, 'bucket', ['s3:ObjectCreated:*'], 'in/', '.png')).not.toBe(base);
    expect(notificationId(`${FN}:prod`, 'bucket', ['s3:ObjectCreated:*'], 'in/', '.jpg')).not.toBe(base);
  });

  it('keeps the Id short and clean for a 64-character function name with a qualifier', () => {
    const name = 'f'.repeat(64);
    const id = notificationId(`arn:aws:lambda:us-east-1:111122223333:function:${name}:$LIVE`, 'b', ['s3:ObjectCreated:*']);
    expect(id).toMatch(/^evsrc-[A-Za-z0-9_-]+-[0-9a-f]{12}$/);
    expect(id.length).toBeLessThanOrEqual(119);
  });

  it('matches ids exactly: "users" does not claim "users-admin" entries, and the reverse', () => {
    const usersId = notificationId(USERS, 'b', ['s3:ObjectCreated:*']);
    const adminId = notificationId(USERS_ADMIN, 'b', ['s3:ObjectCreated:*']);
    expect(isEvsrcIdFor(usersId, USERS)).toBe(true);
    expect(isEvsrcIdFor(adminId, USERS_ADMIN)).toBe(true);
    expect(isEvsrcIdFor(adminId, USERS)).toBe(false);
    expect(isEvsrcIdFor(usersId, USERS_ADMIN)).toBe(false);
  });

  it('rejects hand-made or foreign ids', () => {
    expect(isEvsrcIdFor(undefined, USERS)).toBe(false);
    expect(isEvsrcIdFor('users-0123456789ab', USERS)).toBe(false);
    expect(isEvsrcIdFor('evsrc-users-0123456789ab-extra', USERS)).toBe(false);
    expect(isEvsrcIdFor('evsrc-users-XYZ', USERS)).toBe(false);
    expect(isEvsrcIdFor('evsrc-users-0123456789ab', USERS)).toBe(true);
  });

  it('isOwnLambdaEntry also requires the same function ARN (same name in another account is not ours)', () => {
    const entry = buildLambdaEntry(USERS, 'b', { events: ['s3:ObjectCreated:*'] });
    expect(isOwnLambdaEntry(entry, USERS)).toBe(true);
    const otherAccount = 'arn:aws:lambda:us-east-1:444455556666:function:users';
    expect(isOwnLambdaEntry({ ...entry, LambdaFunctionArn: otherAccount }, USERS)).toBe(false);
  });
});

describe('buildLambdaEntry and entryFilter', () => {
  it('builds lower-case filter rules only when a prefix or suffix is set', () => {
    const plain = buildLambdaEntry(FN, 'b', { events: ['s3:ObjectCreated:*'] });
    expect(plain.Filter).toBeUndefined();
    const filtered = buildLambdaEntry(FN, 'b', { events: ['s3:ObjectCreated:*'], prefix: 'in/', suffix: '.jpg' });
    expect(filtered.Filter).toEqual({
      Key: {
        FilterRules: [
          { Name: 'prefix', Value: 'in/' },
          { Name: 'suffix', Value: '.jpg' },
        ],
      },
    });
    expect(filtered.Id).toBe(notificationId(FN, 'b', ['s3:ObjectCreated:*'], 'in/', '.jpg'));
  });

  it('reads rules case-insensitively, as S3 answers "Prefix"/"Suffix"', () => {
    expect(
      entryFilter({
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Suffix', Value: '.csv' },
              { Name: 'Prefix', Value: 'data/' },
            ],
          },
        },
      }),
    ).toEqual({ prefix: 'data/', suffix: '.csv' });
    expect(entryFilter({})).toEqual({});
    expect(entryFilter({ Filter: { Key: {} } })).toEqual({});
  });
});

describe('overlap rules', () => {
  it('event types: equal or wildcard family containing the other', () => {
    expect(eventTypesOverlap('s3:ObjectCreated:Put', 's3:ObjectCreated:Put')).toBe(true);
    expect(eventTypesOverlap('s3:ObjectCreated:*', 's3:ObjectCreated:Put')).toBe(true);
    expect(eventTypesOverlap('s3:ObjectCreated:Copy', 's3:ObjectCreated:*')).toBe(true);
    expect(eventTypesOverlap('s3:ObjectCreated:Put', 's3:ObjectCreated:Post')).toBe(false);
    expect(eventTypesOverlap('s3:ObjectCreated:*', 's3:ObjectRemoved:*')).toBe(false);
    expect(eventTypesOverlap('s3:ObjectRemoved:*', 's3:LifecycleExpiration:Delete')).toBe(false);
  });

  it('prefixes: one a prefix of the other; absent or empty overlaps all', () => {
    expect(prefixesOverlap('images/', 'images/2024/')).toBe(true);
    expect(prefixesOverlap('images', 'images/')).toBe(true);
    expect(prefixesOverlap('images/', 'logs/')).toBe(false);
    expect(prefixesOverlap(undefined, 'logs/')).toBe(true);
    expect(prefixesOverlap('', 'logs/')).toBe(true);
  });

  it('suffixes: one ends with the other ("jpg"/"pg" overlap, ".jpg"/".png" do not)', () => {
    expect(suffixesOverlap('jpg', 'pg')).toBe(true);
    expect(suffixesOverlap('.jpg', '.png')).toBe(false);
    expect(suffixesOverlap(undefined, '.png')).toBe(true);
  });
});

describe('findOverlap', () => {
  const lambdaEntry = (arn: string, events: string[], prefix?: string, suffix?: string, id = `id-${arn}`) => ({
    ...buildLambdaEntry(arn, 'b', { events, prefix, suffix }),
    Id: id,
  });

  it('finds a wildcard entry overlapping a specific type with the same filters', () => {
    const config: NotificationConfiguration = { LambdaFunctionConfigurations: [lambdaEntry(USERS, ['s3:ObjectCreated:*'], 'in/')] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:Put'], prefix: 'in/' })).toEqual({
      kind: 'lambda',
      id: `id-${USERS}`,
      destinationArn: USERS,
      sharedEvents: ['s3:ObjectCreated:Put'],
      prefix: 'in/',
    });
  });

  it('treats an entry without a filter as overlapping any prefix (the root prefix)', () => {
    const config: NotificationConfiguration = {
      TopicConfigurations: [{ TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'] }],
    };
    const overlap = findOverlap(config, { events: ['s3:ObjectCreated:*'], prefix: 'images' });
    expect(overlap?.kind).toBe('topic');
    expect(overlap?.destinationArn).toBe(TOPIC);
    expect(overlap?.id).toBeUndefined();
  });

  it('finds nested prefixes overlapping', () => {
    const config: NotificationConfiguration = { QueueConfigurations: [{ Id: 'q', QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'data/' }] } } }] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:*'], prefix: 'data/raw/' })).toMatchObject({ kind: 'queue', id: 'q', destinationArn: QUEUE });
  });

  it('allows overlapping prefixes when the suffixes do not overlap', () => {
    const config: NotificationConfiguration = { LambdaFunctionConfigurations: [lambdaEntry(USERS, ['s3:ObjectCreated:Put'], 'images', '.jpg')] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:Put'], prefix: 'images', suffix: '.png' })).toBeUndefined();
  });

  it('flags overlapping suffixes ("jpg" vs "pg") with a wildcard event', () => {
    const config: NotificationConfiguration = {
      TopicConfigurations: [{ TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: 'jpg' }] } } }],
    };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:Put'], suffix: 'pg' })?.suffix).toBe('jpg');
  });

  it('allows disjoint prefixes for the same event type', () => {
    const config: NotificationConfiguration = { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } } }] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:Put'], prefix: 'logs/' })).toBeUndefined();
  });

  it('allows the same filters for different event families', () => {
    const config: NotificationConfiguration = { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'image/' }] } } }] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:Put'], prefix: 'image/' })).toBeUndefined();
  });

  it('skips the entry being replaced and reports only the events that collide', () => {
    const own = lambdaEntry(FN, ['s3:ObjectCreated:*'], undefined, undefined, 'own');
    const other = lambdaEntry(USERS, ['s3:ObjectRemoved:Delete'], undefined, undefined, 'other');
    const config: NotificationConfiguration = { LambdaFunctionConfigurations: [own, other] };
    expect(findOverlap(config, { events: ['s3:ObjectCreated:*'] }, 'own')).toBeUndefined();
    expect(findOverlap(config, { events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }, 'own')).toMatchObject({
      id: 'other',
      sharedEvents: ['s3:ObjectRemoved:*'],
    });
  });

  it('returns undefined on an empty configuration', () => {
    expect(findOverlap({}, { events: ['s3:ObjectCreated:*'] })).toBeUndefined();
  });
});

describe('mergeLambdaEntry / removeLambdaEntries / configsEqual', () => {
  const foreignLambda = { Id: 'console-made', LambdaFunctionArn: USERS, Events: ['s3:ObjectRemoved:*'] };
  const foreignQueue = {
    Id: 'q1',
    QueueArn: QUEUE,
    Events: ['s3:ObjectCreated:Put'],
    Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'images/' }] } },
  };
  const foreignTopic = { Id: 't1', TopicArn: TOPIC, Events: ['s3:ObjectRestore:Completed'] };
  const existing: NotificationConfiguration = {
    TopicConfigurations: [foreignTopic],
    QueueConfigurations: [foreignQueue],
    LambdaFunctionConfigurations: [foreignLambda],
    EventBridgeConfiguration: {},
  };
  const mine = buildLambdaEntry(FN, 'b', { events: ['s3:ObjectCreated:*'], prefix: 'uploads/' });

  it('appends the entry and keeps every foreign entry and EventBridgeConfiguration {} exactly', () => {
    const before = structuredClone(existing);
    const merged = mergeLambdaEntry(existing, mine);
    expect(merged.LambdaFunctionConfigurations).toEqual([foreignLambda, mine]);
    expect(merged.QueueConfigurations).toEqual([foreignQueue]);
    expect(merged.TopicConfigurations).toEqual([foreignTopic]);
    expect(merged).toHaveProperty('EventBridgeConfiguration');
    expect(merged.EventBridgeConfiguration).toEqual({});
    expect(existing).toEqual(before); // input untouched
  });

  it('replaces the entry with the same Id in place', () => {
    const once = mergeLambdaEntry(existing, mine);
    const changed = { ...mine, Events: ['s3:ObjectCreated:Put'] };
    const twice = mergeLambdaEntry(once, changed);
    expect(twice.LambdaFunctionConfigurations).toEqual([foreignLambda, changed]);
  });

  it('re-merging the same entry is a no-op', () => {
    const once = mergeLambdaEntry(existing, mine);
    const twice = mergeLambdaEntry(once, mine);
    expect(twice).toEqual(once);
    expect(configsEqual(once, twice)).toBe(true);
    expect(configsEqual(existing, once)).toBe(false);
  });

  it('creates the Lambda list on an empty configuration and keeps absent EventBridge absent', () => {
    const merged = mergeLambdaEntry({}, mine);
    expect(merged).toEqual({ LambdaFunctionConfigurations: [mine] });
    expect(merged).not.toHaveProperty('EventBridgeConfiguration');
  });

  it('refuses an entry without an Id', () => {
    expect(() => mergeLambdaEntry({}, { LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] })).toThrow(/Id/);
  });

  it('removes only the selected Lambda entries and reports them', () => {
    const merged = mergeLambdaEntry(existing, mine);
    const { config, removed } = removeLambdaEntries(merged, (entry) => isOwnLambdaEntry(entry, FN));
    expect(removed).toEqual([mine]);
    expect(config).toEqual(existing);
    expect(configsEqual(config, existing)).toBe(true);
  });

  it('removing from a configuration without Lambda entries changes nothing', () => {
    const { config, removed } = removeLambdaEntries({ QueueConfigurations: [foreignQueue] }, () => true);
    expect(removed).toEqual([]);
    expect(config).toEqual({ QueueConfigurations: [foreignQueue] });
  });

  it('configsEqual ignores order and rule-name case, treats missing lists as empty, and notices EventBridge', () => {
    const a: NotificationConfiguration = {
      LambdaFunctionConfigurations: [
        { Id: '1', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }, { Name: 'suffix', Value: '.x' }] } } },
        { Id: '2', LambdaFunctionArn: USERS, Events: ['s3:ObjectCreated:*'] },
      ],
      QueueConfigurations: [],
    };
    const b: NotificationConfiguration = {
      LambdaFunctionConfigurations: [
        { Id: '2', LambdaFunctionArn: USERS, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [] } } },
        { Id: '1', LambdaFunctionArn: FN, Events: ['s3:ObjectRemoved:*', 's3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.x' }, { Name: 'Prefix', Value: 'a/' }] } } },
      ],
    };
    expect(configsEqual(a, b)).toBe(true);
    expect(configsEqual({}, { TopicConfigurations: [], QueueConfigurations: [], LambdaFunctionConfigurations: [] })).toBe(true);
    expect(configsEqual(a, { ...b, EventBridgeConfiguration: {} })).toBe(false);
    expect(configsEqual(a, { ...b, LambdaFunctionConfigurations: b.LambdaFunctionConfigurations?.slice(1) })).toBe(false);
    // The same entry in a different list is a different configuration.
    const asTopic = { Id: foreignQueue.Id, TopicArn: QUEUE, Events: foreignQueue.Events, Filter: foreignQueue.Filter };
    expect(configsEqual({ QueueConfigurations: [foreignQueue] }, { TopicConfigurations: [asTopic] })).toBe(false);
  });
});

describe('toNotificationConfiguration', () => {
  it('drops $metadata and undefined fields, keeps the rest (EventBridge {} and unknown keys included)', () => {
    const output = {
      $metadata: { httpStatusCode: 200 },
      LambdaFunctionConfigurations: [{ Id: 'x', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] }],
      TopicConfigurations: undefined,
      EventBridgeConfiguration: {},
      FutureConfigurations: [{ a: 1 }],
    };
    expect(toNotificationConfiguration(output)).toEqual({
      LambdaFunctionConfigurations: [{ Id: 'x', LambdaFunctionArn: FN, Events: ['s3:ObjectCreated:*'] }],
      EventBridgeConfiguration: {},
      FutureConfigurations: [{ a: 1 }],
    });
  });
});

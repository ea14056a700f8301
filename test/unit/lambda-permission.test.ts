import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  LAMBDA_POLICY_SIZE_LIMIT,
  addPermissionInput,
  findEquivalentStatement,
  findStatementById,
  findUnscopedStatements,
  isEquivalentStatement,
  parsePolicy,
  policyNearLimit,
  policySize,
  removePermissionInput,
  servicePrincipal,
  sourceArnsByService,
  statementId,
  type PermissionRequest,
} from '../../src/mechanisms/permission/policy.js';

const ACCOUNT = '111122223333';
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:thumbnails`;
const FN_PROD = `${FN}:prod`;
const BUCKET_ARN = 'arn:aws:s3:::my.photo.bucket';
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;
const STATEMENT_ID = /^[a-zA-Z0-9-_]{1,100}$/;

/** A GetPolicy document as Lambda returns it. */
function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

/** The statement the Lambda console / AddPermission writes for an S3 trigger. */
function s3Statement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Sid: 'console-s3',
    Effect: 'Allow',
    Principal: { Service: 's3.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: FN,
    Condition: {
      StringEquals: { 'AWS:SourceAccount': ACCOUNT },
      ArnLike: { 'AWS:SourceArn': BUCKET_ARN },
    },
    ...overrides,
  };
}

const s3Request: PermissionRequest = { principal: 's3.amazonaws.com', functionArn: FN, sourceArn: BUCKET_ARN, sourceAccount: ACCOUNT };
const snsRequest: PermissionRequest = { principal: 'sns.amazonaws.com', functionArn: FN, sourceArn: TOPIC_ARN };

describe('statementId', () => {
  it('sanitises a dotted bucket name into the AddPermission pattern', () => {
    const sid = statementId('s3', FN, BUCKET_ARN);
    expect(sid).toMatch(STATEMENT_ID);
    expect(sid).toMatch(/^evsrc-s3-my-photo-bucket-[0-9a-f]{8}$/);
  });

  it('stays within 100 characters for a 64-character function name and a 256-character topic name', () => {
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${'f'.repeat(64)}:${'a'.repeat(128)}`;
    const topic = `arn:aws:sns:us-east-1:${ACCOUNT}:${'t'.repeat(256)}`;
    const sid = statementId('sns', fn, topic);
    expect(sid).toMatch(STATEMENT_ID);
    expect(sid.length).toBeLessThanOrEqual(100);
  });

  it('is deterministic, and differs per function, source and service', () => {
    expect(statementId('s3', FN, BUCKET_ARN)).toBe(statementId('s3', FN, BUCKET_ARN));
    expect(statementId('s3', FN_PROD, BUCKET_ARN)).not.toBe(statementId('s3', FN, BUCKET_ARN));
    expect(statementId('s3', FN, 'arn:aws:s3:::my-photo-bucket')).not.toBe(statementId('s3', FN, BUCKET_ARN));
    expect(statementId('sns', FN, TOPIC_ARN)).toMatch(/^evsrc-sns-alerts-[0-9a-f]{8}$/);
  });

  it('gives long names that share a truncated head different ids', () => {
    const a = `arn:aws:sns:us-east-1:${ACCOUNT}:${'x'.repeat(80)}-a`;
    const b = `arn:aws:sns:us-east-1:${ACCOUNT}:${'x'.repeat(80)}-b`;
    expect(statementId('sns', FN, a)).not.toBe(statementId('sns', FN, b));
  });
});

describe('parsePolicy', () => {
  it('returns no statements for an absent or empty policy', () => {
    expect(parsePolicy(undefined)).toEqual([]);
    expect(parsePolicy('')).toEqual([]);
  });

  it('reads the usual Lambda shape', () => {
    const [statement] = parsePolicy(policy(s3Statement()));
    expect(statement).toEqual({
      sid: 'console-s3',
      effect: 'Allow',
      servicePrincipals: ['s3.amazonaws.com'],
      awsPrincipals: [],
      anyPrincipal: false,
      actions: ['lambda:InvokeFunction'],
      resources: [FN],
      conditions: [
        { operator: 'StringEquals', key: 'aws:sourceaccount', values: [ACCOUNT] },
        { operator: 'ArnLike', key: 'aws:sourcearn', values: [BUCKET_ARN] },
      ],
    });
  });

  it('tolerates a single Statement object, string principals, lists and AWS principals', () => {
    const statements = parsePolicy(
      JSON.stringify({
        Statement: { Effect: 'Allow', Principal: 'sns.amazonaws.com', Action: ['lambda:InvokeFunction'], Resource: FN },
      }),
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]?.servicePrincipals).toEqual(['sns.amazonaws.com']);

    const [acct, star] = parsePolicy(
      policy(
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'lambda:*' },
        { Effect: 'Allow', Principal: '*', Action: '*' },
      ),
    );
    expect(acct?.awsPrincipals).toEqual([`arn:aws:iam::${ACCOUNT}:root`]);
    expect(star?.anyPrincipal).toBe(true);

    const [multi] = parsePolicy(policy({ Effect: 'Allow', Principal: { Service: ['s3.amazonaws.com', 'sns.amazonaws.com'] }, Action: '*' }));
    expect(multi?.servicePrincipals).toEqual(['s3.amazonaws.com', 'sns.amazonaws.com']);
  });

  it('throws on a policy that is not JSON', () => {
    expect(() => parsePolicy('{nope')).toThrow(/not valid JSON/);
  });
});

describe('findEquivalentStatement', () => {
  it('reuses a console-made ArnLike statement', () => {
    const statements = parsePolicy(policy(s3Statement()));
    expect(findEquivalentStatement(statements, s3Request)?.sid).toBe('console-s3');
  });

  it('accepts ArnEquals and StringEquals for the SourceArn, and either key casing', () => {
    const arnEquals = s3Statement({ Condition: { ArnEquals: { 'aws:SourceArn': BUCKET_ARN }, StringEquals: { 'aws:SourceAccount': ACCOUNT } } });
    const stringEquals = s3Statement({ Condition: { StringEquals: { 'AWS:SourceArn': BUCKET_ARN, 'AWS:SourceAccount': ACCOUNT } } });
    expect(isEquivalentStatement(parsePolicy(policy(arnEquals))[0]!, s3Request)).toBe(true);
    expect(isEquivalentStatement(parsePolicy(policy(stringEquals))[0]!, s3Request)).toBe(true);
  });

  it('accepts a string principal as well as {Service: ...}', () => {
    const statements = parsePolicy(policy(s3Statement({ Principal: 's3.amazonaws.com' })));
    expect(findEquivalentStatement(statements, s3Request)).toBeDefined();
  });

  it('accepts lambda:* and * as actions, and an action list', () => {
    for (const Action of ['lambda:*', '*', ['lambda:GetFunction', 'lambda:InvokeFunction']]) {
      expect(findEquivalentStatement(parsePolicy(policy(s3Statement({ Action }))), s3Request)).toBeDefined();
    }
    expect(findEquivalentStatement(parsePolicy(policy(s3Statement({ Action: 'lambda:GetFunction' }))), s3Request)).toBeUndefined();
  });

  it('refuses a statement without the SourceAccount when one is asked for', () => {
    const noAccount = s3Statement({ Condition: { ArnLike: { 'AWS:SourceArn': BUCKET_ARN } } });
    const statements = parsePolicy(policy(noAccount));
    expect(findEquivalentStatement(statements, s3Request)).toBeUndefined();
    const { sourceAccount: _unused, ...withoutAccount } = s3Request;
    expect(findEquivalentStatement(statements, withoutAccount)).toBeDefined();
  });

  it('refuses a different SourceAccount, SourceArn, principal, effect or function', () => {
    const cases = [
      s3Statement({ Condition: { StringEquals: { 'AWS:SourceAccount': '999999999999' }, ArnLike: { 'AWS:SourceArn': BUCKET_ARN } } }),
      s3Statement({ Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::other' } } }),
      s3Statement({ Principal: { Service: 'sns.amazonaws.com' } }),
      s3Statement({ Effect: 'Deny' }),
      s3Statement({ Resource: FN_PROD }),
    ];
    for (const statement of cases) {
      expect(findEquivalentStatement(parsePolicy(policy(statement)), s3Request)).toBeUndefined();
    }
  });

  it('refuses a wildcard SourceArn pattern and a statement with conditions it does not understand', () => {
    const wildcard = s3Statement({ Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::my.*' } } });
    const extra = s3Statement({
      Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': BUCKET_ARN }, Bool: { 'aws:SecureTransport': 'true' } },
    });
    expect(findEquivalentStatement(parsePolicy(policy(wildcard)), s3Request)).toBeUndefined();
    expect(findEquivalentStatement(parsePolicy(policy(extra)), s3Request)).toBeUndefined();
  });

  it('does not treat an unscoped statement as equivalent, and reports it', () => {
    const unscoped = s3Statement({ Sid: 'too-broad', Condition: undefined });
    const statements = parsePolicy(policy(unscoped));
    expect(findEquivalentStatement(statements, s3Request)).toBeUndefined();
    expect(findUnscopedStatements(statements, 's3.amazonaws.com').map((s) => s.sid)).toEqual(['too-broad']);
    expect(findUnscopedStatements(parsePolicy(policy(s3Statement())), 's3.amazonaws.com')).toEqual([]);
  });

  it('reuses an SNS statement, checking a SourceAccount against the topic ARN account', () => {
    const sns = {
      Sid: 'sns-any',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: FN,
      Condition: { ArnLike: { 'AWS:SourceArn': TOPIC_ARN } },
    };
    expect(findEquivalentStatement(parsePolicy(policy(sns)), snsRequest)?.sid).toBe('sns-any');
    const wrongAccount = { ...sns, Condition: { ...sns.Condition, StringEquals: { 'AWS:SourceAccount': '999999999999' } } };
    expect(findEquivalentStatement(parsePolicy(policy(wrongAccount)), snsRequest)).toBeUndefined();
  });

  it('accepts a SourceArn list that includes the source', () => {
    const list = s3Statement({ Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': ['arn:aws:s3:::a', BUCKET_ARN] } } });
    expect(findEquivalentStatement(parsePolicy(policy(list)), s3Request)).toBeDefined();
  });

  it('finds a statement by id', () => {
    const statements = parsePolicy(policy(s3Statement()));
    expect(findStatementById(statements, 'console-s3')).toBe(statements[0]);
    expect(findStatementById(statements, 'nope')).toBeUndefined();
  });
});

describe('addPermissionInput / removePermissionInput', () => {
  it('builds the exact S3 input for an unqualified function', () => {
    const sid = statementId('s3', FN, BUCKET_ARN);
    expect(addPermissionInput({ ...s3Request, statementId: sid })).toEqual({
      FunctionName: FN,
      StatementId: sid,
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: BUCKET_ARN,
      SourceAccount: ACCOUNT,
    });
  });

  it('sends a qualified ARN as the unqualified ARN plus Qualifier, and passes RevisionId', () => {
    expect(addPermissionInput({ ...snsRequest, functionArn: FN_PROD, statementId: 'x', revisionId: 'rev-1' })).toEqual({
      FunctionName: FN,
      StatementId: 'x',
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: TOPIC_ARN,
      Qualifier: 'prod',
      RevisionId: 'rev-1',
    });
    expect(removePermissionInput(FN_PROD, 'x')).toEqual({ FunctionName: FN, StatementId: 'x', Qualifier: 'prod' });
    expect(removePermissionInput(FN, 'x', 'rev-2')).toEqual({ FunctionName: FN, StatementId: 'x', RevisionId: 'rev-2' });
  });

  it('leaves SourceAccount out when not given', () => {
    expect(addPermissionInput({ ...snsRequest, statementId: 'x' })).not.toHaveProperty('SourceAccount');
  });

  it('refuses $LATEST, which Lambda does not accept policies on', () => {
    const latest = `${FN}:$LATEST`;
    let caught: unknown;
    try {
      addPermissionInput({ ...s3Request, functionArn: latest, statementId: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toContain(latest);
    expect((caught as Error).message).toContain('$LATEST');
  });
});

describe('sourceArnsByService', () => {
  it('maps each service principal to the source ARNs its Allow statements name', () => {
    const statements = parsePolicy(
      policy(
        s3Statement(),
        s3Statement({ Sid: 'b', Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::another' } } }),
        s3Statement({ Sid: 'dup' }),
        { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction', Condition: { ArnLike: { 'AWS:SourceArn': TOPIC_ARN } } },
        { Effect: 'Deny', Principal: { Service: 'events.amazonaws.com' }, Action: '*', Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:events:x' } } },
        { Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: '*' },
      ),
    );
    expect(sourceArnsByService(statements)).toEqual({
      's3.amazonaws.com': ['arn:aws:s3:::another', BUCKET_ARN],
      'sns.amazonaws.com': [TOPIC_ARN],
    });
  });
});

describe('policy size', () => {
  it('measures UTF-8 bytes and warns at 80% of 20480', () => {
    expect(LAMBDA_POLICY_SIZE_LIMIT).toBe(20480);
    expect(policySize(undefined)).toBe(0);
    expect(policySize('é')).toBe(2);
    expect(policyNearLimit('x'.repeat(16383))).toBe(false);
    expect(policyNearLimit('x'.repeat(16384))).toBe(true);
    expect(policyNearLimit('x'.repeat(100), 0.001)).toBe(true);
  });

  it('names the standard service principals', () => {
    expect(servicePrincipal('s3')).toBe('s3.amazonaws.com');
    expect(servicePrincipal('sns')).toBe('sns.amazonaws.com');
  });
});

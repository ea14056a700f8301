import { describe, expect, it } from 'vitest';
import { documentDbRoleHint, documentdbType, parseDocClusterRef, parseDocumentDbOptions } from '../../src/sources/documentdb.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docdb-a1b2c3';
const base = { database: 'shop', startingPosition: 'LATEST', secret: SECRET };
const NOW = new Date('2026-06-01T00:00:00Z');

describe('add documentdb flags', () => {
  it('needs a database, a starting position and a secret; the collection defaults to every collection', () => {
    expect(() => parseDocumentDbOptions({ startingPosition: 'LATEST', secret: SECRET }, NOW)).toThrow(/--database <name> is required/);
    expect(() => parseDocumentDbOptions({ database: 'shop', secret: SECRET }, NOW)).toThrow(/--starting-position is required for documentdb/);
    expect(() => parseDocumentDbOptions({ database: 'shop', startingPosition: 'LATEST' }, NOW)).toThrow(/--secret <secret-arn> is required/);
    expect(parseDocumentDbOptions(base, NOW).settings).toEqual({ database: 'shop', collection: '', startingPosition: 'LATEST', sourceAccess: [`BASIC_AUTH=${SECRET}`] });
  });

  it('checks database and collection names, FullDocument and AT_TIMESTAMP', () => {
    expect(() => parseDocumentDbOptions({ ...base, database: 'shop.orders' }, NOW)).toThrow(/--database.*"shop\.orders"/);
    expect(() => parseDocumentDbOptions({ ...base, database: 'x'.repeat(64) }, NOW)).toThrow(/--database.*1-63/);
    expect(() => parseDocumentDbOptions({ ...base, collection: 'system.users' }, NOW)).toThrow(/--collection.*system\./);
    expect(() => parseDocumentDbOptions({ ...base, collection: 'x'.repeat(58) }, NOW)).toThrow(/--collection.*1-57/);
    expect(parseDocumentDbOptions({ ...base, fullDocument: 'updatelookup' }, NOW).settings.fullDocument).toBe('UpdateLookup');
    expect(() => parseDocumentDbOptions({ ...base, fullDocument: 'Whole' }, NOW)).toThrow(/--full-document.*UpdateLookup, Default/);
    expect(parseDocumentDbOptions({ ...base, startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '1714564800' }, NOW).settings.startingPositionTimestamp).toEqual(new Date(1714564800 * 1000));
    expect(() => parseDocumentDbOptions({ ...base, reportBatchItemFailures: true }, NOW)).toThrow(/--report-batch-item-failures.*not DocumentDB/);
    expect(() => parseDocumentDbOptions({ ...base, filter: ['{"a":["b"]}'] }, NOW)).toThrow(/--filter.*does not support event filtering for Amazon DocumentDB/);
    expect(() => parseDocumentDbOptions({ ...base, filterKmsKey: 'arn:aws:kms:us-east-1:123456789012:key/k' }, NOW)).toThrow(/--filter-kms-key.*no filter criteria/);
  });

  it('reads cluster identifiers and ARNs (arn:aws:rds:<region>:<account>:cluster:<name>)', () => {
    expect(parseDocClusterRef('orders-docs')).toEqual({ kind: 'name', name: 'orders-docs' });
    expect(parseDocClusterRef('arn:aws:rds:eu-west-1:123456789012:cluster:orders-docs')).toMatchObject({ kind: 'arn', name: 'orders-docs', region: 'eu-west-1' });
    for (const bad of ['1docs', 'docs--x', 'docs-', 'arn:aws:rds:eu-west-1:123456789012:db:orders-docs']) expect(() => parseDocClusterRef(bad), bad).toThrow(/<cluster>/);
    expect(documentdbType.ownsSourceArn('arn:aws:rds:eu-west-1:123456789012:cluster:orders-docs')).toBe(true);
    expect(() => documentdbType.parseRemove('orders-docs', { collection: 'orders' })).toThrow(/--collection needs --database/);
  });

  it('says what the execution role needs (no managed policy covers it)', () => {
    const hint = documentDbRoleHint({ name: 'c', arn: 'arn:aws:rds:us-east-1:1:cluster:c', region: 'us-east-1', status: 'available', engine: 'docdb' }, { role: 'r' }, SECRET);
    expect(hint).toMatch(/rds:DescribeDBClusters/);
    expect(hint).toMatch(/secretsmanager:GetSecretValue on arn:aws:secretsmanager/);
    expect(hint).toMatch(/no AWS managed policy/);
  });
});

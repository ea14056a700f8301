import { describe, expect, it } from 'vitest';
import { documentdbFile } from '../../src/sources/documentdb.js';
import { mqFile } from '../../src/sources/mq.js';
import { mskFile } from '../../src/sources/msk.js';
import type { ExportScope, TriggerView } from '../../src/sources/contract.js';

// The file traits of msk, mq and documentdb with the ARNs AWS writes (moto's leave the names out).
const scope: ExportScope = { account: '123456789012', region: 'eu-west-1', partition: 'aws', findings: [] };
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:access-a1b2c3';
const view = (type: string, sourceArn: string, settings: Record<string, unknown>): TriggerView => ({
  type,
  id: '8b35eeeb-42c3-4601-b282-f62cbe78ff65',
  sourceArn,
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:worker',
  settings: { enabled: true, ...settings },
});

describe('triggers as a file: msk, mq, documentdb', () => {
  it('names a source of the export account and region by name, others by ARN, and a gone one by ARN', () => {
    const msk = view('msk', 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders-cluster/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-2', {
      topic: 'orders',
      consumerGroupId: '8b35eeeb-42c3-4601-b282-f62cbe78ff65',
      startingPosition: 'LATEST',
      batchSize: 100,
      sourceAccess: [`SASL_SCRAM_512_AUTH=${SECRET}`],
    });
    expect(mskFile.toEntry(msk, scope)).toEqual({ source: 'orders-cluster', flags: { topic: 'orders', startingPosition: 'LATEST', auth: `sasl-scram-512=${SECRET}` } });
    expect(mskFile.toEntry(msk, { ...scope, region: 'us-east-1' }).source).toBe(msk.sourceArn);
    const gone = { ...scope, findings: [{ code: 'source-missing' }] } as unknown as ExportScope;
    expect(mskFile.toEntry(msk, gone).source).toBe(msk.sourceArn);

    const mq = view('mq', 'arn:aws:mq:eu-west-1:123456789012:broker:orders-rabbit:b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9', {
      queue: 'orders',
      virtualHost: '/shop',
      batchSize: 100,
      sourceAccess: [`BASIC_AUTH=${SECRET}`],
    });
    expect(mqFile.toEntry(mq, scope)).toEqual({ source: 'orders-rabbit', flags: { queue: 'orders', virtualHost: '/shop', secret: SECRET } });

    const doc = view('documentdb', 'arn:aws:rds:eu-west-1:123456789012:cluster:orders-docs', {
      database: 'shop',
      collection: '',
      fullDocument: 'UpdateLookup',
      startingPosition: 'TRIM_HORIZON',
      sourceAccess: [`BASIC_AUTH=${SECRET}`],
    });
    expect(documentdbFile.toEntry(doc, scope)).toEqual({ source: 'orders-docs', flags: { database: 'shop', fullDocument: 'UpdateLookup', startingPosition: 'TRIM_HORIZON', secret: SECRET } });
  });

  it('DocumentDB defaults name only what Lambda has for it (no filters, no partial batch responses)', () => {
    const keys = documentdbFile.defaults.flatMap((d) => Object.keys(d.flags));
    expect(keys).not.toContain('filter');
    expect(keys).not.toContain('filterKmsKey');
    expect(keys).not.toContain('reportBatchItemFailures');
    expect(keys).toContain('fullDocument');
    expect(mqFile.defaults.flatMap((d) => Object.keys(d.flags))).not.toContain('reportBatchItemFailures');
  });
});

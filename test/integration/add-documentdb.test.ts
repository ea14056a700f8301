// Amazon DocumentDB end to end. moto has no DocumentDB (its RDS refuses the docdb engine): a missing cluster is
// moto's own answer, but an existing cluster is a DescribeDBClusters answer the fault proxy gives in this test.
// The mapping calls are answered by the event-source-mapping stand-in, because moto refuses them.
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useEsmStandIn } from '../helpers/esm-stand-in.js';
import { useFaultProxy } from '../helpers/fault-proxy.js';
import { createFunction } from '../helpers/fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const standIn = useEsmStandIn(moto);
const proxy = useFaultProxy(standIn);
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docdb-orders-a1b2c3';
const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const CLUSTER = 'arn:aws:rds:us-east-1:123456789012:cluster:orders-docs';

/** DescribeDBClusters as the DocumentDB API answers it for one cluster. */
function clusterAnswer(status = 'available', engine = 'docdb'): string {
  return (
    '<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult><DBClusters><DBCluster>' +
    `<DBClusterIdentifier>orders-docs</DBClusterIdentifier><DBClusterArn>${CLUSTER}</DBClusterArn><Status>${status}</Status><Engine>${engine}</Engine>` +
    '</DBCluster></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></DescribeDBClustersResponse>'
  );
}

beforeEach(async () => {
  await moto.reset();
  standIn.reset();
  proxy.clear();
  await createFunction(moto.endpoint, 'worker');
});

const run = (...argv: string[]) => runCli(argv, proxy.url);
const writes = () => proxy.calls.map((c) => c.operation).filter((op) => /^(Create|Update|Delete|Tag|Untag)/.test(op));
const DOC = ['add', 'documentdb', 'orders-docs', '--function', 'worker', '--database', 'shop', '--collection', 'orders', '--starting-position', 'LATEST', '--secret', SECRET];
const cluster = (status?: string, engine?: string) => proxy.inject({ match: { operation: 'DescribeDBClusters' }, fault: 'status', status: 200, body: clusterAnswer(status, engine), times: Infinity });

describe('add documentdb', () => {
  it('a cluster moto does not have is exit 3, read through the DocumentDB API', async () => {
    const r = await run(...DOC);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/DocumentDB cluster orders-docs does not exist/);
    expect(proxy.callsFor('DescribeDBClusters')[0]?.forwarded).toBe(true);
    expect(writes()).toEqual([]);
  });

  it('dry run shows the exact input; creates; no change; FullDocument updates in place; the collection and position are create-only', async () => {
    cluster('creating');
    const dry = await run(...DOC, '--full-document', 'UpdateLookup', '--batch-size', '25', '--dry-run', '--output', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().actions[0].input).toEqual({
      FunctionName: FN_ARN,
      EventSourceArn: CLUSTER,
      BatchSize: 25,
      StartingPosition: 'LATEST',
      SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: SECRET }],
      DocumentDBEventSourceConfig: { DatabaseName: 'shop', CollectionName: 'orders', FullDocument: 'UpdateLookup' },
    });
    expect(dry.stderr).toMatch(/orders-docs is creating, not available/);
    expect(writes()).toEqual([]);
    expect((await run(...DOC, '--full-document', 'UpdateLookup', '--batch-size', '25')).code).toBe(0);
    expect(standIn.mappings()[0]).toMatchObject({ EventSourceArn: CLUSTER, BatchSize: 25, DocumentDBEventSourceConfig: { DatabaseName: 'shop', CollectionName: 'orders', FullDocument: 'UpdateLookup' } });
    proxy.clear();
    cluster();
    expect((await run(...DOC, '--full-document', 'UpdateLookup')).stdout).toMatch(/No changes/);
    expect(writes()).toEqual([]);
    expect((await run(...DOC, '--full-document', 'Default')).code).toBe(0);
    expect(writes()).toEqual(['UpdateEventSourceMapping']);
    expect(standIn.mappings()[0]?.DocumentDBEventSourceConfig.FullDocument).toBe('Default');
    proxy.clear();
    cluster();
    const moved = await run(...DOC.map((a) => (a === 'LATEST' ? 'TRIM_HORIZON' : a)));
    expect(moved.code).toBe(3);
    expect(writes()).toEqual([]);
    expect((await run(...DOC.map((a) => (a === 'LATEST' ? 'TRIM_HORIZON' : a)), '--replace')).code).toBe(0);
    expect(standIn.mappings()).toHaveLength(1);
    // The batch size given earlier is carried to the new mapping; FullDocument Default is AWS's default.
    expect(standIn.mappings()[0]).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BatchSize: 25, DocumentDBEventSourceConfig: { DatabaseName: 'shop', CollectionName: 'orders' } });
    expect(standIn.mappings()[0]?.DocumentDBEventSourceConfig.FullDocument ?? 'Default').toBe('Default');
  });

  it('another engine is refused; list shows the database; remove by --database and by UUID', async () => {
    cluster('available', 'aurora-postgresql');
    const other = await run(...DOC);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/aurora-postgresql cluster, not Amazon DocumentDB/);
    proxy.clear();
    cluster();
    expect((await run(...DOC)).code).toBe(0);
    expect((await run('add', 'documentdb', CLUSTER, '--function', 'worker', '--database', 'billing', '--starting-position', 'LATEST', '--secret', SECRET)).code).toBe(0);
    const list = await run('list', '--function', 'worker');
    expect(list.stdout).toMatch(/documentdb\s+orders-docs/);
    expect(list.stdout).toMatch(/database=shop collection=orders/);
    expect(list.stdout).toMatch(/database=billing/);
    expect((await run('remove', 'documentdb', 'orders-docs', '--function', 'worker', '--database', 'shop', '--yes')).code).toBe(0);
    expect(standIn.mappings().map((m) => m.DocumentDBEventSourceConfig.DatabaseName)).toEqual(['billing']);
    expect((await run('remove', standIn.mappings()[0]?.UUID as string, '--yes')).code).toBe(0);
    expect(standIn.mappings()).toEqual([]);
  });
});

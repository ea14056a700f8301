import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { addPermission, createFunction, policyStatementsOf } from '../helpers/fixtures.js';
import { createLogGroup, deleteFilter, filtersOf, putFilter } from '../helpers/logs-fixtures.js';
import { useMoto } from '../helpers/moto.js';

const moto = useMoto();
const ACCOUNT = '123456789012';
const GROUP = '/app/api';
let fnArn: string;
let otherArn: string;
let groupArn: string;

beforeEach(async () => {
  await moto.reset();
  fnArn = await createFunction(moto.endpoint, 'ship');
  otherArn = await createFunction(moto.endpoint, 'other');
  groupArn = await createLogGroup(moto.endpoint, GROUP);
});

const cli = (...args: string[]) => runCli(args, moto.endpoint);
const add = (...args: string[]) => cli('add', 'logs', ...args);
type Json = Record<string, any>;

describe('evsrc add logs against moto', () => {
  it('adds the permission, then the filter; the statement names the group ARN with :* and the account', async () => {
    const r = await add(GROUP, '--function', 'ship', '--filter-pattern', 'ERROR', '--json');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const doc = r.json<Json>();
    expect(doc.actions.map((a: Json) => a.api)).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter']);
    expect(doc.trigger).toMatchObject({ type: 'logs', sourceArn: groupArn, sourceName: GROUP, functionArn: fnArn, settings: { filterPattern: 'ERROR' } });
    const filters = await filtersOf(moto.endpoint, GROUP);
    expect(filters).toEqual([{ filterName: doc.trigger.id, filterPattern: 'ERROR', destinationArn: fnArn }]);
    expect(doc.trigger.id).toMatch(/^evsrc-ship-[0-9a-f]{8}$/);
    const statements = await policyStatementsOf(moto.endpoint, 'ship');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Principal: { Service: 'logs.amazonaws.com' },
      Condition: { ArnLike: { 'AWS:SourceArn': groupArn }, StringEquals: { 'AWS:SourceAccount': ACCOUNT } },
    });
  });

  it('a re-run by ARN changes nothing; a new pattern updates the same filter in place', async () => {
    await add(GROUP, '--function', 'ship', '--filter-pattern', 'ERROR');
    const again = await add(groupArn, '--function', fnArn, '--filter-pattern', 'ERROR', '--json');
    expect(again.code).toBe(0);
    expect(again.json<Json>()).toMatchObject({ changed: false, actions: [] });
    expect((await cli('add', 'logs', GROUP, '--function', 'ship', '--filter-pattern', 'ERROR')).stdout).toMatch(/No changes/i);
    const name = (await filtersOf(moto.endpoint, GROUP))[0]?.filterName;
    const update = await add(GROUP.concat(''), '--function', 'ship', '--filter-pattern', 'WARN', '--json');
    expect(update.code).toBe(0);
    expect(update.json<Json>().actions).toEqual([
      expect.objectContaining({ api: 'logs:PutSubscriptionFilter', changes: [{ field: 'filterPattern', from: 'ERROR', to: 'WARN' }] }),
    ]);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([{ filterName: name, filterPattern: 'WARN', destinationArn: fnArn }]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toHaveLength(1);
  });

  it('a re-run without --filter-pattern keeps the pattern; a hand-made filter to the function is converged, not doubled', async () => {
    await putFilter(moto.endpoint, GROUP, 'by-hand', fnArn, 'ERROR');
    const r = await add(GROUP, '--function', 'ship', '--json');
    expect(r.code).toBe(0);
    const doc = r.json<Json>();
    // Only the permission was missing: the filter made by hand is kept as it is, not duplicated.
    expect(doc.actions.map((a: Json) => a.api)).toEqual(['lambda:AddPermission']);
    expect(doc.warnings.map((w: Json) => w.message).join('\n')).toMatch(/through filter by-hand/);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([{ filterName: 'by-hand', filterPattern: 'ERROR', destinationArn: fnArn }]);
    const again = await add(GROUP, '--function', 'ship', '--json');
    expect(again.json<Json>()).toMatchObject({ changed: false, actions: [] });
  });

  it('keeps a foreign filter beside its own', async () => {
    await putFilter(moto.endpoint, GROUP, 'someone-else', otherArn, 'x');
    const r = await add(GROUP, '--function', 'ship', '--filter-name', 'mine');
    expect(r.code).toBe(0);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([
      { filterName: 'mine', filterPattern: '', destinationArn: fnArn },
      { filterName: 'someone-else', filterPattern: 'x', destinationArn: otherArn },
    ]);
  });

  it('refuses a filter name that sends elsewhere (exit 3) and writes nothing', async () => {
    await putFilter(moto.endpoint, GROUP, 'taken', otherArn);
    const r = await add(GROUP, '--function', 'ship', '--filter-name', 'taken');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/taken/);
    expect(r.stderr).toContain(otherArn);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([{ filterName: 'taken', filterPattern: '', destinationArn: otherArn }]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
  });

  it('refuses a third filter on a full log group (exit 3), naming the filters that hold the slots', async () => {
    await putFilter(moto.endpoint, GROUP, 'first', otherArn);
    await putFilter(moto.endpoint, GROUP, 'second', otherArn);
    const r = await add(GROUP, '--function', 'ship');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/first/);
    expect(r.stderr).toMatch(/second/);
    expect((await filtersOf(moto.endpoint, GROUP)).map((f) => f.filterName)).toEqual(['first', 'second']);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
  });

  it('a LimitExceededException from CloudWatch Logs is named as a full log group (exit 3); the filter is as before', async () => {
    // moto counts filters before it looks for one to update (AWS updates in place): the same answer AWS gives
    // when its own limit is below evsrc's.
    await putFilter(moto.endpoint, GROUP, 'someone-else', otherArn);
    await add(GROUP, '--function', 'ship', '--filter-name', 'mine', '--filter-pattern', 'ERROR');
    const r = await add(GROUP, '--function', 'ship', '--filter-name', 'mine', '--filter-pattern', 'WARN');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/log group \/app\/api already has as many subscription filters as CloudWatch Logs allows: .*someone-else/);
    expect(r.stderr).toMatch(/allows: .*mine \(→ /);
    expect(r.stderr).toMatch(/delete-subscription-filter/);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([
      { filterName: 'mine', filterPattern: 'ERROR', destinationArn: fnArn },
      { filterName: 'someone-else', filterPattern: '', destinationArn: otherArn },
    ]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toHaveLength(1);
  });

  it('a missing log group exits 3 with a hint and writes nothing', async () => {
    const r = await add('/no/such', '--function', 'ship');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/log group \/no\/such does not exist/);
    expect(r.stderr).toMatch(/describe-log-groups/);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
  });

  it.each([
    [['bad name!', '--function', 'ship'], /<log-group>: "bad name!"/],
    [[`arn:aws:logs:us-east-1:999999999999:log-group:${GROUP}:*`, '--function', 'ship'], /account 999999999999/],
    [[`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${GROUP}`, '--function', 'ship'], /is in eu-west-1/],
    [[GROUP, '--function', 'ship', '--filter-pattern', 'x'.repeat(1025)], /--filter-pattern: .*1025/],
    [[GROUP, '--function', 'ship', '--filter-name', 'a:b'], /--filter-name: "a:b"/],
  ])('bad input %# exits 2 and writes nothing', async (args, message) => {
    const r = await add(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const r = await add(GROUP, '--function', 'ship', '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(r.json<Json>().actions.map((a: Json) => a.api)).toEqual(['lambda:AddPermission', 'logs:PutSubscriptionFilter']);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
  });
});

describe('evsrc list and remove with logs', () => {
  it('list --function shows the filter; a filter deleted by hand leaves an orphan permission', async () => {
    await add(GROUP, '--function', 'ship', '--filter-pattern', 'ERROR', '--filter-name', 'errors');
    const doc = (await cli('list', '--function', 'ship', '--json')).json<Json>();
    expect(doc.triggers).toEqual([
      expect.objectContaining({ type: 'logs', id: 'errors', sourceArn: groupArn, sourceName: GROUP, functionArn: fnArn, settings: { filterPattern: 'ERROR', filterName: 'errors' } }),
    ]);
    expect(doc.warnings.filter((w: Json) => ['orphan-permission', 'missing-permission'].includes(w.code))).toEqual([]);
    const wide = (await cli('list', '--json')).json<Json>();
    expect(wide.triggers.filter((t: Json) => t.type === 'logs').map((t: Json) => t.id)).toEqual(['errors']);

    await deleteFilter(moto.endpoint, GROUP, 'errors');
    const after = (await cli('list', '--function', 'ship', '--json')).json<Json>();
    const wideAfter = (await cli('list', '--check-permissions', '--json')).json<Json>();
    expect(wideAfter.warnings.filter((w: Json) => w.code === 'orphan-permission').map((w: Json) => w.sourceArn)).toEqual([groupArn]);
    expect(after.triggers).toEqual([]);
    const orphans = after.warnings.filter((w: Json) => w.code === 'orphan-permission');
    expect(orphans).toHaveLength(1);
    expect(orphans[0].message).toMatch(/log group \/app\/api .*nothing on that log group sends to it/);
  });

  it('list --function finds filters behind a wildcard grant; a grant without the trailing :* is flagged once, as not letting Logs in', async () => {
    await createLogGroup(moto.endpoint, '/aws/lambda/a');
    await createLogGroup(moto.endpoint, '/aws/lambda/b');
    await putFilter(moto.endpoint, '/aws/lambda/b', 'by-hand', fnArn);
    await addPermission(moto.endpoint, 'ship', 'wide', 'logs.amazonaws.com', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/*`);
    const doc = (await cli('list', '--function', 'ship', '--json')).json<Json>();
    expect(doc.triggers.map((t: Json) => `${t.sourceName}:${t.id}`)).toEqual(['/aws/lambda/b:by-hand']);
    expect(doc.warnings.filter((w: Json) => w.code === 'missing-permission')).toEqual([]);

    // A hand-made grant naming the group without ':*' does not match what CloudWatch Logs sends.
    await putFilter(moto.endpoint, GROUP, 'plain', fnArn);
    await addPermission(moto.endpoint, 'ship', 'no-star', 'logs.amazonaws.com', groupArn.replace(/:\*$/, ''));
    const after = (await cli('list', '--function', 'ship', '--json')).json<Json>();
    const problems = after.warnings.filter((w: Json) => w.sourceArn?.includes('/app/api')).map((w: Json) => w.code);
    expect(problems).toEqual(['missing-permission']);
  });

  it('remove deletes the function\'s filter, then its permission; a foreign filter stays', async () => {
    await putFilter(moto.endpoint, GROUP, 'someone-else', otherArn);
    await add(GROUP, '--function', 'ship');
    const r = await cli('remove', 'logs', GROUP, '--function', 'ship', '--yes', '--json');
    expect(r.code).toBe(0);
    expect(r.json<Json>().actions.map((a: Json) => a.api)).toEqual(['logs:DeleteSubscriptionFilter', 'lambda:RemovePermission']);
    expect(await filtersOf(moto.endpoint, GROUP)).toEqual([{ filterName: 'someone-else', filterPattern: '', destinationArn: otherArn }]);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toEqual([]);
    const again = await cli('remove', 'logs', GROUP, '--function', 'ship', '--yes', '--json');
    expect(again.code).toBe(0);
    expect(again.json<Json>().actions).toEqual([]);
  });

  it('remove --filter-name takes one filter and keeps the permission while another still sends', async () => {
    await add(GROUP, '--function', 'ship', '--filter-name', 'a');
    await add(GROUP, '--function', 'ship', '--filter-name', 'b', '--filter-pattern', 'WARN');
    const r = await cli('remove', 'logs', GROUP, '--function', 'ship', '--yes', '--filter-name', 'a', '--json');
    expect(r.code).toBe(0);
    expect(r.json<Json>().actions.map((a: Json) => a.api)).toEqual(['logs:DeleteSubscriptionFilter']);
    expect((await filtersOf(moto.endpoint, GROUP)).map((f) => f.filterName)).toEqual(['b']);
    expect(await policyStatementsOf(moto.endpoint, 'ship')).toHaveLength(1);
  });
});

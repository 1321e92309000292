import { afterEach, describe, expect, it } from 'vitest';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { reindexSources } from '../../src/sync/reindex.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from './engine-harness.ts';

const selfRegistered = (email: string) => ({
  schema_id: 'employee',
  traits: { email, name: { first: 'Self', last: 'Registered' } },
});

function indexKeys(harness: Harness): string[] {
  return [
    `${harness.prefix}:markers:hr:by-id`,
    `${harness.prefix}:markers:hr:by-key`,
    `${harness.prefix}:markers:hr:unmarked`,
  ];
}

async function getCalls(harness: Harness, work: () => Promise<unknown>): Promise<number> {
  const before = harness.ctx.kratos.callCounts().getIdentity ?? 0;
  await work();
  return (harness.ctx.kratos.callCounts().getIdentity ?? 0) - before;
}

describe('a lost marker index on Kratos v0.10 (lists without metadata_admin)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('deactivates a leaver after Redis lost the whole index, and reads each identity by id only once', async () => {
    const list = people(5);
    harness = await startHarness({ api: 'v0.10', people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const customer = await harness.ctx.kratos.createIdentity(selfRegistered('customer@example.org'));
    await harness.redis.del(...indexKeys(harness));
    harness.writePeople(list.filter((p) => p.id !== 'E00003'));

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.counts.deactivate?.applied).toBe(1);
    expect(simIdentitiesByKey(harness.sim).get('E00003')?.state).toBe('inactive');
    expect(report.managed).toBe(5);
    expect(harness.sim.identity(customer.id)).toMatchObject({ state: 'active', metadata_admin: null });
    expect(await createMarkerIndex(harness.redis, harness.prefix, 'hr').count()).toBe(5);

    // The index covers everyone again, and the customer is remembered as not ours: no more reads by id.
    expect(await getCalls(harness, () => runFullSync(harness!.ctx, 'hr', { trigger: 'schedule' }))).toBe(0);
  });

  it('deactivates a leaver missing from an index restored from an older backup', async () => {
    const list = people(5);
    harness = await startHarness({ api: 'v0.10', people: list.slice(0, 3) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const [byId, byKey] = indexKeys(harness);
    const backup = {
      byId: await harness.redis.hgetall(byId!),
      byKey: await harness.redis.hgetall(byKey!),
    };
    harness.writePeople(list);
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' }); // E00004 and E00005 join after the backup
    await harness.redis.del(byId!, byKey!);
    await harness.redis.hset(byId!, backup.byId);
    await harness.redis.hset(byKey!, backup.byKey);
    harness.writePeople(list.filter((p) => p.id !== 'E00005'));

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.counts.deactivate?.applied).toBe(1);
    expect(simIdentitiesByKey(harness.sim).get('E00005')?.state).toBe('inactive');
    expect(simIdentitiesByKey(harness.sim).get('E00004')?.state).toBe('active');
  });
});

describe.each(['v26', 'v0.10'] as const)('reindex on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('rebuilds the marker index from Kratos: our identities only, stale entries dropped', async () => {
    harness = await startHarness({ api, people: people(4) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const customer = await harness.ctx.kratos.createIdentity(selfRegistered('customer@example.org'));
    const foreign = await harness.ctx.kratos.createIdentity({
      ...selfRegistered('crm@example.org'),
      metadata_admin: { kratos_sync: { source: 'crm', key: 'C1' } },
    });
    await harness.redis.del(...indexKeys(harness));
    const index = createMarkerIndex(harness.redis, harness.prefix, 'hr');
    await index.put('00000000-0000-4000-8000-000000000000', { marker: { source: 'hr', key: 'E09999' } });

    const [result] = await reindexSources(harness.ctx, ['hr']);
    expect(result).toMatchObject({ source: 'hr', indexed: 4, dropped: 1, listed: 6 });
    expect(await index.count()).toBe(4);
    for (const [key, identity] of simIdentitiesByKey(harness.sim)) {
      if (key === 'C1') continue;
      expect(await index.identityIdOf(key)).toBe(identity.id);
      expect((await index.get(identity.id))?.marker).toMatchObject({ source: 'hr', key });
    }
    expect(await index.get(customer.id)).toBeNull();
    expect(await index.get(foreign.id)).toBeNull();
    expect(await index.identityIdOf('E09999')).toBeNull();

    // A full sync after the rebuild finds everyone unchanged and writes nothing.
    const writes = harness.writes();
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.unchanged).toBe(4);
    expect(harness.writes()).toEqual(writes);
  });
});

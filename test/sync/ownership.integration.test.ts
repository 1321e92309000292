import { afterEach, describe, expect, it } from 'vitest';
import { readAuditForRun } from '../../src/store/audit-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { type Harness, people, PROFILES, simIdentitiesByKey, startHarness } from './engine-harness.ts';

describe.each(PROFILES)('ownership on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  const selfRegistered = (email: string) => ({
    schema_id: 'employee',
    traits: { email, name: { first: 'Self', last: 'Registered' } },
  });

  it('leaves an unmanaged identity with the same email alone, and never touches unrelated ones', async () => {
    harness = await startHarness({
      api,
      people: people(5),
      source: { mayBeEmpty: true, guard: { maxRemoveFraction: 1, maxRemoveCount: 100 } },
    });
    const clash = await harness.ctx.kratos.createIdentity(selfRegistered('person3@example.com'));
    const stranger = await harness.ctx.kratos.createIdentity(selfRegistered('customer@example.org'));

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.counts.create?.applied).toBe(4);
    expect(report.collisions).toBe(1);
    expect(report.status).toBe('partial');
    expect(harness.sim.identity(clash.id)).toMatchObject({
      traits: { name: { first: 'Self' } },
      metadata_admin: null,
    });
    expect(simIdentitiesByKey(harness.sim).has('E00003')).toBe(false);

    // Everyone leaves the source: only our four identities are deactivated.
    harness.writePeople([]);
    const emptied = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(emptied.counts.deactivate?.applied).toBe(4);
    expect(harness.sim.identity(clash.id)?.state).toBe('active');
    expect(harness.sim.identity(stranger.id)).toMatchObject({ state: 'active', metadata_admin: null });
  });

  it('adopts the identity holding a person’s email when adoptByEmail is on', async () => {
    harness = await startHarness({ api, people: people(3), source: { adoptByEmail: true } });
    const existing = await harness.ctx.kratos.createIdentity(selfRegistered('person2@example.com'));

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.status).toBe('completed');
    expect(report.counts.adopt).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(report.counts.create?.applied).toBe(2);
    expect(harness.sim.state.identities.size).toBe(3);
    const adopted = harness.sim.identity(existing.id)!;
    expect(adopted.traits).toMatchObject({ name: { first: 'First2', last: 'Last2' } });
    expect((adopted.metadata_admin as { kratos_sync: unknown }).kratos_sync).toMatchObject({
      source: 'hr',
      key: 'E00002',
    });
    const audit = await readAuditForRun(harness.redis, harness.prefix, report);
    expect(audit.find((e) => e.action === 'adopt')).toMatchObject({
      key: 'E00002',
      identityId: existing.id,
      outcome: 'applied',
    });

    const again = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(again.unchanged).toBe(3);
    expect(again.counts).toEqual({});
  });

  it('does not adopt an identity another source owns', async () => {
    harness = await startHarness({ api, people: people(2), source: { adoptByEmail: true } });
    const owned = await harness.ctx.kratos.createIdentity({
      ...selfRegistered('person1@example.com'),
      metadata_admin: { kratos_sync: { source: 'crm', key: 'C-1' } },
    });
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.counts.adopt).toBeUndefined();
    expect(report.collisions).toBe(1);
    expect((harness.sim.identity(owned.id)!.metadata_admin as { kratos_sync: unknown }).kratos_sync).toEqual({
      source: 'crm',
      key: 'C-1',
    });
  });

  it('leaves a second identity carrying the same key alone and reports it', async () => {
    harness = await startHarness({ api, people: people(3) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const twin = await harness.ctx.kratos.createIdentity({
      ...selfRegistered('twin@example.org'),
      metadata_admin: { kratos_sync: { source: 'hr', key: 'E00001' } },
    });
    // Where lists show no markers (v0.10) only identities it wrote are known: the twin is invisible there.
    if (!harness.ctx.kratos.capabilities.listIncludesAdminMetadata)
      await harness.redis.hset(
        `${harness.prefix}:markers:hr:by-id`,
        twin.id,
        JSON.stringify({ m: { source: 'hr', key: 'E00001' } }),
      );
    const writes = harness.writes();
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.collisions).toBe(1);
    expect(report.status).toBe('partial');
    expect(report.counts.deactivate).toBeUndefined();
    expect(harness.writes()).toEqual(writes);
    expect(harness.sim.identity(twin.id)).toMatchObject({
      state: 'active',
      traits: { name: { first: 'Self' } },
    });
  });
});

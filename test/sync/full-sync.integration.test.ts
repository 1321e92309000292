import { afterEach, describe, expect, it } from 'vitest';
import { readAuditForRun } from '../../src/store/audit-store.ts';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { createRunStore } from '../../src/store/run-store.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import {
  people,
  person,
  PROFILES,
  simIdentitiesByKey,
  startHarness,
  type Harness,
} from './engine-harness.ts';

describe.each(PROFILES)('full sync against Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('creates everyone on the first run and writes nothing on the second', async () => {
    harness = await startHarness({ api, people: people(25) });
    const first = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(first.status).toBe('completed');
    expect(first.counts.create).toEqual({ planned: 25, applied: 25, failed: 0, skipped: 0 });
    const byKey = simIdentitiesByKey(harness.sim);
    expect(byKey.size).toBe(25);
    expect(harness.sim.state.identities.size).toBe(25);
    expect(byKey.get('E00007')?.traits).toMatchObject({
      email: 'person7@example.com',
      name: { first: 'First7', last: 'Last7' },
    });
    expect(await createMarkerIndex(harness.redis, harness.prefix, 'hr').count()).toBe(25);
    // One batch where the server has batch create (v1.0+), one POST per person on v0.10.
    const { capabilities } = harness.ctx.kratos;
    expect(harness.writes()).toEqual(
      capabilities.batchCreate ? { 'PATCH /admin/identities': 1 } : { 'POST /admin/identities': 25 },
    );
    // The demo mapping sets externalId: where Kratos has no external_id, that is said once per run.
    if (capabilities.externalIdLookup) expect(first.notices).toBeUndefined();
    else expect(first.notices).toEqual([expect.stringContaining('externalId for 25 people')]);
    const stored = [...harness.sim.state.identities.values()];
    expect(
      stored.every(
        (i) =>
          (i.external_id ?? null) ===
          (capabilities.externalIdLookup
            ? `hr-${(i.metadata_admin as { kratos_sync: { key: string } }).kratos_sync.key}`
            : null),
      ),
    ).toBe(true);

    const before = harness.writes();
    const second = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(second.status).toBe('completed');
    expect(second.unchanged).toBe(25);
    expect(second.counts).toEqual({});
    expect(harness.writes()).toEqual(before);
    expect(second.kratosCalls.byOperation).toEqual({ listIdentities: 1 });
    // Every admin request carries the /admin prefix: v0.10 to v25.4 would answer a bare path with a 307.
    const redirected = Object.entries(harness.sim.stats().requests).filter(
      ([route, byStatus]) =>
        !route.includes('schemas') && Object.keys(byStatus).some((s) => s.startsWith('3')),
    );
    expect(redirected).toEqual([]);
  });

  it('updates only the person who changed, and records field names in the audit trail', async () => {
    const list = people(10);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const before = harness.writes();
    list[3] = { ...list[3]!, last: 'Married', department: 'Sales', updated: '2026-02-01T00:00:00Z' };
    harness.writePeople(list);

    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.status).toBe('completed');
    expect(report.counts.update).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(report.unchanged).toBe(9);
    const route = harness.ctx.kratos.capabilities.jsonPatch
      ? 'PATCH /admin/identities/{id}'
      : 'PUT /admin/identities/{id}';
    const after = harness.writes();
    expect(after[route] ?? 0).toBe((before[route] ?? 0) + 1);
    expect(simIdentitiesByKey(harness.sim).get('E00004')?.traits).toMatchObject({
      name: { last: 'Married' },
      department: 'Sales',
    });

    const plan = await createRunStore(harness.redis, harness.prefix).readPlan(report.id);
    expect(plan.entries).toHaveLength(1);
    expect(plan.entries[0]).toMatchObject({ kind: 'update', key: 'E00004' });
    expect(plan.entries[0]!.changed).toEqual(
      expect.arrayContaining(['traits.name.last', 'traits.department', 'metadata_admin.department_code']),
    );
    const audit = await readAuditForRun(harness.redis, harness.prefix, report);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ key: 'E00004', action: 'update', outcome: 'applied', runId: report.id });
    expect(audit[0]!.changed).toContain('traits.name.last');
    const text = JSON.stringify(audit);
    for (const value of ['Married', 'Sales', 'SALES', 'person4@example.com', 'First4'])
      expect(text).not.toContain(value);
  });

  it('reports quarantined records with their reasons while the rest sync', async () => {
    const list = [...people(5), person(6, { email: 'not-an-email' })];
    harness = await startHarness({ api, people: list });
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.status).toBe('partial');
    expect(report.counts.create?.applied).toBe(5);
    expect(report.quarantined.total).toBe(1);
    expect(report.quarantined.records[0]).toMatchObject({ key: 'E00006' });
    expect(report.quarantined.records[0]!.field).toMatch(/email/);
    expect(JSON.stringify(report)).not.toContain('not-an-email');
    expect(simIdentitiesByKey(harness.sim).has('E00006')).toBe(false);
  });

  it('fails the people Kratos keeps refusing with SYNC_ERR_KRATOS_UNAVAILABLE, and applies them on the next run', async () => {
    const list = people(6);
    harness = await startHarness({ api, people: list });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    list[1] = { ...list[1]!, department: 'Ops', updated: '2026-07-01T00:00:00Z' };
    list[4] = { ...list[4]!, department: 'Ops', updated: '2026-07-01T00:00:00Z' };
    harness.writePeople([...list, ...people(1, 7)]);
    const writeRoute = harness.ctx.kratos.capabilities.jsonPatch
      ? 'PATCH /admin/identities/{id}'
      : 'PUT /admin/identities/{id}';
    harness.sim.setFaults({ errorRate: 1, errorStatus: 503, routes: [writeRoute] });

    const failing = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(failing.status).toBe('partial');
    expect(failing.counts.update).toEqual({ planned: 2, applied: 0, failed: 2, skipped: 0 });
    expect(failing.counts.create?.applied).toBe(1);
    expect(failing.failures.items.map((f) => [f.key, f.error.code])).toEqual([
      ['E00002', 'SYNC_ERR_KRATOS_UNAVAILABLE'],
      ['E00005', 'SYNC_ERR_KRATOS_UNAVAILABLE'],
    ]);

    harness.sim.setFaults({});
    const recovered = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(recovered.status).toBe('completed');
    expect(recovered.counts.update?.applied).toBe(2);
    expect(simIdentitiesByKey(harness.sim).get('E00005')?.traits).toMatchObject({ department: 'Ops' });
  });

  it('reports a run failed, and writes nothing, when Kratos is down while listing', async () => {
    harness = await startHarness({ api, people: people(3) });
    harness.sim.setFaults({ unavailable: true });
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'schedule' });
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('SYNC_ERR_KRATOS_UNAVAILABLE');
    harness.sim.setFaults({});
    expect(harness.sim.state.identities.size).toBe(0);
    const stored = await createRunStore(harness.redis, harness.prefix).get(report.id);
    expect(stored?.status).toBe('failed');
  });

  it('refuses a second full sync of the same source while one holds the lock', async () => {
    harness = await startHarness({ api, people: people(3) });
    const { acquireSyncLock } = await import('../../src/store/sync-lock.ts');
    const lock = await acquireSyncLock({
      redis: harness.redis,
      prefix: harness.prefix,
      source: 'hr',
      logger: harness.ctx.logger,
      holder: 'other-run',
    });
    try {
      await expect(runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).rejects.toMatchObject({
        code: 'SYNC_ERR_RUN_LOCKED',
      });
      // A dry run takes no lock and writes nothing, so it may look at the same time.
      expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli', dryRun: true })).plan).toHaveLength(3);
    } finally {
      await lock.release();
    }
    expect(harness.sim.state.identities.size).toBe(0);
  });

  it('forgets an identity deleted outside kratos-sync and creates its person again', async () => {
    harness = await startHarness({ api, people: people(4) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const gone = simIdentitiesByKey(harness.sim).get('E00002')!;
    await harness.ctx.kratos.deleteIdentity(gone.id);
    const report = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(report.counts.create).toEqual({ planned: 1, applied: 1, failed: 0, skipped: 0 });
    expect(report.unchanged).toBe(3);
    const index = createMarkerIndex(harness.redis, harness.prefix, 'hr');
    expect(await index.get(gone.id)).toBeNull();
    expect(await index.identityIdOf('E00002')).toBe(simIdentitiesByKey(harness.sim).get('E00002')?.id);
    expect(await index.count()).toBe(4);
  });
});

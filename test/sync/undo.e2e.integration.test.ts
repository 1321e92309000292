import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/identity.ts';
import { approveRun } from '../../src/sync/approve.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { createBeforeImageStore } from '../../src/store/before-image-store.ts';
import { undoRun } from '../../src/sync/run-undo.ts';
import { person, people, startHarness, type Harness, type Person } from './engine-harness.ts';

// A run that deactivated 30, deleted 5 and updated 20 people is undone to the exact earlier Kratos state, on
// both API generations; a person changed again since is skipped with the reason; without undo.key only
// states come back. Real Redis, the simulator over HTTP.
const UNDO_KEY = 'test-only-undo-key-0123456789abcdefghijklmnop';
const password = (key: string) => `pw-of-${key}-Secr3t`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.release();
  h = undefined;
});

/** What undo must bring back, per person key: everything but ids, timestamps and sessions. */
function snapshot(harness: Harness): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const identity of harness.sim.state.identities.values()) {
    const marker = (identity.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync;
    if (!marker?.key) continue;
    out.set(marker.key, {
      schema_id: identity.schema_id,
      traits: identity.traits,
      state: identity.state,
      metadata_public: identity.metadata_public ?? null,
      metadata_admin: identity.metadata_admin ?? null,
      external_id: identity.external_id ?? null,
      hashed_password: identity.credentials.password?.config.hashed_password ?? null,
    });
  }
  return structuredClone(out);
}

function identityOf(harness: Harness, key: string): Identity {
  for (const identity of harness.sim.state.identities.values()) {
    if ((identity.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync?.key === key)
      return identity as unknown as Identity;
  }
  throw new Error(`no identity for ${key}`);
}

async function put(harness: Harness, identity: Identity, changes: Record<string, unknown>) {
  const body = {
    schema_id: identity.schema_id,
    traits: identity.traits,
    state: identity.state,
    metadata_public: identity.metadata_public ?? null,
    metadata_admin: identity.metadata_admin ?? null,
    ...(identity.external_id ? { external_id: identity.external_id } : {}),
    ...changes,
  };
  const answer = await fetch(`${harness.sim.adminUrl}/admin/identities/${identity.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status, await answer.clone().text()).toBe(200);
}

async function redisDump(harness: Harness): Promise<string> {
  const keys = await harness.redis.keys(`${harness.prefix}*`);
  const parts: string[] = [];
  for (const key of keys) {
    const type = await harness.redis.type(key);
    if (type === 'string') parts.push((await harness.redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await harness.redis.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await harness.redis.lrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await harness.redis.xrange(key, '-', '+')));
    else if (type === 'zset') parts.push(JSON.stringify(await harness.redis.zrange(key, '0', '-1')));
  }
  return parts.join('\n');
}

/** Day 1: 60 people; 56–60 get passwords and leave on day 2 (deactivated), so the big run deletes them. */
async function bigRun(api: 'v26' | 'v0.10', undo: Record<string, unknown>) {
  h = await startHarness({
    api,
    people: people(60),
    source: {
      leaver: { policy: 'delete', graceDays: 10, when: 'status = "terminated"' },
      guard: { maxRemoveFraction: 1, maxRemoveCount: 1000 },
    },
    config: { undo },
  });
  const harness = h;
  expect((await runFullSync(harness.ctx, 'hr', { trigger: 'cli' })).status).toBe('completed');
  if (api === 'v26') {
    for (let n = 56; n <= 60; n += 1) {
      const key = person(n).id;
      await put(harness, identityOf(harness, key), {
        credentials: { password: { config: { password: password(key) } } },
      });
    }
  }
  const leaving = (n: number) => n >= 56 && n <= 60;
  harness.clock.advanceDays(1);
  harness.writePeople(
    people(60).map((p, i) =>
      leaving(i + 1) ? { ...p, status: 'terminated', updated: '2026-11-28T00:00:00Z' } : p,
    ),
  );
  const dayTwo = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
  expect(dayTwo.counts.deactivate?.applied).toBe(5);

  harness.clock.advanceDays(11);
  const next: Person[] = people(60).map((p, i) => {
    const n = i + 1;
    if (n <= 20) return { ...p, last: `Moved${n}`, department: 'Sales', updated: '2026-12-09T00:00:00Z' };
    if (n >= 26) return { ...p, status: 'terminated', updated: '2026-12-09T00:00:00Z' };
    return p;
  });
  harness.writePeople(next);
  const before = snapshot(harness);
  const run = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
  expect(run.counts.deactivate?.applied).toBe(30);
  expect(run.counts.delete?.applied).toBe(5);
  expect(run.counts.update?.applied).toBe(20);
  return { harness, before, run };
}

describe.each(['v26', 'v0.10'] as const)('undo a run (%s)', (api) => {
  it('brings back the exact earlier state of 30 deactivated, 5 deleted and 20 updated people; a person changed since is skipped', async () => {
    const { harness, before, run } = await bigRun(api, { key: UNDO_KEY });
    // Changed again since the run: one updated person edited by hand, one deactivated person reactivated.
    await put(harness, identityOf(harness, 'E00001'), {
      traits: { ...identityOf(harness, 'E00001').traits, department: 'Hand-edited' },
    });
    await put(harness, identityOf(harness, 'E00026'), { state: 'active' });
    // A deactivated person's traits edited since the run: reactivating them keeps the edit.
    await put(harness, identityOf(harness, 'E00027'), {
      traits: { ...identityOf(harness, 'E00027').traits, department: 'Edited-while-inactive' },
    });

    const writesBefore = harness.writes();
    const preview = await undoRun(harness.ctx, run.id, { dryRun: true, by: 'test' });
    expect(harness.writes()).toEqual(writesBefore);
    const kinds = (kind: string) => preview.plan.steps.filter((s) => s.kind === kind).length;
    expect([kinds('reactivate'), kinds('recreate'), kinds('restore'), kinds('deactivate')]).toEqual([
      29, 5, 19, 0,
    ]);
    expect(preview.plan.statesOnly).toBe(false);
    expect(preview.plan.skipped.map((s) => [s.key, s.reason]).sort()).toEqual([
      ['E00001', expect.stringContaining('changed since the run')],
      ['E00026', expect.stringContaining('active again')],
    ]);

    const { report } = await undoRun(harness.ctx, run.id, { by: 'cli:tester' });
    expect(report!.trigger).toBe('undo');
    expect(report!.undo).toMatchObject({ of: run.id, by: 'cli:tester', statesOnly: false });
    expect(report!.undo!.skipped.total).toBe(2);
    expect(report!.counts.reactivate).toMatchObject({ planned: 29, applied: 29, failed: 0 });
    expect(report!.counts.create).toMatchObject({ planned: 5, applied: 5, failed: 0 });
    expect(report!.counts.update).toMatchObject({ planned: 19, applied: 19, failed: 0 });
    expect(report!.status).toBe('partial'); // two people need a human look

    const after = snapshot(harness);
    for (const [key, was] of before) {
      if (key === 'E00001' || key === 'E00026') continue;
      if (key === 'E00027') {
        const { traits, ...rest } = was as { traits: Record<string, unknown> };
        expect(after.get(key), key).toEqual({
          ...rest,
          traits: { ...traits, department: 'Edited-while-inactive' },
        });
        continue;
      }
      expect(after.get(key), key).toEqual(was);
    }
    expect((after.get('E00001') as { traits: { department: string } }).traits.department).toBe('Hand-edited');
    if (api === 'v26') {
      // The recreated people sign in with their old password.
      for (let n = 56; n <= 60; n += 1) {
        const key = person(n).id;
        // Inactive before the run (deactivated on day 2): restored inactive, so a login is refused as
        // before; reactivated by hand it works with the old password.
        await put(harness, identityOf(harness, key), { state: 'active' });
        const login = await fetch(`${harness.sim.adminUrl}/_sim/login/password`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ identifier: person(n).email, password: password(key) }),
        });
        expect(login.status, key).toBe(201);
      }
    }

    // Before-images never in Redis in clear: no old department, no password hash, no old name.
    const dump = await redisDump(harness);
    expect(dump).not.toMatch(/engineering/i);
    expect(dump).not.toContain('$sha256$');
    expect(await harness.redis.keys(`${harness.prefix}:undo:${run.id}:*`)).toHaveLength(2);
    // The report and the audit trail name the run and the operator, never values.
    expect(JSON.stringify(report)).not.toMatch(/engineering|\$sha256\$/i);
  }, 120_000);

  it('without undo.key restores states only and says so', async () => {
    const { harness, before, run } = await bigRun(api, {});
    const { plan, report } = await undoRun(harness.ctx, run.id, { by: 'cli:tester' });
    expect(plan.statesOnly).toBe(true);
    expect(plan.notices.join(' ')).toContain('undo.key is not set: states only');
    expect(report!.counts.reactivate).toMatchObject({ applied: 30 });
    expect(report!.counts.create).toBeUndefined();
    expect(report!.counts.update).toBeUndefined();
    expect(report!.undo!.skipped.total).toBe(25);
    const after = snapshot(harness);
    for (let n = 26; n <= 55; n += 1) {
      const key = person(n).id;
      // Active again, with the metadata as before (the deactivation stamp is gone).
      expect(after.get(key), key).toEqual(before.get(key));
    }
    for (let n = 56; n <= 60; n += 1) expect(after.has(person(n).id)).toBe(false);
    expect((after.get('E00001') as { traits: { name: { last: string } } }).traits.name.last).toBe('Moved1');
  }, 120_000);

  it('deactivating the people a run created is a removal: over the guard it is held, then approved', async () => {
    h = await startHarness({
      api,
      people: people(12),
      source: { guard: { maxRemoveFraction: 0.5, maxRemoveCount: 3 } },
      config: { undo: { key: UNDO_KEY } },
    });
    const harness = h;
    const created = await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    expect(created.counts.create?.applied).toBe(12);
    const { report } = await undoRun(harness.ctx, created.id, { by: 'cli:tester' });
    expect(report!.status).toBe('held');
    expect(report!.guard.held).toBe(12);
    expect([...harness.sim.state.identities.values()].every((i) => i.state === 'active')).toBe(true);

    const decision = await approveRun(harness.ctx, report!.id);
    expect(decision.applied).toBe(12);
    expect([...harness.sim.state.identities.values()].every((i) => i.state === 'inactive')).toBe(true);
    expect(harness.sim.state.identities.size).toBe(12); // never deleted on undo
  }, 60_000);

  it('a run whose data key was dropped is undone for states only, and says why', async () => {
    const { harness, run } = await bigRun(api, { key: UNDO_KEY });
    await createBeforeImageStore({
      redis: harness.redis,
      prefix: harness.prefix,
      key: undefined,
      keepForMs: 1,
    }).drop(run.id);
    const { plan } = await undoRun(harness.ctx, run.id, { dryRun: true, by: 'test' });
    expect(plan.statesOnly).toBe(true);
    expect(plan.notices.join(' ')).toContain('kept no before-images (or they expired');
    expect(plan.steps.filter((s) => s.kind === 'reactivate')).toHaveLength(30);
    expect(plan.skipped.filter((s) => s.action === 'delete')).toHaveLength(5);
  }, 60_000);
});

describe('a run that cannot be undone', () => {
  it('is refused with SYNC_ERR_UNDO_REFUSED as a field (the console reads the code, not the message)', async () => {
    h = await startHarness({ api: 'v26', people: people(2) });
    // A dry run is not kept, so it is a run with no record, like an id never used.
    const dry = await runFullSync(h.ctx, 'hr', { trigger: 'cli', dryRun: true });
    for (const runId of [dry.id, '20990101T000000000Z-abcdef']) {
      const refusal = await undoRun(h.ctx, runId, { dryRun: true, by: 'test' }).catch((err: unknown) => err);
      expect(refusal).toMatchObject({ code: 'SYNC_ERR_UNDO_REFUSED', retry: 'permanent' });
    }
    await expect(undoRun(h.ctx, dry.id, { by: 'test' })).rejects.toMatchObject({
      code: 'SYNC_ERR_UNDO_REFUSED',
      message: expect.stringContaining('no run with id'),
    });
  }, 30_000);
});

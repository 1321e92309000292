import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import { readAuditForPerson } from '../../src/store/audit-store.ts';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import type { KratosSim } from '../kratos-sim/index.ts';
import { people, person } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

/**
 * A leaver's `person.sync` job reads the identity by id once to find and plan for the person; the
 * offboarding starts from that read instead of reading it again, so sessions are revoked one Kratos round
 * trip sooner. Counted by the simulator over real HTTP; every other step (marker check, deactivation,
 * revocation and its verification, receipt, audit) is still there.
 */
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Requests per route since `before` (a snapshot of `sim.stats().requests`, all statuses summed). */
function callsSince(sim: KratosSim, before: Record<string, Record<string, number>>): Record<string, number> {
  const sum = (byStatus: Record<string, number> | undefined) =>
    Object.values(byStatus ?? {}).reduce((a, b) => a + b, 0);
  const calls: Record<string, number> = {};
  for (const [route, byStatus] of Object.entries(sim.stats().requests)) {
    const n = sum(byStatus) - sum(before[route]);
    if (n > 0) calls[route] = n;
  }
  return calls;
}

describe.each(['v26', 'v0.10'] as const)('person.sync leaver on Kratos %s', (api) => {
  it('reads the identity once before deactivating it, and still deactivates, revokes and verifies', async () => {
    const everyone = people(3);
    const h = (harness = await startRuntimeHarness({ api, people: everyone }));
    await h.startReplica(['worker']);
    expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
    const key = person(2).id;
    const identity = [...h.sim.state.identities.values()].find(
      (i) => (i.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync?.key === key,
    )!;
    expect(identity).toBeDefined();
    h.sim.login(identity.id);
    h.sim.login(identity.id);
    h.writePeople(
      everyone.map((p) =>
        p.id === key ? { ...p, status: 'terminated', updated: '2026-06-01T00:00:00Z' } : p,
      ),
    );
    const before = structuredClone(h.sim.stats().requests);

    const { job, state } = await h.waitForJob(
      await enqueuePersonSync(h.queue, { source: 'hr', key, receivedAt: new Date().toISOString() }),
    );

    expect(state).toBe('completed');
    expect(job.returnvalue as PersonSyncResult).toMatchObject({
      status: 'deactivated',
      identityId: identity.id,
    });
    const write = api === 'v26' ? 'PATCH /admin/identities/{id}' : 'PUT /admin/identities/{id}';
    expect(callsSince(h.sim, before)).toEqual({
      // One read to find the person, one to verify the deactivation after the revoke (was three).
      'GET /admin/identities/{id}': 2,
      [write]: 1,
      // The count of sessions to revoke, then the verification that none is left.
      'GET /admin/identities/{id}/sessions': 2,
      'DELETE /admin/identities/{id}/sessions': 1,
    });
    expect(h.sim.identity(identity.id)!.state).toBe('inactive');
    expect(h.sim.sessionsOf(identity.id).filter((s) => s.active)).toHaveLength(0);
    const receipt = await createReceiptStore({ redis: h.redis, prefix: h.prefix }).get('hr', key);
    expect(receipt).toMatchObject({ outcome: 'offboarded', sessionsRevoked: 2, verified: true });
    const audit = await readAuditForPerson(h.redis, h.prefix, 'hr', key);
    expect(audit.filter((entry) => entry.action === 'deactivate')).toHaveLength(1);
  });
});

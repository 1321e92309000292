import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { offboardIdentity } from '../../src/access/offboard-identity.ts';
import { createReceiptStore, type ReceiptStore } from '../../src/store/receipt-store.ts';
import {
  createManagedIdentity,
  mintSession,
  startHarness,
  whoamiStatus,
  type Harness,
} from '../lifecycle/support/harness.ts';
import { leaksIn } from '../lifecycle/support/secret-scan.ts';

describe.each(['v26', 'v0.10'] as const)('offboardIdentity against Kratos %s', (api) => {
  let h: Harness;
  let receipts: ReceiptStore;
  let clock: Date;
  /** Session tokens minted in the test (revoked ones are gone from the simulator, but must not leak either). */
  const minted: string[] = [];
  const session = async (identityId: string): Promise<string> => {
    const token = await mintSession(h.sim, identityId);
    minted.push(token);
    return token;
  };
  const now = () => clock;

  beforeEach(async () => {
    h = await startHarness({ api, redisUrl: inject('redisUrl') });
    receipts = createReceiptStore({ redis: h.redis, prefix: h.prefix });
    clock = new Date('2026-03-02T09:00:00.000Z');
  });
  afterEach(async () => {
    try {
      expect(await leaksIn(h, minted)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  const deps = () => ({ kratos: h.kratos, logger: h.logger, now, receipts });

  it('takes every session of a leaver away, proves it, and writes a complete receipt', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E100' });
    const tokens = [await session(identity.id), await session(identity.id), await session(identity.id)];
    for (const token of tokens) expect(await whoamiStatus(h.sim, token)).toBe(200);

    const receipt = await offboardIdentity(deps(), {
      identityId: identity.id,
      source: 'hr',
      key: 'E100',
      reason: 'terminated in HR',
      leftAt: '2026-03-02T08:00:00.000Z',
    });

    for (const token of tokens) expect(await whoamiStatus(h.sim, token)).toBe(401);
    expect(receipt).toMatchObject({
      source: 'hr',
      key: 'E100',
      identityId: identity.id,
      reason: 'terminated in HR',
      leftAt: '2026-03-02T08:00:00.000Z',
      deactivatedAt: '2026-03-02T09:00:00.000Z',
      sessionsRevoked: 3,
      revokedAt: '2026-03-02T09:00:00.000Z',
      verified: true,
      verifiedAt: '2026-03-02T09:00:00.000Z',
      deletedAt: null,
      terminationToRevocationMs: 3_600_000,
      outcome: 'offboarded',
    });
    expect(receipt.error).toBeUndefined();
    const stored = h.sim.identity(identity.id)!;
    expect(stored.state).toBe('inactive');
    expect(stored.metadata_admin).toEqual({
      kratos_sync: { source: 'hr', key: 'E100', deactivated_at: '2026-03-02T09:00:00.000Z' },
    });
    // Everything else survived the write (v0.10 rewrites the whole identity with PUT).
    expect(stored.traits).toEqual(identity.traits);
    expect(h.sim.sessionsOf(identity.id)).toHaveLength(0);
    expect(await receipts.get('hr', 'E100')).toEqual(receipt);
    expect(
      (await receipts.findByEmail(String(identity.traits.email).toUpperCase())).map((r) => r.key),
    ).toEqual(['E100']);
  });

  it('ends in the same state when run twice, keeping the first deactivation time', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E101' });
    await session(identity.id);
    const first = await offboardIdentity(deps(), {
      identityId: identity.id,
      source: 'hr',
      key: 'E101',
      reason: 'left',
    });
    clock = new Date('2026-03-02T10:30:00.000Z');
    const second = await offboardIdentity(deps(), {
      identityId: identity.id,
      source: 'hr',
      key: 'E101',
      reason: 'left',
    });

    expect(first.outcome).toBe('offboarded');
    expect(second).toMatchObject({ outcome: 'offboarded', verified: true, sessionsRevoked: 0 });
    expect(second.deactivatedAt).toBe(first.deactivatedAt);
    expect(h.sim.identity(identity.id)!.metadata_admin).toMatchObject({
      kratos_sync: { deactivated_at: '2026-03-02T09:00:00.000Z' },
    });
  });

  it('refuses an identity without the ownership marker and leaves it and its sessions alone', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'C1', marker: false });
    const token = await session(identity.id);

    await expect(
      offboardIdentity(deps(), { identityId: identity.id, source: 'hr', key: 'C1', reason: 'left' }),
    ).rejects.toMatchObject({ code: 'SYNC_ERR_NOT_MANAGED' });

    expect(h.sim.identity(identity.id)!.state).toBe('active');
    expect(await whoamiStatus(h.sim, token)).toBe(200);
    expect(await receipts.get('hr', 'C1')).toMatchObject({
      outcome: 'refused',
      error: { code: 'SYNC_ERR_NOT_MANAGED' },
    });
  });

  it("refuses another source's identity, and another person's", async () => {
    const crm = await createManagedIdentity(h.kratos, { key: 'X1', source: 'crm' });
    const other = await createManagedIdentity(h.kratos, { key: 'E102' });
    await expect(
      offboardIdentity(deps(), { identityId: crm.id, source: 'hr', key: 'X1', reason: 'left' }),
    ).rejects.toThrow(/managed by source "crm"/);
    await expect(
      offboardIdentity(deps(), { identityId: other.id, source: 'hr', key: 'E999', reason: 'left' }),
    ).rejects.toThrow(/belongs to key "E102"/);
    expect(h.sim.identity(crm.id)!.state).toBe('active');
    expect(h.sim.identity(other.id)!.state).toBe('active');
  });

  it('deletes at once when asked, and a repeat finds it already gone', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E103' });
    const token = await session(identity.id);
    const receipt = await offboardIdentity(
      deps(),
      { identityId: identity.id, source: 'hr', key: 'E103', reason: 'runbook' },
      { deleteNow: true },
    );
    expect(receipt).toMatchObject({
      outcome: 'deleted',
      verified: true,
      sessionsRevoked: 1,
      deletedAt: clock.toISOString(),
    });
    expect(h.sim.identity(identity.id)).toBeUndefined();
    expect(await whoamiStatus(h.sim, token)).toBe(401);

    const again = await offboardIdentity(
      deps(),
      { identityId: identity.id, source: 'hr', key: 'E103', reason: 'runbook' },
      { deleteNow: true },
    );
    expect(again).toMatchObject({ outcome: 'already-gone', verified: true });
  });

  it('deletes after the grace period counted from the first deactivation, not before', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E104' });
    const grace = { deleteAfterGrace: { graceMs: 30 * 86_400_000 } };
    const target = { identityId: identity.id, source: 'hr', key: 'E104', reason: 'left' };
    expect((await offboardIdentity(deps(), target, grace)).outcome).toBe('offboarded');
    clock = new Date('2026-03-31T09:00:00.000Z'); // 29 days later
    expect((await offboardIdentity(deps(), target, grace)).outcome).toBe('offboarded');
    expect(h.sim.identity(identity.id)).toBeDefined();
    clock = new Date('2026-04-01T09:00:00.000Z'); // 30 days later
    expect((await offboardIdentity(deps(), target, grace)).outcome).toBe('deleted');
    expect(h.sim.identity(identity.id)).toBeUndefined();
  });

  it('treats a leaver with no session at all as revoked (404 on revoke is success)', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E105' });
    const receipt = await offboardIdentity(deps(), {
      identityId: identity.id,
      source: 'hr',
      key: 'E105',
      reason: 'left',
    });
    expect(receipt).toMatchObject({ outcome: 'offboarded', sessionsRevoked: 0, verified: true });
  });
});

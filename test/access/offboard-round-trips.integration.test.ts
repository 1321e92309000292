import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { offboardIdentity } from '../../src/access/offboard-identity.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { createReceiptStore, type ReceiptStore } from '../../src/store/receipt-store.ts';
import {
  createManagedIdentity,
  mintSession,
  startHarness,
  type Harness,
} from '../lifecycle/support/harness.ts';

/**
 * A leaver's sessions are counted while the deactivation is on its way, so the revoke starts one Kratos round
 * trip sooner (webhook → sessions revoked). Every call goes over HTTP to the simulator; the wrapper only
 * records when each call starts and ends, or fails one call the way a Kratos 5xx does.
 */
describe.each(['v26', 'v0.10'] as const)('offboardIdentity round trips against Kratos %s', (api) => {
  let h: Harness;
  let receipts: ReceiptStore;
  const now = () => new Date('2026-03-02T09:00:00.000Z');

  beforeEach(async () => {
    h = await startHarness({ api, redisUrl: inject('redisUrl') });
    receipts = createReceiptStore({ redis: h.redis, prefix: h.prefix });
  });
  afterEach(async () => {
    await h.close();
  });

  /** The harness's client, recording `<call>:start` / `<call>:end`, with `failing` calls rejected instead. */
  function recorded(failing: ReadonlySet<string> = new Set()) {
    const events: string[] = [];
    const wrap =
      <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        events.push(`${name}:start`);
        if (failing.has(name)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          events.push(`${name}:failed`);
          throw Object.assign(new Error(`${name}: Kratos answered 503`), { status: 503 });
        }
        try {
          return await call(...args);
        } finally {
          events.push(`${name}:end`);
        }
      };
    const k = h.kratos;
    const kratos: KratosClient = {
      ...k,
      getIdentity: wrap('get', k.getIdentity.bind(k)),
      patchIdentity: wrap('deactivate', k.patchIdentity.bind(k)),
      updateIdentity: wrap('deactivate', k.updateIdentity.bind(k)),
      listIdentitySessions: wrap('list', k.listIdentitySessions.bind(k)),
      revokeIdentitySessions: wrap('revoke', k.revokeIdentitySessions.bind(k)),
    };
    return { kratos, events };
  }

  const offboard = (kratos: KratosClient, identityId: string) =>
    offboardIdentity(
      { kratos, logger: h.logger, now, receipts },
      { identityId, source: 'hr', key: 'E300', reason: 'terminated in HR' },
    );

  it('counts the sessions while deactivating, then revokes: the count is the sessions there were', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E300' });
    await mintSession(h.sim, identity.id);
    await mintSession(h.sim, identity.id);
    const { kratos, events } = recorded();

    const receipt = await offboard(kratos, identity.id);

    expect(receipt).toMatchObject({ outcome: 'offboarded', sessionsRevoked: 2, verified: true });
    // Both calls were under way together, and the revoke came only after both ended.
    expect(events.indexOf('list:start')).toBeLessThan(events.indexOf('deactivate:end'));
    expect(events.indexOf('deactivate:start')).toBeLessThan(events.indexOf('list:end'));
    const revoke = events.indexOf('revoke:start');
    expect(revoke).toBeGreaterThan(events.indexOf('deactivate:end'));
    expect(revoke).toBeGreaterThan(events.indexOf('list:end'));
    // One count before the revoke; the list after it is the verification.
    expect(events.slice(0, revoke).filter((e) => e === 'list:start')).toHaveLength(1);
    expect(h.sim.sessionsOf(identity.id)).toHaveLength(0);
  });

  it('starts from an identity the caller read just now: no read before the deactivation, same receipt', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E300' });
    await mintSession(h.sim, identity.id);
    const readJustNow = await h.kratos.getIdentity(identity.id);
    const { kratos, events } = recorded();

    const receipt = await offboardIdentity(
      { kratos, logger: h.logger, now, receipts },
      { identityId: identity.id, source: 'hr', key: 'E300', reason: 'terminated in HR', readJustNow },
    );

    expect(receipt).toMatchObject({ outcome: 'offboarded', sessionsRevoked: 1, verified: true });
    // The first call is the deactivation (with the count); the only read is the verification's.
    expect(events.slice(0, events.indexOf('deactivate:end'))).not.toContain('get:start');
    expect(events.filter((e) => e === 'get:start')).toHaveLength(1);
    expect(h.sim.identity(identity.id)!.state).toBe('inactive');
    expect(h.sim.sessionsOf(identity.id)).toHaveLength(0);
  });

  it('still refuses an identity read just now that is not this person’s, and reads one given for another id', async () => {
    const mine = await createManagedIdentity(h.kratos, { key: 'E300' });
    const other = await createManagedIdentity(h.kratos, { key: 'E301' });
    const { kratos, events } = recorded();

    await expect(
      offboardIdentity(
        { kratos, logger: h.logger, now, receipts },
        {
          identityId: other.id,
          source: 'hr',
          key: 'E300',
          reason: 'terminated in HR',
          readJustNow: await h.kratos.getIdentity(other.id),
        },
      ),
    ).rejects.toMatchObject({ code: 'SYNC_ERR_NOT_MANAGED' });
    expect(h.sim.identity(other.id)!.state).toBe('active');
    expect(events).toEqual([]);

    // Given for another identity than the target: not used, the target is read by id.
    const receipt = await offboardIdentity(
      { kratos, logger: h.logger, now, receipts },
      {
        identityId: mine.id,
        source: 'hr',
        key: 'E300',
        reason: 'terminated in HR',
        readJustNow: await h.kratos.getIdentity(other.id),
      },
    );
    expect(receipt).toMatchObject({ outcome: 'offboarded', verified: true });
    expect(events[0]).toBe('get:start');
    expect(h.sim.identity(other.id)!.state).toBe('active');
  });

  it('a count that fails still leaves the identity deactivated; the failure is the receipt’s', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E300' });
    await mintSession(h.sim, identity.id);
    const { kratos, events } = recorded(new Set(['list']));

    await expect(offboard(kratos, identity.id)).rejects.toThrow('list: Kratos answered 503');

    expect(h.sim.identity(identity.id)!.state).toBe('inactive');
    expect(events).not.toContain('revoke:start');
    expect(await receipts.get('hr', 'E300')).toMatchObject({ outcome: 'failed', sessionsRevoked: 0 });
  });

  it('a deactivation that fails fails the offboarding (no revoke), and the count under way is no stray rejection', async () => {
    const identity = await createManagedIdentity(h.kratos, { key: 'E300' });
    await mintSession(h.sim, identity.id);
    const { kratos, events } = recorded(new Set(['deactivate']));

    await expect(offboard(kratos, identity.id)).rejects.toThrow('deactivate: Kratos answered 503');

    expect(events).not.toContain('revoke:start');
    expect(h.sim.identity(identity.id)!.state).toBe('active');
    expect(h.sim.sessionsOf(identity.id)).toHaveLength(1);
    expect(await receipts.get('hr', 'E300')).toMatchObject({ outcome: 'failed', deactivatedAt: null });
  });
});

import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/identity.ts';
import { planSync, planSyncDetailed, type PlanInput } from '../../src/sync/plan.ts';
import type { PlanAction } from '../../src/domain/plan.ts';
import { byEmail, DAY, desired, identityFor, leaverConfig, managedOf, NOW, SOURCE } from './plan.support.ts';

function plan(overrides: Partial<PlanInput> & { identities?: Identity[] } = {}): PlanAction[] {
  return planSyncDetailed(input(overrides)).actions;
}

function input(overrides: Partial<PlanInput> & { identities?: Identity[] }): PlanInput {
  const { identities = [], ...rest } = overrides;
  return {
    source: SOURCE,
    desired: [],
    managed: managedOf(identities),
    adoptable: byEmail(identities),
    adoptByEmail: false,
    leaver: leaverConfig(),
    now: NOW,
    ...rest,
  };
}

const kinds = (actions: PlanAction[]) => actions.map((a) => `${a.kind}:${a.key}`);

describe('planSync: new, changed and unchanged people', () => {
  it('creates a person Kratos does not have', () => {
    const actions = plan({ desired: [desired('E1')] });
    expect(kinds(actions)).toEqual(['create:E1']);
  });

  it('emits no action for an unchanged person and counts them', () => {
    const result = planSyncDetailed(input({ desired: [desired('E1')], identities: [identityFor('E1')] }));
    expect(result.actions).toEqual([]);
    expect(result.unchanged).toBe(1);
  });

  it('lists exactly the changed field paths of an update, never values', () => {
    const person = desired('E1', {
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'Lovelace' } },
      metadataPublic: { department: 'Research' },
    });
    const [action] = plan({ desired: [person], identities: [identityFor('E1')] });
    expect(action).toMatchObject({ kind: 'update', key: 'E1', identityId: 'id-E1' });
    expect(action?.kind === 'update' && action.changed).toEqual([
      'traits.name.last',
      'metadata_public.department',
    ]);
    expect(JSON.stringify(action && 'changed' in action ? action.changed : [])).not.toContain('Lovelace');
  });

  it('treats null, missing and empty metadata as the same', () => {
    const identities = [
      identityFor('E1', { metadata_public: null }),
      identityFor('E2', { metadata_public: {} }),
    ];
    delete identities[1]!.metadata_public;
    const actions = plan({
      desired: [desired('E1', { metadataPublic: {} }), desired('E2', { metadataPublic: null })],
      identities,
    });
    expect(actions).toEqual([]);
  });

  it('reports the whole metadata field when the identity had none', () => {
    const [action] = plan({
      desired: [desired('E1')],
      identities: [identityFor('E1', { metadata_public: null })],
    });
    expect(action?.kind === 'update' && action.changed).toEqual(['metadata_public']);
  });

  it('does not diff parts and traits written on create only', () => {
    const identities = [
      identityFor('E1', {
        traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' }, locale: 'de' },
      }),
    ];
    const person = desired('E1', {
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' }, locale: 'en' },
      metadataPublic: { department: 'Sales' },
      createOnly: ['metadataPublic'],
      createOnlyTraits: ['locale'],
    });
    expect(plan({ desired: [person], identities })).toEqual([]);
  });

  it("keeps other tools' metadata_admin keys when metadataAdmin is create-only (or unmapped)", () => {
    const identities = [
      identityFor('E1', { metadata_admin: { note: 'vip', kratos_sync: { source: SOURCE, key: 'E1' } } }),
    ];
    expect(plan({ desired: [desired('E1', { createOnly: ['metadataAdmin'] })], identities })).toEqual([]);
    const [owned] = plan({ desired: [desired('E1')], identities });
    expect(owned?.kind === 'update' && owned.changed).toEqual(['metadata_admin.note']);
  });

  it('compares external_id where Kratos stores it and ignores it where it does not (v0.10, v1.x)', () => {
    const identities = [identityFor('E1', { external_id: 'old' })];
    const [update] = plan({ desired: [desired('E1')], identities });
    expect(update?.kind === 'update' && update.changed).toEqual(['external_id']);
    const v010 = [identityFor('E1')];
    delete v010[0]!.external_id;
    expect(plan({ desired: [desired('E1')], identities: v010, externalIds: false })).toEqual([]);
  });

  it('skips a stale record (older version than the marker) and applies a newer one with its version', () => {
    const identities = [identityFor('E1', {}, { version: '2026-10-02T00:00:00Z' })];
    const renamed = { traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'New' } } };
    const stale = plan({
      desired: [desired('E1', { ...renamed, version: '2026-10-01T00:00:00Z' })],
      identities,
    });
    expect(stale).toEqual([expect.objectContaining({ kind: 'skip', key: 'E1', identityId: 'id-E1' })]);
    expect(stale[0]?.reason).toMatch(/stale/);
    const newer = plan({
      desired: [desired('E1', { ...renamed, version: '2026-10-03T00:00:00Z' })],
      identities,
    });
    expect(newer[0]?.kind === 'update' && newer[0].changed).toEqual([
      'traits.name.last',
      'metadata_admin.kratos_sync.version',
    ]);
  });

  it('records a newer source version even when no mapped field changed (stale events stay stale)', () => {
    const identities = [identityFor('E1', {}, { version: '5' })];
    const [action] = plan({ desired: [desired('E1', { version: '6' })], identities });
    expect(action?.kind === 'update' && action.changed).toEqual(['metadata_admin.kratos_sync.version']);
    expect(plan({ desired: [desired('E1', { version: '5' })], identities })).toEqual([]);
  });
});

describe('planSync: leavers', () => {
  it('deactivates a person who left the source, with policy deactivate', () => {
    const actions = plan({ identities: [identityFor('E1')] });
    expect(actions).toEqual([
      { kind: 'deactivate', key: 'E1', identityId: 'id-E1', reason: 'no longer in the source' },
    ]);
  });

  it('deactivates a person whose record says they left, and never creates one', () => {
    const actions = plan({
      desired: [
        desired('E1', { leaver: true, state: 'inactive' }),
        desired('E2', { leaver: true, state: 'inactive' }),
      ],
      identities: [identityFor('E1')],
    });
    expect(kinds(actions)).toEqual(['deactivate:E1']);
  });

  it('leaves an already inactive leaver alone (policy deactivate)', () => {
    expect(plan({ identities: [identityFor('E1', { state: 'inactive' })] })).toEqual([]);
  });

  it('does nothing for leavers with policy ignore, but still updates their other fields', () => {
    const leaver = leaverConfig({ policy: 'ignore' });
    expect(plan({ identities: [identityFor('E1')], leaver })).toEqual([]);
    const person = desired('E1', {
      leaver: true,
      state: 'inactive',
      metadataPublic: { department: 'Sales' },
    });
    const [action] = plan({ desired: [person], identities: [identityFor('E1')], leaver });
    expect(action?.kind === 'update' && action.changed).toEqual(['metadata_public.department']);
  });

  it('does not treat a quarantined person (presentKeys) as a leaver', () => {
    expect(plan({ identities: [identityFor('E1')], presentKeys: new Set(['E1']) })).toEqual([]);
  });

  describe('with policy delete', () => {
    const leaver = leaverConfig({ policy: 'delete', graceDays: 30 });
    const deactivatedDaysAgo = (days: number) =>
      identityFor(
        'E1',
        { state: 'inactive' },
        { deactivated_at: new Date(NOW.getTime() - days * DAY).toISOString() },
      );

    it('deactivates first', () => {
      expect(kinds(plan({ identities: [identityFor('E1')], leaver }))).toEqual(['deactivate:E1']);
    });

    it('waits during the grace period, deletes once it is over (exactly at the end counts)', () => {
      const waiting = planSyncDetailed(input({ identities: [deactivatedDaysAgo(29)], leaver }));
      expect(waiting.actions).toEqual([]);
      expect(waiting.waitingForGrace).toBe(1);
      expect(kinds(plan({ identities: [deactivatedDaysAgo(30)], leaver }))).toEqual(['delete:E1']);
    });

    it('restarts the grace period for an identity made inactive by someone else', () => {
      const actions = plan({ identities: [identityFor('E1', { state: 'inactive' })], leaver });
      expect(kinds(actions)).toEqual(['deactivate:E1']);
      expect(actions[0]?.reason).toMatch(/grace period/);
    });

    it('with graceDays 0 emits one delete (the applier offboards first), never deactivate + delete', () => {
      const actions = plan({
        identities: [identityFor('E1')],
        leaver: leaverConfig({ policy: 'delete', graceDays: 0 }),
      });
      expect(kinds(actions)).toEqual(['delete:E1']);
      expect(actions[0]?.reason).toMatch(/offboard, then delete/);
    });
  });

  it('reactivates a rehired person and clears the deactivation stamp', () => {
    const identities = [
      identityFor('E1', { state: 'inactive' }, { deactivated_at: '2026-01-01T00:00:00.000Z' }),
    ];
    const [action] = plan({ desired: [desired('E1')], identities });
    expect(action).toMatchObject({ kind: 'reactivate', key: 'E1', identityId: 'id-E1' });
    expect(action?.kind === 'reactivate' && action.changed).toEqual([
      'state',
      'metadata_admin.kratos_sync.deactivated_at',
    ]);
  });
});

describe('planSync: ownership', () => {
  it('never touches identities of another source, and reports a collision on external_id', () => {
    const foreign = identityFor('E1', {}, {}, 'crm');
    const actions = plan({ desired: [desired('E1')], identities: [foreign] });
    expect(actions).toEqual([expect.objectContaining({ kind: 'skip', key: 'E1' })]);
    expect(actions[0]?.reason).toMatch(/owned by source "crm"/);
    expect(plan({ identities: [foreign] })).toEqual([]);
  });

  it('reports a collision with an unmanaged identity by email unless adoptByEmail is on', () => {
    const unmanaged: Identity = {
      id: 'self-1',
      schema_id: 'default',
      state: 'active',
      traits: { email: 'E1@Example.com' },
    };
    const off = plan({ desired: [desired('E1')], identities: [unmanaged] });
    expect(off).toEqual([expect.objectContaining({ kind: 'skip', key: 'E1' })]);
    expect(off[0]?.reason).toMatch(/adoptByEmail/);

    const on = plan({ desired: [desired('E1')], identities: [unmanaged], adoptByEmail: true });
    expect(on).toEqual([expect.objectContaining({ kind: 'adopt', key: 'E1', identityId: 'self-1' })]);
    expect(on[0]?.kind === 'adopt' && on[0].changed).toContain('metadata_admin');
  });

  it('adopts one identity for one record only', () => {
    const unmanaged: Identity = { id: 'self-1', schema_id: 'default', traits: { email: 'same@example.com' } };
    const actions = plan({
      desired: [desired('E1', { email: 'same@example.com' }), desired('E2', { email: 'same@example.com' })],
      identities: [unmanaged],
      adoptByEmail: true,
    });
    expect(kinds(actions)).toEqual(['adopt:E1', 'skip:E2']);
  });

  it('re-keys an identity found by external_id when its old key is gone (the key mapping changed)', () => {
    const identities = [identityFor('OLD', { external_id: 'hr-E1' })];
    const [action] = plan({ desired: [desired('E1')], identities });
    expect(action).toMatchObject({ kind: 'update', key: 'E1', identityId: 'id-OLD' });
    expect(action?.kind === 'update' && action.changed).toContain('metadata_admin.kratos_sync.key');
  });

  it('skips a person whose external_id another present person holds', () => {
    const identities = [identityFor('E2', { external_id: 'hr-E1' })];
    const actions = plan({ desired: [desired('E1'), desired('E2', { externalId: 'hr-E1' })], identities });
    expect(kinds(actions)).toEqual(['skip:E1']);
  });

  it('leaves a duplicate identity for the same key alone (and says so)', () => {
    const identities = [
      identityFor('E1', { id: 'b', created_at: '2026-01-02T00:00:00Z' }),
      identityFor('E1', { id: 'a', created_at: '2026-01-01T00:00:00Z' }),
    ];
    const actions = plan({ desired: [desired('E1')], identities });
    expect(actions).toEqual([expect.objectContaining({ kind: 'skip', key: 'E1', identityId: 'b' })]);
  });
});

describe('planSync: order', () => {
  it('orders by kind, then key, whatever the input order', () => {
    const identities = [identityFor('Z9'), identityFor('A1', { metadata_public: { department: 'x' } })];
    const people = [desired('C3'), desired('A1'), desired('B2')];
    const one = planSync(input({ desired: people, identities }));
    const two = planSync(input({ desired: [...people].reverse(), identities: [...identities].reverse() }));
    expect(kinds(one)).toEqual(['create:B2', 'create:C3', 'update:A1', 'deactivate:Z9']);
    expect(two).toEqual(one);
  });
});

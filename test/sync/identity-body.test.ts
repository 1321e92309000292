import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/identity.ts';
import {
  identityAfterApply,
  toCreateBody,
  toDeactivateBody,
  toPatchOps,
  toUpdateBody,
} from '../../src/sync/identity-body.ts';
import type { PlanAction } from '../../src/domain/plan.ts';
import { applyJsonPatch, desired, identityFor, NOW, SOURCE } from './plan.support.ts';

const write = { source: SOURCE, now: NOW, externalIds: true };

describe('toCreateBody', () => {
  it('writes the marker with key and version, and external_id only where Kratos stores it', () => {
    const person = desired('E1', { version: '7', metadataAdmin: { manager: 'm' } });
    const body = toCreateBody(person, SOURCE, true);
    expect(body).toEqual({
      schema_id: 'employee',
      traits: person.traits,
      state: 'active',
      metadata_public: { department: 'Engineering' },
      metadata_admin: { manager: 'm', kratos_sync: { source: 'hr', key: 'E1', version: '7' } },
      external_id: 'hr-E1',
    });
    expect(toCreateBody(person, SOURCE, false)).not.toHaveProperty('external_id');
  });
});

describe('toUpdateBody (PUT replaces, so nothing may be wiped by omission)', () => {
  it('keeps the current external_id when the mapping has none, and fields written on create only', () => {
    const current = identityFor('E1', {
      external_id: 'legacy-1',
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' }, locale: 'de' },
      metadata_public: { department: 'Old' },
    });
    const person = desired('E1', {
      externalId: undefined,
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' }, locale: 'en' },
      createOnly: ['metadataPublic'],
      createOnlyTraits: ['locale'],
    });
    const body = toUpdateBody(person, current, SOURCE, true);
    expect(body.external_id).toBe('legacy-1');
    expect(body.traits).toEqual({
      email: 'e1@example.com',
      name: { first: 'Ada', last: 'E1' },
      locale: 'de',
    });
    expect(body.metadata_public).toEqual({ department: 'Old' });
    expect(person.traits.locale).toBe('en'); // the desired identity is not mutated
  });

  it('keeps the marker version from going backwards and the deactivation stamp while inactive', () => {
    const current = identityFor(
      'E1',
      { state: 'inactive' },
      { version: '9', deactivated_at: '2026-01-01T00:00:00.000Z' },
    );
    const body = toUpdateBody(desired('E1', { version: '3', state: 'inactive' }), current, SOURCE, true);
    expect(body.metadata_admin).toEqual({
      kratos_sync: { source: 'hr', key: 'E1', version: '9', deactivated_at: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('omits external_id where Kratos has none (v0.10, v1.x)', () => {
    expect(toUpdateBody(desired('E1'), identityFor('E1'), SOURCE, false)).not.toHaveProperty('external_id');
  });
});

describe('toDeactivateBody', () => {
  it('sets state inactive, stamps deactivated_at and keeps everything else', () => {
    const current = identityFor('E1', {
      metadata_admin: { manager: 'm', kratos_sync: { source: 'hr', key: 'E1', version: '2' } },
    });
    const body = toDeactivateBody(current, write);
    expect(body).toEqual({
      schema_id: current.schema_id,
      state: 'inactive',
      traits: current.traits,
      metadata_public: current.metadata_public,
      metadata_admin: {
        manager: 'm',
        kratos_sync: { source: 'hr', key: 'E1', version: '2', deactivated_at: NOW.toISOString() },
      },
      external_id: 'hr-E1',
    });
  });
});

describe('toPatchOps', () => {
  const update = (current: Identity, person = desired('E1')): PlanAction => ({
    kind: 'update',
    key: person.key,
    identityId: current.id,
    desired: person,
    changed: [],
    reason: 'test',
  });

  it('patches only the changed leaves, with add for new and remove for dropped fields', () => {
    const current = identityFor('E1', {
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' }, nickname: 'A' },
    });
    const person = desired('E1', {
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'Byron' }, phone: '+49 30 1234' },
    });
    expect(toPatchOps(update(current, person), current, write)).toEqual([
      { op: 'replace', path: '/traits/name/last', value: 'Byron' },
      { op: 'remove', path: '/traits/nickname' },
      { op: 'add', path: '/traits/phone', value: '+49 30 1234' },
    ]);
  });

  it('never patches /external_id where Kratos has none (v1.x would drop it and the write would repeat)', () => {
    const current = identityFor('E1');
    delete current.external_id;
    const person = desired('E1', { externalId: 'hr-E1' });
    expect(toPatchOps(update(current, person), current, { ...write, externalIds: false })).toEqual([]);
    expect(toPatchOps(update(current, person), current, write)).toEqual([
      { op: 'add', path: '/external_id', value: 'hr-E1' },
    ]);
  });

  it('replaces a whole metadata field that was null (a patch cannot add under null)', () => {
    const current = identityFor('E1', { metadata_public: null });
    expect(toPatchOps(update(current), current, write)).toEqual([
      { op: 'replace', path: '/metadata_public', value: { department: 'Engineering' } },
    ]);
  });

  it('escapes JSON Pointer segments', () => {
    const current = identityFor('E1', {
      traits: { email: 'e1@example.com', name: { first: 'Ada', last: 'E1' } },
    });
    const person = desired('E1', { traits: { ...current.traits, 'a/b~c': 1 } });
    expect(toPatchOps(update(current, person), current, write)).toEqual([
      { op: 'add', path: '/traits/a~1b~0c', value: 1 },
    ]);
  });

  it('deactivates with two operations and writes the marker when adopting', () => {
    const current = identityFor('E1');
    const deactivate: PlanAction = { kind: 'deactivate', key: 'E1', identityId: current.id, reason: 'left' };
    expect(toPatchOps(deactivate, current, write)).toEqual([
      { op: 'replace', path: '/state', value: 'inactive' },
      { op: 'add', path: '/metadata_admin/kratos_sync/deactivated_at', value: NOW.toISOString() },
    ]);
    const unmanaged: Identity = {
      id: 'u',
      schema_id: 'employee',
      traits: desired('E1').traits,
      metadata_admin: null,
    };
    const adopt: PlanAction = { ...update(unmanaged), kind: 'adopt' } as PlanAction;
    const ops = toPatchOps(adopt, unmanaged, write);
    expect(ops).toContainEqual({
      op: 'replace',
      path: '/metadata_admin',
      value: { kratos_sync: { source: 'hr', key: 'E1' } },
    });
  });

  it('ends in the same identity as identityAfterApply and as the PUT body', () => {
    const current = identityFor(
      'E1',
      {
        traits: { email: 'old@example.com', name: { first: 'Ada', last: 'E1' } },
        metadata_public: { department: 'Old', floor: 3 },
        state: 'inactive',
      },
      { deactivated_at: '2026-01-01T00:00:00.000Z' },
    );
    const action: PlanAction = { ...update(current), kind: 'reactivate' } as PlanAction;
    const viaPatch = applyJsonPatch(current, toPatchOps(action, current, write));
    const viaModel = identityAfterApply(action, current, write);
    const put = toUpdateBody(desired('E1'), current, SOURCE, true);
    expect(viaPatch).toEqual(viaModel);
    expect({ ...current, ...put }).toEqual(viaModel);
    expect(viaPatch.state).toBe('active');
    expect(viaPatch.metadata_admin).toEqual({ kratos_sync: { source: 'hr', key: 'E1' } });
  });

  it('refuses actions that are not writes to an existing identity', () => {
    const current = identityFor('E1');
    expect(() =>
      toPatchOps({ kind: 'delete', key: 'E1', identityId: 'id-E1', reason: 'x' }, current, write),
    ).toThrow(/not a write/);
  });
});

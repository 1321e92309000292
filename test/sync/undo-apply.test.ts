import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/errors/catalogue.ts';
import type { Identity } from '../../src/domain/identity.ts';
import type { ApplyDeps } from '../../src/sync/apply-types.ts';
import { applyUndoWrites } from '../../src/sync/undo-apply.ts';
import type { BeforeImage } from '../../src/store/before-image-store.ts';

const conflict = () =>
  Object.assign(new SyncError('SYNC_ERR_KRATOS_CONFLICT', 'identity conflict'), { status: 409 });

const image: BeforeImage = {
  action: 'update',
  key: 'E1',
  identity: {
    schema_id: 'default',
    traits: { email: 'e1@example.com' },
    state: 'active',
    metadata_public: null,
    metadata_admin: null,
  },
};
const current = { id: 'id-1', schema_id: 'default', traits: {}, state: 'active' } as Identity;

function deps(): ApplyDeps {
  return {
    source: 'hr',
    concurrency: 2,
    now: () => new Date('2026-01-01T00:00:00Z'),
    kratos: {
      capabilities: { externalIdLookup: true },
      createIdentity: () => Promise.reject(conflict()),
      updateIdentity: () => Promise.reject(conflict()),
    },
    index: { put: async () => {}, remove: async () => {} },
    audit: { record: async () => null },
  } as unknown as ApplyDeps;
}

describe('applyUndoWrites', () => {
  it('says "not recreated" for a recreate refused with 409, and not for a restore refused with 409', async () => {
    const { results } = await applyUndoWrites(
      deps(),
      [
        {
          kind: 'recreate',
          key: 'E1',
          identityId: 'id-0',
          reason: 'recreate',
          image: { ...image, action: 'delete' },
        },
        { kind: 'restore', key: 'E1', identityId: 'id-1', reason: 'restore', image, current },
      ],
      'run-1',
      'cli:test',
    );
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(results[0]!.error?.message).toMatch(/not recreated/);
    expect(results[1]!.error?.message).not.toMatch(/recreated/);
  });
});

import type { JsonObject } from '../../src/domain/identity.ts';
import type { CreateAction } from '../../src/sync/apply-types.ts';

/** A create action for fixture person n (the shape the planner gives), with these traits besides email and name. */
export function createAction(
  n: number,
  extra: { department?: string; metadataPublic?: JsonObject } = {},
): CreateAction {
  const key = `E${String(n).padStart(5, '0')}`;
  const email = `person${n}@example.com`;
  return {
    kind: 'create',
    key,
    reason: 'new in the source',
    desired: {
      key,
      externalId: key,
      schemaId: 'employee',
      traits: {
        email,
        name: { first: `First${n}`, last: `Last${n}` },
        ...(extra.department ? { department: extra.department } : {}),
      },
      metadataPublic: extra.metadataPublic ?? null,
      metadataAdmin: null,
      state: 'active',
      leaver: false,
      email,
      createOnly: [],
      createOnlyTraits: [],
    },
  };
}

import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../queue/helpers.ts';
import { startScimHarness, type ScimHarness } from './scim-harness.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// The requests Microsoft Entra ID's provisioning service sends, as its "Tutorial: Develop and plan
// provisioning for a SCIM endpoint" (learn.microsoft.com) lists them: lookups by userName and by
// displayName with excludedAttributes=members, creates carrying the enterprise extension, PATCH with
// capitalised ops ("Replace", "Add", "Remove"), value-path targets (emails[type eq "work"].value), the
// manager as a bare id, booleans as strings ("False"), member removal with a value list, and DELETE.
describe.each(['v26', 'v0.10'] as const)('Microsoft Entra ID provisioning into Kratos %s', (api) => {
  let h: ScimHarness | undefined;
  afterEach(async () => {
    await h?.release();
    h = undefined;
  });

  async function createUser(harness: ScimHarness, userName: string, extra: Record<string, unknown> = {}) {
    const lookup = await harness.scim(
      'GET',
      `/Users?filter=userName+eq+%22${encodeURIComponent(userName)}%22`,
    );
    expect(lookup.body.totalResults).toBe(0);
    const r = await harness.scim('POST', '/Users', {
      schemas: [CORE, ENTERPRISE],
      externalId: userName.split('@')[0],
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: userName }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      roles: [],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: '4711' },
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }

  it('updates with Replace/Add on value paths, sets and removes the manager, disables with "False", deletes', async () => {
    h = await startScimHarness({
      api,
      source: { leaver: { when: 'active = false', policy: 'delete', graceDays: 0 } },
    });
    const boss = await createUser(h, 'boss@contoso.example');
    const id = await createUser(h, 'test.user@contoso.example');
    expect(h.identities().get(id)!.traits).toMatchObject({ department: 'Sales', employee_number: '4711' });

    const update = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'renamed@contoso.example' },
        { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: boss },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Marketing' },
      ],
    });
    expect(update.status).toBe(200);
    expect(update.body.emails).toEqual([{ primary: true, type: 'work', value: 'renamed@contoso.example' }]);
    expect(update.body.name).toEqual({ formatted: 'Test User', familyName: 'Renamed', givenName: 'Test' });
    expect(update.body[ENTERPRISE]).toEqual({
      department: 'Marketing',
      employeeNumber: '4711',
      manager: { value: boss },
    });
    expect(h.identities().get(id)!.traits).toMatchObject({
      email: 'renamed@contoso.example',
      name: { family: 'Renamed', given: 'Test' },
      department: 'Marketing',
    });

    const removeManager = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    });
    expect(removeManager.body[ENTERPRISE].manager).toBeUndefined();

    const identityId = h.identities().get(id)!.id;
    h.sim.login(identityId);
    const disable = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(disable.status).toBe(200);
    expect(disable.body.active).toBe(false);
    // leaver.graceDays 0: the whole offboarding, then the delete.
    expect(h.sim.identity(identityId)).toBeUndefined();

    expect((await h.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await h.scim('GET', `/Users/${id}`)).status).toBe(404);
    expect([...h.identities().keys()]).toEqual([boss]);
    expect(h.sim.state.identities.size).toBe(1);
    expect(h.identities().get(boss)).toMatchObject({
      state: 'active',
      traits: {
        username: 'boss@contoso.example',
        email: 'boss@contoso.example',
        emails: ['boss@contoso.example'],
        name: { given: 'Test', family: 'User' },
        department: 'Sales',
        employee_number: '4711',
      },
    });
    expect(Object.keys(h.identities().get(boss)!.traits).sort()).toEqual([
      'department',
      'email',
      'emails',
      'employee_number',
      'name',
      'username',
    ]);
  });

  it('DELETE offboards through the engine when the leaver policy keeps the identity deactivated', async () => {
    h = await startScimHarness({ api, source: { leaver: { policy: 'deactivate' } } });
    const id = await createUser(h, 'leaver@contoso.example');
    const identityId = h.identities().get(id)!.id;
    h.sim.login(identityId);
    expect((await h.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(h.sim.identity(identityId)!.state).toBe('inactive');
    expect(h.sim.sessionsOf(identityId).filter((s) => s.active)).toEqual([]);
    // Logged just after the answer went out (fastify's onResponse): wait for the entry, do not assume it.
    const newest = await waitFor('the DELETE in the request log', async () => {
      const [entry] = await h!.redis.lrange(`${h!.prefix}:scim:directory:requests`, 0, 0);
      return entry && (JSON.parse(entry) as { method: string }).method === 'DELETE' ? entry : undefined;
    });
    expect(JSON.parse(newest)).toMatchObject({
      client: 'okta',
      method: 'DELETE',
      resource: 'Users/{id}',
      id,
      status: 204,
      outcome: 'deactivated',
    });
  });

  it('provisions a group: lookup without members, Add and Remove members with value lists', async () => {
    h = await startScimHarness({ api });
    const a = await createUser(h, 'a@contoso.example');
    const b = await createUser(h, 'b@contoso.example');
    const lookup = await h.scim(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%20Team%22',
    );
    expect(lookup.body.totalResults).toBe(0);
    const created = await h.scim('POST', '/Groups', {
      schemas: [GROUP],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Sales Team',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    const gid = created.body.id as string;
    const add = await h.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: a },
            { $ref: null, value: b },
          ],
        },
      ],
    });
    expect(add.status).toBe(200);
    const found = await h.scim(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName+eq+%22sales%20team%22',
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].members).toBeUndefined();
    await waitFor('both in Sales Team', () =>
      [a, b].every((id) => h!.identities().get(id)?.metadata_public?.groups?.includes('Sales Team')),
    );
    const remove = await h.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] }],
    });
    expect(remove.status).toBe(200);
    expect(remove.body.members).toEqual([expect.objectContaining({ value: b })]);
    await waitFor('a left Sales Team', () => h!.identities().get(a)?.metadata_public?.groups?.length === 0);
    expect(h.identities().get(b)!.metadata_public.groups).toEqual(['Sales Team']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { buildContext } from '../../src/app/build-context.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { PersonEvent } from '../../src/sync/context.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { waitFor } from '../queue/helpers.ts';
import { startScimHarness, type ScimHarness } from './scim-harness.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

// The request sequence of Okta's SCIM 2.0 guide ("SCIM 2.0 protocol reference", developer.okta.com): look
// the user up by userName, create, read, update with PUT, deactivate and reactivate with PATCH
// `{"op":"replace","value":{"active":…}}`, then Group Push (create, rename with replace {id, displayName},
// members add / remove by value filter, delete).
describe.each(['v26', 'v0.10'] as const)('Okta provisioning into Kratos %s', (api) => {
  let h: ScimHarness | undefined;
  afterEach(async () => {
    await h?.release();
    h = undefined;
  });

  it('creates, updates, deactivates (offboarding through the engine) and reactivates a user', async () => {
    const created: PersonEvent[] = [];
    h = await startScimHarness({ api, hooks: { identityCreated: async (e) => void created.push(e) } });
    const lookup = await h.scim(
      'GET',
      '/Users?filter=userName%20eq%20%22jane.doe%40example.com%22&startIndex=1&count=100',
    );
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });

    const post = await h.scim('POST', '/Users', {
      schemas: [CORE],
      userName: 'jane.doe@example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ primary: true, value: 'jane.doe@example.com', type: 'work' }],
      displayName: 'Jane Doe',
      locale: 'en-US',
      externalId: '00u1abcdEFGH',
      groups: [],
      password: { value: 'never-stored-1!' },
      active: true,
    });
    expect(post.status).toBe(201);
    expect(post.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id = post.body.id as string;
    expect(post.headers.get('location')).toBe(`${h.base}/Users/${id}`);
    expect(post.body).toMatchObject({
      userName: 'jane.doe@example.com',
      active: true,
      meta: { resourceType: 'User', location: `${h.base}/Users/${id}` },
    });
    expect(post.body.password).toBeUndefined();
    const identity = h.identities().get(id)!;
    expect(identity).toMatchObject({
      state: 'active',
      schema_id: 'scim-user',
      traits: {
        username: 'jane.doe@example.com',
        email: 'jane.doe@example.com',
        emails: ['jane.doe@example.com'],
        name: { given: 'Jane', family: 'Doe' },
        display_name: 'Jane Doe',
      },
    });
    if (api === 'v26') expect(identity.external_id).toBe('00u1abcdEFGH');
    expect(created).toEqual([
      expect.objectContaining({ source: 'directory', key: id, identityId: identity.id }),
    ]);
    // The password Okta sent is neither stored nor set.
    const stored = await h.redis.hget(`${h.prefix}:scim:directory:users`, id);
    expect(stored).not.toContain('never-stored');

    const again = await h.scim('GET', `/Users?filter=userName%20eq%20%22JANE.DOE%40example.com%22`);
    expect(again.body.totalResults).toBe(1);
    expect((await h.scim('GET', `/Users/${id}`)).body.name).toEqual({ givenName: 'Jane', familyName: 'Doe' });

    const put = await h.scim('PUT', `/Users/${id}`, {
      ...post.body,
      name: { givenName: 'Janet', familyName: 'Doe' },
      displayName: 'Janet Doe',
    });
    expect(put.status).toBe(200);
    expect(h.identities().get(id)!.traits).toMatchObject({
      name: { given: 'Janet' },
      display_name: 'Janet Doe',
    });

    const session = h.sim.login(identity.id);
    const deactivate = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivate.status).toBe(200);
    expect(deactivate.body.active).toBe(false);
    expect(h.sim.identity(identity.id)!.state).toBe('inactive');
    expect(h.sim.sessionsOf(identity.id).filter((s) => s.active)).toEqual([]);
    expect(session.sessionToken).toBeTruthy();

    const reactivate = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(reactivate.status).toBe(200);
    expect(h.sim.identity(identity.id)!.state).toBe('active');
    expect(h.sim.state.identities.size).toBe(1);
    // The exact end state: what the directory holds, through the example's mapping, with our marker.
    const final = h.sim.identity(identity.id)!;
    expect(final.state).toBe('active');
    expect(final.traits).toEqual({
      username: 'jane.doe@example.com',
      email: 'jane.doe@example.com',
      emails: ['jane.doe@example.com'],
      name: { given: 'Janet', family: 'Doe' },
      display_name: 'Janet Doe',
    });
    expect(final.metadata_public).toEqual({ groups: [] });
    expect((final.metadata_admin as any).kratos_sync).toMatchObject({ source: 'directory', key: id });
  });

  it('pushes a group: members reach metadata_public.groups, rename, remove, delete', async () => {
    h = await startScimHarness({ api });
    const ids: string[] = [];
    for (const name of ['ann', 'bob']) {
      const r = await h.scim('POST', '/Users', {
        schemas: [CORE],
        userName: `${name}@example.com`,
        active: true,
      });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const group = await h.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      members: [{ value: ids[0], display: 'ann@example.com' }],
    });
    expect(group.status).toBe(201);
    const gid = group.body.id as string;
    await waitFor('ann in Engineering', () =>
      h!.identities().get(ids[0]!)?.metadata_public?.groups?.includes('Engineering'),
    );

    const rename = await h.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id: gid, displayName: 'Platform' } }],
    });
    expect(rename.status).toBe(200);
    expect(rename.body.displayName).toBe('Platform');
    const add = await h.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids[1], display: 'bob@example.com' }] }],
    });
    expect(add.status).toBe(200);
    await waitFor('bob in Platform', () =>
      h!.identities().get(ids[1]!)?.metadata_public?.groups?.includes('Platform'),
    );
    const remove = await h.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }],
    });
    expect(remove.status).toBe(200);
    expect(remove.body.members).toEqual([expect.objectContaining({ value: ids[1] })]);
    await waitFor('ann out of Platform', () => {
      const groups = h!.identities().get(ids[0]!)?.metadata_public?.groups;
      return Array.isArray(groups) && groups.length === 0;
    });
    const user = await h.scim('GET', `/Users/${ids[1]}`);
    expect(user.body.groups).toEqual([expect.objectContaining({ value: gid, display: 'Platform' })]);

    expect((await h.scim('DELETE', `/Groups/${gid}`)).status).toBe(204);
    await waitFor('bob in no group', () => {
      const groups = h!.identities().get(ids[1]!)?.metadata_public?.groups;
      return Array.isArray(groups) && groups.length === 0;
    });
    expect((await h.scim('GET', `/Groups/${gid}`)).status).toBe(404);
  });

  it('leaves Kratos as it is on a full reconcile of what was provisioned (one mapping for both paths)', async () => {
    h = await startScimHarness({ api });
    const ids: string[] = [];
    for (const name of ['cy', 'di']) {
      const r = await h.scim('POST', '/Users', {
        schemas: [CORE],
        userName: `${name}@example.com`,
        title: 'Dev',
      });
      ids.push(r.body.id);
    }
    for (const displayName of ['Zeta', 'Alpha']) {
      const g = await h.scim('POST', '/Groups', {
        schemas: [GROUP],
        displayName,
        members: ids.map((value) => ({ value })),
      });
      expect(g.status).toBe(201);
    }
    await waitFor('both groups on both people', () =>
      ids.every((id) => h!.identities().get(id)?.metadata_public?.groups?.length === 2),
    );
    expect(h.identities().get(ids[0]!)!.metadata_public.groups).toEqual(['Alpha', 'Zeta']);
    const writes = JSON.stringify(h.sim.stats().requests['PATCH /admin/identities/{id}'] ?? {});
    const built = await buildContext({ config: h.config, baseDir: '.', logger: silentLogger() });
    try {
      const report = await runFullSync(built.ctx, 'directory', { trigger: 'cli' });
      expect(report.status).toBe('completed');
      expect(report.counts).toEqual({});
    } finally {
      await built.release();
    }
    expect(JSON.stringify(h.sim.stats().requests['PATCH /admin/identities/{id}'] ?? {})).toBe(writes);
  });
});

import { Configuration, FrontendApi, IdentityApi, ResponseError } from '@ory/client-fetch';
import * as KratosV1 from '@ory/kratos-client-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';

// The official Ory SDK (@ory/client-fetch, the IdentityApi generation) must be able to drive the
// simulator like a real Kratos. The SDK has no V0alpha2Api any more; its IdentityApi shares the v0.10
// paths for create/list/get/update/delete, recovery links and identity sessions, so those run against the
// v0.10 simulator too, and the v26-only calls are shown to fail there the way a real v0.10 makes them fail.
const traits = (n: number, tag: string) => ({
  email: `sdk${n}-${tag}@example.com`,
  name: { first: 'Sam', last: `Dee${n}` },
});

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (err) {
    if (err instanceof ResponseError || err instanceof KratosV1.ResponseError) return err.response.status;
    throw err;
  }
}

describe.each(['v26', 'v25.4', 'v0.10'] as const)('@ory/client-fetch against the %s simulator', (api) => {
  let sim: KratosSim;
  let identityApi: IdentityApi;
  let frontendApi: FrontendApi;
  const tag = api.replace('.', '');

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    const config = new Configuration({ basePath: sim.url });
    identityApi = new IdentityApi(config);
    frontendApi = new FrontendApi(config);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('creates, gets, lists, updates and deletes identities', async () => {
    const created = await identityApi.createIdentity({
      createIdentityBody: {
        schema_id: 'employee',
        traits: traits(1, tag),
        metadata_admin: { owner: 'sync' },
      },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.state).toBe('active');
    expect(created.created_at).toBeInstanceOf(Date);
    expect(sim.identity(created.id)?.traits).toEqual(traits(1, tag));

    const got = await identityApi.getIdentity({ id: created.id });
    expect(got.metadata_admin).toEqual({ owner: 'sync' });
    expect(got.credentials?.password?.identifiers).toEqual([`sdk1-${tag}@example.com`]);

    await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(2, tag) },
    });
    const listed = await identityApi.listIdentities(
      api !== 'v0.10' ? { pageSize: 500 } : { perPage: 500, page: 1 },
    );
    expect(listed.map((i) => i.id)).toContain(created.id);
    expect(listed).toHaveLength(2);

    const updated = await identityApi.updateIdentity({
      id: created.id,
      updateIdentityBody: {
        schema_id: 'employee',
        traits: { ...traits(1, tag), department: 'IT' },
        state: 'inactive',
      },
    });
    expect(updated.state).toBe('inactive');
    expect(updated.metadata_admin).toBeUndefined(); // PUT replaces: metadata_admin left out is cleared

    await identityApi.deleteIdentity({ id: created.id });
    expect(sim.identity(created.id)).toBeUndefined();
    expect(await statusOf(identityApi.deleteIdentity({ id: created.id }))).toBe(404);
    expect(await statusOf(identityApi.getIdentity({ id: created.id }))).toBe(404);
  });

  it('surfaces 409 and 400 as ResponseError with the herodot body', async () => {
    await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(3, tag) },
    });
    const dup = identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(3, tag) },
    });
    await expect(dup).rejects.toBeInstanceOf(ResponseError);
    expect(
      await statusOf(
        identityApi.createIdentity({ createIdentityBody: { schema_id: 'employee', traits: traits(3, tag) } }),
      ),
    ).toBe(409);
    try {
      await identityApi.createIdentity({
        createIdentityBody: { schema_id: 'employee', traits: { email: 'x' } },
      });
      expect.unreachable();
    } catch (err) {
      const body = (await (err as ResponseError).response.json()) as { error: { reason: string } };
      expect(body.error.reason).toContain('I[#/traits');
    }
  });

  it('creates a recovery link that really works once', async () => {
    const who = await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(4, tag) },
    });
    const link = await identityApi.createRecoveryLinkForIdentity({
      createRecoveryLinkForIdentityBody: { identity_id: who.id, expires_in: '12h' },
    });
    expect(link.expires_at).toBeInstanceOf(Date);
    expect(link.recovery_link.startsWith(`${sim.publicUrl}/self-service/recovery?`)).toBe(true);
    const first = sim.useRecoveryLink(link.recovery_link);
    expect(first).toMatchObject({ ok: true, identityId: who.id });
    expect(sim.useRecoveryLink(link.recovery_link)).toEqual({ ok: false, error: 'used' });
  });

  it('lists and revokes identity sessions; whoami via FrontendApi.toSession', async () => {
    const who = await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(5, tag) },
    });
    const { sessionToken } = sim.login(who.id);
    const session = await frontendApi.toSession({ xSessionToken: sessionToken });
    expect(session.identity?.id).toBe(who.id);
    const sessions = await identityApi.listIdentitySessions({ id: who.id, active: true });
    expect(sessions.map((s) => s.id)).toEqual([session.id]);
    await identityApi.deleteIdentitySessions({ id: who.id });
    expect(await statusOf(frontendApi.toSession({ xSessionToken: sessionToken }))).toBe(401);
    expect(await statusOf(identityApi.deleteIdentitySessions({ id: who.id }))).toBe(404);
  });

  it('v26-only calls: work on v26, fail on v0.10 as a real v0.10 makes them fail', async () => {
    const who = await identityApi.createIdentity({
      createIdentityBody: {
        schema_id: 'employee',
        traits: traits(6, tag),
        ...(api !== 'v0.10' ? { external_id: `ext-${tag}` } : {}),
      },
    });
    const { sessionId } = sim.login(who.id);
    const calls: Record<string, () => Promise<unknown>> = {
      byExternalId: () => identityApi.getIdentityByExternalID({ externalID: `ext-${tag}` }),
      patch: () =>
        identityApi.patchIdentity({
          id: who.id,
          jsonPatch: [{ op: 'replace', path: '/metadata_public', value: { a: 1 } }],
        }),
      batch: () =>
        identityApi.batchPatchIdentities({
          patchIdentitiesBody: {
            identities: [{ create: { schema_id: 'employee', traits: traits(7, tag) } }],
          },
        }),
      recoveryCode: () =>
        identityApi.createRecoveryCodeForIdentity({
          createRecoveryCodeForIdentityBody: { identity_id: who.id },
        }),
      getSession: () => identityApi.getSession({ id: sessionId }),
      disableSession: () => identityApi.disableSession({ id: sessionId }),
    };
    const statuses: Record<string, number> = {};
    for (const [name, run] of Object.entries(calls)) statuses[name] = await statusOf(run());
    if (api !== 'v0.10') {
      expect(statuses).toEqual({
        byExternalId: 0,
        patch: 0,
        batch: 0,
        recoveryCode: 0,
        getSession: 0,
        disableSession: 0,
      });
      expect(sim.identity(who.id)?.metadata_public).toEqual({ a: 1 });
      expect(sim.state.sessions.get(sessionId)?.active).toBe(false);
    } else {
      // Router 404s/405s; DELETE /admin/sessions/{id} is followed (307) to the public route, which wants
      // the user's own session and so answers 401.
      expect(statuses).toEqual({
        byExternalId: 404,
        patch: 405,
        batch: 405,
        recoveryCode: 404,
        getSession: 405,
        disableSession: 401,
      });
    }
  });
});

// The v1.x releases are driven with the SDK generated from that line's spec (@ory/kratos-client-fetch
// 1.3.8: IdentityApi without external_id), as an installation still on v1.x would use it.
describe.each(['v1', 'v1.0'] as const)('@ory/kratos-client-fetch (v1.x) against the %s simulator', (api) => {
  let sim: KratosSim;
  let identityApi: KratosV1.IdentityApi;
  let frontendApi: KratosV1.FrontendApi;
  const tag = api.replace('.', '');

  beforeAll(async () => {
    sim = await startKratosSim({ api });
    const config = new KratosV1.Configuration({ basePath: sim.url });
    identityApi = new KratosV1.IdentityApi(config);
    frontendApi = new KratosV1.FrontendApi(config);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('creates, gets, lists, patches, updates and deletes identities', async () => {
    const created = await identityApi.createIdentity({
      createIdentityBody: {
        schema_id: 'employee',
        traits: traits(1, tag),
        metadata_admin: { owner: 'sync' },
      },
    });
    expect(created.created_at).toBeInstanceOf(Date);
    const got = await identityApi.getIdentity({ id: created.id });
    expect(got.metadata_admin).toEqual({ owner: 'sync' });
    await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(2, tag) },
    });
    const listed = await identityApi.listIdentities({ pageSize: 500 });
    expect(listed.map((i) => i.id)).toContain(created.id);
    expect(listed).toHaveLength(2);
    expect(listed.find((i) => i.id === created.id)?.metadata_admin).toEqual({ owner: 'sync' });

    const patched = await identityApi.patchIdentity({
      id: created.id,
      jsonPatch: [{ op: 'replace', path: '/metadata_public', value: { a: 1 } }],
    });
    expect(patched.metadata_public).toEqual({ a: 1 });
    const updated = await identityApi.updateIdentity({
      id: created.id,
      updateIdentityBody: { schema_id: 'employee', traits: traits(1, tag), state: 'inactive' },
    });
    expect(updated.state).toBe('inactive');
    await identityApi.deleteIdentity({ id: created.id });
    expect(await statusOf(identityApi.getIdentity({ id: created.id }))).toBe(404);
  });

  it('batches: per-item errors on v1 (v1.3), the whole batch refused with 409 on v1.0', async () => {
    await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(3, tag) },
    });
    const run = identityApi.batchPatchIdentities({
      patchIdentitiesBody: {
        identities: [
          { create: { schema_id: 'employee', traits: traits(4, tag) } },
          { create: { schema_id: 'employee', traits: traits(3, tag) } },
        ],
      },
    });
    if (api === 'v1') {
      const res = await run;
      expect(res.identities?.map((r) => r.action)).toEqual(['create', 'error']);
      expect(sim.state.identities.size).toBe(2 + 1);
    } else {
      expect(await statusOf(run)).toBe(409);
      expect(
        [...sim.state.identities.values()].some(
          (i) => (i.traits as { email: string }).email === traits(4, tag).email,
        ),
      ).toBe(false);
    }
  });

  it('recovery links and codes; sessions listed, extended, revoked; whoami through FrontendApi', async () => {
    const who = await identityApi.createIdentity({
      createIdentityBody: { schema_id: 'employee', traits: traits(5, tag) },
    });
    const link = await identityApi.createRecoveryLinkForIdentity({
      createRecoveryLinkForIdentityBody: { identity_id: who.id, expires_in: '12h' },
    });
    expect(sim.useRecoveryLink(link.recovery_link)).toMatchObject({ ok: true, identityId: who.id });
    const code = await identityApi.createRecoveryCodeForIdentity({
      createRecoveryCodeForIdentityBody: { identity_id: who.id },
    });
    expect(code.recovery_code).toMatch(/^\d{6}$/);

    const { sessionToken, sessionId } = sim.login(who.id);
    expect((await frontendApi.toSession({ xSessionToken: sessionToken })).identity?.id).toBe(who.id);
    const all = await identityApi.listSessions({ pageSize: 10 });
    expect(all.map((s) => s.id)).toContain(sessionId);
    expect((await identityApi.getSession({ id: sessionId })).id).toBe(sessionId);
    const extended = await identityApi.extendSession({ id: sessionId });
    expect(extended?.id).toBe(sessionId);
    await identityApi.disableSession({ id: sessionId });
    expect(await statusOf(frontendApi.toSession({ xSessionToken: sessionToken }))).toBe(401);
    await identityApi.deleteIdentitySessions({ id: who.id });
    expect(await statusOf(identityApi.deleteIdentitySessions({ id: who.id }))).toBe(404);
  });
});

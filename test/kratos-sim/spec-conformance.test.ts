import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { type CheckedFetch, checkedFetch } from './testing/checked-fetch.ts';
import { OpenApiSpec } from './testing/openapi-spec.ts';

// Every answer in these scenarios goes through `checkedFetch`, which fails the test unless the status is
// documented in the official OpenAPI spec of that generation and the body matches the documented schema,
// or the answer is one of the listed, explained deviations (testing/spec-deviations.ts).
type Body = Record<string, unknown>;

const person = (n: number, extra: Body = {}): Body => ({
  schema_id: 'employee',
  traits: { email: `Person${n}@Example.com`, name: { first: 'Pat', last: `Doe${n}` }, department: 'Ops' },
  metadata_public: { team: 'ops' },
  metadata_admin: { kratos_sync: { source: 'hr', key: `e${n}` } },
  ...extra,
});

// What differs between the releases in these scenarios, written out per profile (not read from the
// simulator's own profile table, so a wrong entry there fails here).
const RELEASES = {
  v26: { version: 'v26.2.0', modern: true, externalId: true, orgId: true, decodeCode: 400, list: 'keyset' },
  'v25.4': {
    version: 'v25.4.0',
    modern: true,
    externalId: true,
    orgId: true,
    decodeCode: 400,
    list: 'keyset',
  },
  v1: { version: 'v1.3.1', modern: true, externalId: false, orgId: true, decodeCode: 400, list: 'keyset' },
  'v1.0': {
    version: 'v1.0.0',
    modern: true,
    externalId: false,
    orgId: false,
    decodeCode: 500,
    list: 'offset',
  },
  'v0.10': {
    version: 'v0.10.1',
    modern: false,
    externalId: false,
    orgId: false,
    decodeCode: 500,
    list: 'pop',
  },
} as const;

describe.each(Object.keys(RELEASES) as Array<keyof typeof RELEASES>)(
  '%s answers match the official OpenAPI spec',
  (api) => {
    let sim: KratosSim;
    let call: CheckedFetch;
    const release = RELEASES[api];
    // The admin API of v0.11 and later: JSON Patch, batches, recovery codes, admin session routes.
    const v26 = release.modern;

    beforeAll(async () => {
      sim = await startKratosSim({ api });
      call = checkedFetch(new OpenApiSpec(api), sim.url);
    });
    afterAll(async () => {
      await sim.stop();
    });

    async function create(n: number, extra: Body = {}): Promise<Body> {
      const res = await call('/admin/identities', { method: 'POST', json: person(n, extra) });
      expect(res.status).toBe(201);
      return res.body as Body;
    }

    it('health, version and schemas', async () => {
      for (const path of ['/health/alive', '/health/ready', '/admin/health/alive', '/admin/health/ready'])
        expect((await call(path)).body).toEqual({ status: 'ok' });
      expect(((await call('/admin/version')).body as Body).version).toBe(release.version);
      const schemas = (await call('/schemas')).body as Array<{ id: string; schema: Body }>;
      expect(schemas.map((s) => s.id)).toEqual(expect.arrayContaining(['default', 'employee']));
      expect(((await call('/schemas/employee')).body as Body).title).toBe('Employee');
      expect((await call(`/schemas/${Buffer.from('employee').toString('base64url')}`)).status).toBe(200);
      expect((await call('/schemas/nope')).status).toBe(404);
    });

    it('create: 201 with Location, credentials without config, addresses from traits', async () => {
      const res = await call('/admin/identities', {
        method: 'POST',
        json: person(1, {
          verifiable_addresses: [
            { value: 'person1@example.com', via: 'email', verified: true, status: 'completed' },
          ],
          credentials: { password: { config: { password: 'correct horse battery staple' } } },
        }),
      });
      expect(res.status).toBe(201);
      const body = res.body as Body;
      expect(res.headers.get('location')).toBe(`${sim.url}/identities/${String(body.id)}`);
      expect(body.credentials).toMatchObject({
        password: { type: 'password', identifiers: ['person1@example.com'] },
      });
      expect(JSON.stringify(body.credentials)).not.toContain('hashed_password');
      expect(body.verifiable_addresses).toMatchObject([
        { value: 'person1@example.com', verified: true, status: 'completed' },
      ]);
      expect(body.recovery_addresses).toMatchObject([{ value: 'person1@example.com', via: 'email' }]);
      expect(body.metadata_admin).toEqual({ kratos_sync: { source: 'hr', key: 'e1' } });
      expect('organization_id' in body).toBe(release.orgId);
      expect('external_id' in body).toBe(false);
    });

    it('create: every 400 and 409 is an enveloped error the spec allows', async () => {
      await create(2);
      const conflict = await call('/admin/identities', { method: 'POST', json: person(2) });
      expect(conflict.status).toBe(409);
      const unknownField = await call('/admin/identities', {
        method: 'POST',
        json: { ...person(3), id: 'x' },
      });
      expect(unknownField.status).toBe(400);
      expect((unknownField.body as { error: Body }).error.code).toBe(release.decodeCode);
      const external = await call('/admin/identities', {
        method: 'POST',
        json: person(8, { external_id: 'x' }),
      });
      expect(external.status).toBe(release.externalId ? 201 : 400);
      if (!release.externalId)
        expect((external.body as { error: Body }).error).toEqual({
          code: release.decodeCode,
          status: release.decodeCode === 400 ? 'Bad Request' : 'Internal Server Error',
          message: 'json: unknown field "external_id"',
        });
      for (const json of [
        person(4, { state: 'paused' }),
        person(5, { schema_id: 'missing' }),
        { schema_id: 'employee', traits: { email: 6 } },
        person(7, { credentials: { password: { config: { hashed_password: 'plain' } } } }),
      ])
        expect((await call('/admin/identities', { method: 'POST', json })).status).toBe(400);
      const badJson = await call('/admin/identities', { method: 'POST', body: '{"traits":' });
      expect(badJson.status).toBe(400);
    });

    it('get, include_credential and 404', async () => {
      const created = await create(10, {
        credentials: { oidc: { config: { providers: [{ provider: 'google', subject: 's10' }] } } },
      });
      const got = await call(`/admin/identities/${String(created.id)}?include_credential=oidc`);
      expect(got.status).toBe(200);
      expect(
        (got.body as { credentials: { oidc: { config: unknown } } }).credentials.oidc.config,
      ).toBeDefined();
      expect((await call('/admin/identities/not-a-uuid')).status).toBe(404);
      expect((await call(`/admin/identities/${crypto.randomUUID()}`)).status).toBe(404);
      expect((await call(`/admin/identities/${String(created.id)}?include_credential=bogus`)).status).toBe(
        400,
      );
    });

    it('list: pages and headers of the release', async () => {
      for (let n = 20; n < 26; n++) await create(n);
      if (release.list === 'offset') {
        const first = await call('/admin/identities?page_size=2');
        expect(first.body).toHaveLength(2);
        expect(first.headers.get('x-total-count')).not.toBeNull();
        expect(first.headers.get('link')).toContain(`<${sim.url}/identities?page=1&page_size=2&page_token=`);
        const byPage = await call('/admin/identities?page=1&per_page=2');
        expect((byPage.body as Body[]).map((i) => i.id)).not.toContain((first.body as Body[])[0]!.id);
        expect((first.body as Body[])[0]).toHaveProperty('metadata_admin');
        const byIdentifier = await call('/admin/identities?credentials_identifier=PERSON20@example.com');
        expect(byIdentifier.body).toHaveLength(1);
        expect(byIdentifier.headers.get('x-total-count')).toBe('1');
      } else if (release.list === 'keyset') {
        const first = await call('/admin/identities?page_size=2');
        expect(first.headers.get('link')).toContain('rel="next"');
        expect(first.headers.get('x-total-count')).toBeNull();
        const legacy = await call('/admin/identities?page=0&per_page=2');
        expect(legacy.headers.get('x-total-count')).not.toBeNull();
        const byIdentifier = await call('/admin/identities?credentials_identifier=PERSON20@example.com');
        expect(byIdentifier.body).toHaveLength(1);
        expect((await call('/admin/identities?page_token=nope')).status).toBe(400);
        expect((await call('/admin/identities?ids=x')).status).toBe(400);
        expect((await call('/admin/identities?page=3&per_page=500')).status).toBe(400);
      } else {
        const first = await call('/admin/identities?page=1&per_page=2');
        expect(first.body).toHaveLength(2);
        expect(first.headers.get('x-total-count')).not.toBeNull();
        expect((first.body as Body[])[0]).not.toHaveProperty('metadata_admin');
      }
    });

    it('update (PUT): 200, 400, 404, 409', async () => {
      const a = await create(30);
      await create(31);
      const id = String(a.id);
      const put = (json: Body, headers?: Record<string, string>) =>
        call(`/admin/identities/${id}`, { method: 'PUT', json, ...(headers ? { headers } : {}) });
      const ok = await put({
        schema_id: 'employee',
        traits: (person(30) as { traits: Body }).traits,
        state: 'inactive',
      });
      expect(ok.status).toBe(200);
      expect(ok.body).not.toHaveProperty('metadata_admin'); // nil in memory → omitempty
      expect(((await call(`/admin/identities/${id}`)).body as Body).metadata_admin).toBeNull(); // NULL from the DB
      expect((await put({ traits: {} })).status).toBe(400);
      expect(
        (await put({ traits: (person(30) as { traits: Body }).traits }, { 'content-type': 'text/plain' }))
          .status,
      ).toBe(400);
      expect((await put({ traits: (person(31) as { traits: Body }).traits })).status).toBe(409);
      expect(
        (await call(`/admin/identities/${crypto.randomUUID()}`, { method: 'PUT', json: person(32) })).status,
      ).toBe(404);
    });

    it('delete: 204 then 404', async () => {
      const a = await create(40);
      expect((await call(`/admin/identities/${String(a.id)}`, { method: 'DELETE' })).status).toBe(204);
      expect((await call(`/admin/identities/${String(a.id)}`, { method: 'DELETE' })).status).toBe(404);
    });

    it('recovery link (and code from v0.11)', async () => {
      const a = await create(50);
      const link = await call('/admin/recovery/link', {
        method: 'POST',
        json: { identity_id: a.id, expires_in: '15m' },
      });
      expect(link.status).toBe(200);
      const unknown = await call('/admin/recovery/link', {
        method: 'POST',
        json: { identity_id: crypto.randomUUID() },
      });
      expect(unknown.status).toBe(400);
      expect(
        (
          await call('/admin/recovery/link', {
            method: 'POST',
            json: { identity_id: a.id, expires_in: '1d' },
          })
        ).status,
      ).toBe(400);
      const used = await call(
        new URL((link.body as { recovery_link: string }).recovery_link).pathname +
          new URL((link.body as { recovery_link: string }).recovery_link).search,
      );
      expect(used.status).toBe(303);
      const code = await call('/admin/recovery/code', { method: 'POST', json: { identity_id: a.id } });
      if (v26) {
        expect(code.status).toBe(201);
        expect((code.body as { recovery_code: string }).recovery_code).toMatch(/^\d{6}$/);
        const missing = await call('/admin/recovery/code', {
          method: 'POST',
          json: { identity_id: crypto.randomUUID() },
        });
        expect(missing.status).toBe(404);
      } else {
        expect(code.status).toBe(404);
        expect(code.text).toBe('404 page not found\n');
      }
    });

    it('sessions: identity sessions, whoami, revoke, extend', async () => {
      const a = await create(60);
      const id = String(a.id);
      const { sessionToken, sessionId } = sim.login(id);
      const who = await call('/sessions/whoami', { headers: { 'x-session-token': sessionToken } });
      expect(who.status).toBe(200);
      expect(who.headers.get('x-kratos-authenticated-identity-id')).toBe(id);
      expect((await call(`/admin/identities/${id}/sessions?active=true`)).body).toHaveLength(1);
      expect((await call(`/admin/identities/${id}/sessions?active=maybe`)).status).toBe(400);
      expect((await call(`/admin/sessions/${sessionId}/extend`, { method: 'PATCH' })).status).toBe(200);
      if (v26) {
        expect((await call(`/admin/sessions/${sessionId}`)).status).toBe(200);
        expect((await call('/admin/sessions?page_size=10')).status).toBe(200);
        expect((await call(`/admin/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
        expect(
          (await call('/sessions/whoami', { headers: { authorization: `Bearer ${sessionToken}` } })).status,
        ).toBe(401);
        expect((await call(`/admin/sessions/${crypto.randomUUID()}`)).status).toBe(404);
        expect((await call('/admin/sessions/nope')).status).toBe(400);
      } else {
        expect((await call('/admin/sessions')).status).toBe(307);
        expect((await call(`/admin/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(307);
        expect((await call(`/admin/sessions/${sessionId}`)).status).toBe(405);
      }
      expect((await call(`/admin/identities/${id}/sessions`, { method: 'DELETE' })).status).toBe(204);
      expect((await call(`/admin/identities/${id}/sessions`, { method: 'DELETE' })).status).toBe(404);
      expect((await call('/admin/identities/nope/sessions', { method: 'DELETE' })).status).toBe(400);
      expect((await call('/sessions/whoami', { headers: { 'x-session-token': sessionToken } })).status).toBe(
        401,
      );
    });

    it('later routes exist where the release has them and are router answers where not', async () => {
      const a = await create(70, release.externalId ? { external_id: 'hr-70' } : {});
      const id = String(a.id);
      const byExternal = await call('/admin/identities/by/external/hr-70');
      const patch = await call(`/admin/identities/${id}`, {
        method: 'PATCH',
        json: [{ op: 'replace', path: '/state', value: 'inactive' }],
      });
      const batch = await call('/admin/identities', {
        method: 'PATCH',
        json: { identities: [{ create: person(71) }, { create: person(71) }, { create: null }] },
      });
      if (release.externalId) {
        expect(byExternal.status).toBe(200);
        expect((await call('/admin/identities/by/external/none')).status).toBe(404);
      } else {
        expect(byExternal.status).toBe(404);
        expect(byExternal.text).toBe('404 page not found\n');
      }
      if (v26) {
        expect(patch.status).toBe(200);
        expect(
          (
            await call(`/admin/identities/${id}`, {
              method: 'PATCH',
              json: [{ op: 'move', from: '/a', path: '/b' }],
            })
          ).status,
        ).toBe(400);
        if (api === 'v1.0') {
          // All or nothing: the duplicate fails the whole batch with the raw 409.
          expect(batch.status).toBe(409);
          expect(
            (
              await call('/admin/identities', {
                method: 'PATCH',
                json: { identities: [{ create: person(71) }, { create: null }] },
              })
            ).body,
          ).toMatchObject({ identities: [{ action: 'create' }, null] });
        } else {
          expect(batch.status).toBe(200);
          expect((batch.body as { identities: unknown[] }).identities).toMatchObject([
            { action: 'create' },
            { action: 'error' },
            null,
          ]);
        }
        expect((await call('/admin/identities', { method: 'PATCH', json: [] })).status).toBe(400);
      } else {
        expect(patch.status).toBe(405);
        expect(batch.status).toBe(405);
        expect((await call('/identities', { method: 'GET' })).status).toBe(307);
      }
    });

    it("a database outage: readiness 503 with the generation's body, alive 200, identity routes 500", async () => {
      const a = await create(80);
      sim.setFaults({ databaseDown: true });
      try {
        expect((await call('/health/alive')).status).toBe(200);
        const ready = await call('/health/ready');
        expect(ready.status).toBe(503);
        if (v26) expect((ready.body as { error: Body }).error).toMatchObject({ code: 500 });
        else expect((ready.body as { errors: Body }).errors.database).toBeDefined();
        expect((await call('/admin/health/ready')).status).toBe(503);
        expect((await call(`/admin/identities/${String(a.id)}`)).status).toBe(500);
        expect((await call('/admin/identities', { method: 'POST', json: person(81) })).status).toBe(500);
      } finally {
        sim.setFaults({});
      }
    });

    it('validated a substantial number of answers against schemas', () => {
      // Guards against a wrapper that silently stops validating.
      expect(call.counts.validated).toBeGreaterThan(40);
    });
  },
);

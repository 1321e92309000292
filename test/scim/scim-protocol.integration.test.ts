import fc from 'fast-check';
import { buildContext } from '../../src/app/build-context.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { approveRun } from '../../src/sync/approve.ts';
import { waitFor } from '../queue/helpers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OKTA_TOKEN, startScimHarness, type ScimHarness } from './scim-harness.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA_OLD = 'entra-token-old-0123456789abcdef0123456789';
const ENTRA_NEW = 'entra-token-new-0123456789abcdef0123456789';

/**
 * The directory source's SCIM request log, newest first, once `ready` holds for it: a request is logged just
 * after its answer went out (fastify's onResponse), so the test can have the answer before the entry.
 */
async function requestLog(
  h: ScimHarness,
  ready: (entries: Array<Record<string, unknown>>) => boolean,
): Promise<string[]> {
  return await waitFor('the SCIM request log', async () => {
    const raw = await h.redis.lrange(`${h.prefix}:scim:directory:requests`, 0, -1);
    return ready(raw.map((e) => JSON.parse(e) as Record<string, unknown>)) ? raw : undefined;
  });
}

describe('SCIM endpoint: protocol, errors and auth (Kratos v26)', () => {
  let h: ScimHarness;
  beforeAll(async () => {
    h = await startScimHarness({
      api: 'v26',
      connection: {
        clients: [
          { name: 'okta', tokens: [OKTA_TOKEN] },
          { name: 'entra', tokens: [ENTRA_OLD, ENTRA_NEW], rateLimit: { requests: 3, windowSeconds: 60 } },
        ],
        maxResults: 3,
      },
    });
  });
  afterAll(async () => h?.release());

  const user = (userName: string, extra: Record<string, unknown> = {}) => ({
    schemas: [CORE],
    userName,
    ...extra,
  });

  it('refuses a missing or unknown token with 401 and a Bearer challenge, accepts every configured one', async () => {
    for (const token of [null, 'wrong-token-0123456789abcdef0123456789', `${OKTA_TOKEN}x`]) {
      const r = await h.scim('GET', '/ServiceProviderConfig', undefined, token);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(r.body).toMatchObject({ schemas: [ERROR], status: '401' });
    }
    // Rotation without downtime: the old and the new token of a client both work.
    expect((await h.scim('GET', '/Schemas', undefined, ENTRA_OLD)).status).toBe(200);
    expect((await h.scim('GET', '/Schemas', undefined, ENTRA_NEW)).status).toBe(200);
  });

  it('limits each client on its own: 429 with Retry-After past its rate, the other client unaffected', async () => {
    let last = await h.scim('GET', '/ResourceTypes', undefined, ENTRA_NEW);
    while (last.status === 200) last = await h.scim('GET', '/ResourceTypes', undefined, ENTRA_NEW);
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({ schemas: [ERROR], status: '429', scimType: 'tooMany' });
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.scim('GET', '/ResourceTypes')).status).toBe(200);
  });

  it('describes itself: ServiceProviderConfig, ResourceTypes, Schemas (paths in any case)', async () => {
    const config = await h.scim('GET', '/serviceproviderconfig');
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 3 },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: false },
    });
    const types = await h.scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: any) => r.endpoint)).toEqual(['/Users', '/Groups']);
    const userSchema = await h.scim('GET', `/Schemas/${CORE}`);
    expect(userSchema.body.attributes.find((a: any) => a.name === 'userName')).toMatchObject({
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect((await h.scim('GET', '/Schemas/urn:nope')).status).toBe(404);
  });

  it('answers RFC 7644 errors: uniqueness, not found, invalidFilter, invalidSyntax, mutability, invalidValue', async () => {
    const created = await h.scim('POST', '/users', user('Unique.Person@example.com'));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const duplicate = await h.scim('POST', '/Users', user('unique.person@EXAMPLE.com'));
    expect(duplicate).toMatchObject({
      status: 409,
      body: { schemas: [ERROR], status: '409', scimType: 'uniqueness' },
    });
    expect((await h.scim('GET', '/Users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const badFilter = await h.scim('GET', '/Users?filter=userName%20eq');
    expect(badFilter).toMatchObject({ status: 400, body: { scimType: 'invalidFilter' } });
    const badJson = await h.scim('POST', '/Users', '{"userName": ');
    expect(badJson).toMatchObject({ status: 400, body: { scimType: 'invalidSyntax' } });
    const changeId = await h.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'id', value: 'another' }],
    });
    expect(changeId).toMatchObject({ status: 400, body: { scimType: 'mutability' } });
    const noUserName = await h.scim('POST', '/Users', { schemas: [CORE], active: true });
    expect(noUserName).toMatchObject({
      status: 400,
      body: { scimType: 'invalidValue', detail: 'userName is required' },
    });
    const wrongType = await h.scim('POST', '/Users', user('typed@example.com', { emails: 'not-a-list' }));
    expect(wrongType).toMatchObject({
      status: 400,
      body: { detail: 'emails: expected an array (a multi-valued attribute)' },
    });
    const unknownMember = await h.scim('POST', '/Groups', {
      displayName: 'G',
      members: [{ value: 'nobody' }],
    });
    expect(unknownMember).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
  });

  it('rolls a user back when Kratos cannot take it: schema violation (400) or identifier in use (409)', async () => {
    const before = h.sim.state.identities.size;
    const invalid = await h.scim(
      'POST',
      '/Users',
      user('bad-email@example.com', { emails: [{ value: 'not an address', primary: true }] }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ scimType: 'invalidValue' });
    expect(invalid.body.detail).toMatch(/email/);
    const lookup = await h.scim('GET', '/Users?filter=userName%20eq%20%22bad-email%40example.com%22');
    expect(lookup.body.totalResults).toBe(0);

    // Someone registered themselves in Kratos with this username: not ours, never touched.
    const other = await fetch(`${h.sim.adminUrl}/admin/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'scim-user',
        traits: { username: 'taken@example.com' },
        credentials: { password: { config: { password: 'a-long-and-random-passphrase-42' } } },
      }),
    });
    expect(other.status).toBe(201);
    const taken = await h.scim('POST', '/Users', user('taken@example.com'));
    expect(taken).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    expect(taken.body.detail).toMatch(/identifier belongs to an identity kratos-sync does not manage/);
    expect(
      (await h.scim('GET', '/Users?filter=userName%20eq%20%22taken%40example.com%22')).body.totalResults,
    ).toBe(0);
    expect(h.sim.state.identities.size).toBe(before + 1);
  });

  it('pages with startIndex/count (count capped by maxResults), projects attributes, searches by POST', async () => {
    for (const n of [1, 2, 3, 4]) {
      expect(
        (await h.scim('POST', '/Users', user(`page${n}@paging.example`, { title: `T${n}` }))).status,
      ).toBe(201);
    }
    const filter = encodeURIComponent('userName ew "@paging.example"');
    const page = await h.scim('GET', `/Users?filter=${filter}&startIndex=2&count=2&attributes=userName`);
    expect(page.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((r: any) => r.userName)).toEqual([
      'page2@paging.example',
      'page3@paging.example',
    ]);
    expect(Object.keys(page.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    const capped = await h.scim('GET', `/Users?filter=${filter}&count=50`);
    expect(capped.body.itemsPerPage).toBe(3);
    const search = await h.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title eq "t4" and userName sw "PAGE"',
      excludedAttributes: ['emails', 'meta'],
    });
    expect(search.body.totalResults).toBe(1);
    expect(search.body.Resources[0].meta).toBeUndefined();
    expect(search.body.Resources[0].title).toBe('T4');
  });

  it('never answers 500 to malformed requests (random methods, paths, bodies, filters)', async () => {
    const path = fc.oneof(
      fc.constantFrom(
        '/Users',
        '/users/x',
        '/Groups',
        '/Users/.search',
        '/Schemas',
        '/Bulk',
        '/Users/a/b',
        '/%E0%A4%A',
      ),
      fc.string({ maxLength: 20 }).map((s) => `/Users?filter=${encodeURIComponent(s)}`),
      fc
        .string({ maxLength: 10 })
        .map((s) => `/Users?startIndex=${encodeURIComponent(s)}&count=${encodeURIComponent(s)}`),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        path,
        body,
        async (method, url, payload) => {
          const r = await h.scim(method, url, method === 'GET' || method === 'DELETE' ? undefined : payload);
          expect(r.status).toBeLessThan(500);
          // A URL fastify cannot decode is refused before routing (400, fastify's own body).
          if (r.status >= 400 && !url.startsWith('/%E0'))
            expect(r.body).toMatchObject({ schemas: [ERROR], status: String(r.status) });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps concurrent member additions to one group, none lost (compare-and-set writes)', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = await h.scim('POST', '/Users', user(`racer${n}@example.com`));
      ids.push(r.body.id);
    }
    const group = await h.scim('POST', '/Groups', { displayName: 'Racers' });
    const answers = await Promise.all(
      ids.map((value) =>
        h.scim('PATCH', `/Groups/${group.body.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value }] }],
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    const stored = await h.scim('GET', `/Groups/${group.body.id}`);
    expect(stored.body.members.map((m: any) => m.value).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(await h.redis.smembers(`${h.prefix}:scim:directory:member-of:${id}`)).toEqual([group.body.id]);
    }
  });

  it('writes no token to Redis', async () => {
    expect((await h.scim('POST', '/Users', user('scanned.person@example.com'))).status).toBe(201);
    let cursor = '0';
    const values: string[] = [];
    do {
      const [next, keys] = await h.redis.scan(cursor, 'MATCH', `${h.prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await h.redis.type(key);
        values.push(key);
        if (type === 'string') values.push((await h.redis.get(key)) ?? '');
        if (type === 'list') values.push(...(await h.redis.lrange(key, 0, -1)));
        if (type === 'hash') values.push(JSON.stringify(await h.redis.hgetall(key)));
        if (type === 'set') values.push(...(await h.redis.smembers(key)));
        if (type === 'zset') values.push(...(await h.redis.zrange(key, '0', '-1')));
        if (type === 'stream') values.push(JSON.stringify(await h.redis.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
    const all = values.join('\n');
    expect(all).toContain('scanned.person@example.com'); // the scan does read the stored resources
    for (const token of [OKTA_TOKEN, ENTRA_OLD, ENTRA_NEW]) expect(all).not.toContain(token);
  });

  it('keeps tokens and attribute values out of the request log', async () => {
    const before = await h.redis.llen(`${h.prefix}:scim:directory:requests`);
    await h.scim('GET', '/Users?filter=userName%20eq%20%22secret.person%40example.com%22');
    const entries = await requestLog(h, (logged) => logged.length > before);
    expect(entries.length).toBeGreaterThan(10);
    const all = entries.join('\n');
    for (const secret of [OKTA_TOKEN, ENTRA_OLD, ENTRA_NEW, 'secret.person', 'unique.person'])
      expect(all).not.toContain(secret);
    expect(JSON.parse(entries[0]!)).toMatchObject({
      client: 'okta',
      method: 'GET',
      resource: 'Users',
      status: 200,
    });
  });
});

describe('SCIM endpoint: Kratos slower than the client waits', () => {
  it('answers in time and lets a queued job finish the create', async () => {
    const h = await startScimHarness({ api: 'v26', connection: { syncTimeoutMs: 100 }, latencyMs: 400 });
    try {
      const started = Date.now();
      const r = await h.scim('POST', '/Users', { schemas: [CORE], userName: 'slow@example.com' });
      expect(r.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(5_000);
      await waitFor('the queued job created the identity', () => h.identities().get(r.body.id), 20_000);
      expect(h.sim.state.identities.size).toBe(1);
      const [newest] = await requestLog(h, (logged) => logged[0]?.method === 'POST');
      expect(JSON.parse(newest!)).toMatchObject({ method: 'POST', status: 201, outcome: 'queued' });
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: Kratos down, and writes that change nothing', () => {
  it('answers 201 and the queued job creates the identity once Kratos is back', async () => {
    const h = await startScimHarness({ api: 'v26' });
    try {
      h.sim.setFaults({ unavailable: true });
      const r = await h.scim('POST', '/Users', { schemas: [CORE], userName: 'while-down@example.com' });
      expect(r.status).toBe(201);
      const [newest] = await requestLog(h, (logged) => logged[0]?.method === 'POST');
      expect(JSON.parse(newest!)).toMatchObject({ status: 201, outcome: 'queued' });
      expect(h.sim.state.identities.size).toBe(0);
      h.sim.setFaults({});
      await waitFor('the job created the identity', () => h.identities().get(r.body.id), 45_000);
      expect(h.sim.state.identities.size).toBe(1);
    } finally {
      await h.release();
    }
  });

  it('writes nothing for a PUT that changes nothing', async () => {
    const h = await startScimHarness({ api: 'v26' });
    try {
      const body = { schemas: [CORE], userName: 'same@example.com', title: 'Engineer' };
      const created = await h.scim('POST', '/Users', body);
      const again = await h.scim('PUT', `/Users/${created.body.id}`, { ...created.body, meta: undefined });
      expect(again.status).toBe(200);
      expect(again.body.meta).toEqual(created.body.meta);
      const patch = await h.scim('PATCH', `/Users/${created.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'title', value: 'Engineer' }],
      });
      expect(patch.body.meta.version).toBe('W/"1"');
      expect(h.sim.stats().requests['PATCH /admin/identities/{id}']).toBeUndefined();
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: removals pass the guard', () => {
  it('holds a deactivation for approval when the guard asks a human for every removal', async () => {
    const h = await startScimHarness({ api: 'v26', source: { guard: { maxRemoveCount: 0 } } });
    try {
      const r = await h.scim('POST', '/Users', { schemas: [CORE], userName: 'held@example.com' });
      const identityId = h.identities().get(r.body.id)!.id;
      const off = await h.scim('PATCH', `/Users/${r.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      expect(h.sim.identity(identityId)!.state).toBe('active');
      const [newest] = await requestLog(h, (logged) => logged[0]?.method === 'PATCH');
      const logged = JSON.parse(newest!) as { runId: string };
      expect(logged).toMatchObject({ method: 'PATCH', outcome: 'held', client: 'okta' });
      const run = JSON.parse((await h.redis.get(`${h.prefix}:run:${logged.runId}`))!);
      expect(run).toMatchObject({ status: 'held', source: 'directory' });
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: several scim-inbound sources', () => {
  it('serves each at /scim/v2/<source> with its own clients, and no plain /scim/v2', async () => {
    const otherToken = 'other-directory-token-0123456789abcdef01';
    const h = await startScimHarness({
      api: 'v26',
      config: {
        sources: {
          contractors: {
            connection: { type: 'scim-inbound', clients: [{ name: 'jumpcloud', tokens: [otherToken] }] },
            mapping: { key: 'id', schemaId: '"scim-user"', traits: '{ "username": userName }' },
          },
        },
      },
    });
    try {
      expect((await h.scim('GET', '/Users')).status).toBe(404);
      expect((await h.scim('GET', '/directory/Users')).status).toBe(200);
      expect((await h.scim('GET', '/contractors/Users')).status).toBe(401);
      const created = await h.scim(
        'POST',
        '/contractors/Users',
        { userName: 'temp@example.com' },
        otherToken,
      );
      expect(created.status).toBe(201);
      expect(created.body.meta.location).toBe(`${h.base}/contractors/Users/${created.body.id}`);
      const identity = [...h.sim.state.identities.values()][0]!;
      expect(identity.metadata_admin).toMatchObject({
        kratos_sync: { source: 'contractors', key: created.body.id },
      });
      expect((await h.scim('GET', `/directory/Users/${created.body.id}`)).status).toBe(404);
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: a mass deactivation from the directory', () => {
  it('counts against the event guard: removals past guard.maxEventRemovals are held until approved', async () => {
    const h = await startScimHarness({
      api: 'v26',
      source: { guard: { maxEventRemovals: 2, eventWindow: '1h' } },
    });
    try {
      const ids: string[] = [];
      for (const n of [1, 2, 3, 4]) {
        const r = await h.scim('POST', '/Users', { schemas: [CORE], userName: `mass${n}@example.com` });
        ids.push(r.body.id);
      }
      // A misconfigured assignment in the directory: everyone is unassigned at once.
      for (const id of ids) {
        const off = await h.scim('PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
        });
        expect(off.status).toBe(200);
      }
      const states = ids.map((id) => h.identities().get(id)!.state);
      expect(states).toEqual(['inactive', 'inactive', 'active', 'active']);
      const patches = (logged: Array<Record<string, unknown>>) => logged.filter((e) => e.method === 'PATCH');
      const newest = await requestLog(h, (logged) => patches(logged).length === 4);
      const log = newest.slice(0, 4).map((e) => JSON.parse(e) as { outcome: string; runId: string });
      expect(log.map((e) => e.outcome)).toEqual(['held', 'held', 'deactivated', 'deactivated']);
      const heldRun = log[0]!.runId;
      expect(log[1]!.runId).toBe(heldRun);
      const built = await buildContext({ config: h.config, baseDir: '.', logger: silentLogger() });
      try {
        await approveRun(built.ctx, heldRun);
      } finally {
        await built.release();
      }
      expect(ids.map((id) => h.identities().get(id)!.state)).toEqual([
        'inactive',
        'inactive',
        'inactive',
        'inactive',
      ]);
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: Ory Network', () => {
  it('creates many users at once through the write limiter: one identity write in flight, no 429', async () => {
    const h = await startScimHarness({
      api: 'v26',
      latencyMs: 3,
      simFaults: { inflightLimit: true },
      // retries 0: a single 429 would fail a create (and show as "queued" below).
      kratos: { oryNetwork: true, retry: { retries: 0 } },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          h.scim('POST', '/Users', { schemas: [CORE], userName: `ory${n}@example.com` }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      const posts = (logged: Array<Record<string, unknown>>) => logged.filter((e) => e.method === 'POST');
      const log = (await requestLog(h, (logged) => posts(logged).length === answers.length)).map(
        (e) => JSON.parse(e) as Record<string, unknown>,
      );
      expect(posts(log).map((e) => e.outcome)).toEqual(answers.map(() => 'created'));
      const stats = h.sim.stats();
      expect(stats.faults.inflightRejected).toBe(0);
      expect(
        Math.max(
          stats.peakInflight['POST /admin/identities'] ?? 0,
          stats.peakInflight['PATCH /admin/identities'] ?? 0,
        ),
      ).toBe(1);
      expect(h.sim.state.identities.size).toBe(12);
    } finally {
      await h.release();
    }
  });
});

describe('SCIM endpoint: token guessing', () => {
  it('refuses an address with 429 + Retry-After after 20 wrong tokens, even with a right one', async () => {
    const h = await startScimHarness({ api: 'v26' });
    try {
      for (let n = 0; n < 20; n++) {
        expect(
          (await h.scim('GET', '/Users', undefined, `guess-${n}-0123456789abcdef0123456789`)).status,
        ).toBe(401);
      }
      const blocked = await h.scim('GET', '/Users', undefined, 'guess-20-0123456789abcdef0123456789');
      expect(blocked).toMatchObject({ status: 429, body: { scimType: 'tooMany' } });
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
      expect((await h.scim('GET', '/Users')).status).toBe(429);
    } finally {
      await h.release();
    }
  });

  /** GET /Users as a client behind a reverse proxy would arrive: the proxy's address, a forwarding header. */
  const viaProxy = async (h: ScimHarness, token: string) =>
    (
      await fetch(`${h.base}/Users`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' },
      })
    ).status;

  it('refuses a wrong token retried over and over on its own: the right token from that address still works', async () => {
    const h = await startScimHarness({ api: 'v26' });
    try {
      const stale = 'revoked-token-0123456789abcdef0123456789';
      const answers: number[] = [];
      for (let n = 0; n < 25; n++) answers.push((await h.scim('GET', '/Users', undefined, stale)).status);
      expect(answers).toEqual([...Array<number>(10).fill(401), ...Array<number>(15).fill(429)]);
      const refused = await h.scim('GET', '/Users', undefined, stale);
      expect(refused.body.detail).toMatch(/this token was wrong too many times/);
      expect(JSON.stringify(refused.body)).not.toContain(stale);
      expect((await h.scim('GET', '/Users')).status).toBe(200);
    } finally {
      await h.release();
    }
  });

  it('behind a proxy, one client guessing does not lock the others out until it has tried 200 tokens', async () => {
    const h = await startScimHarness({ api: 'v26' });
    try {
      for (let n = 0; n < 30; n++)
        expect(await viaProxy(h, `guess-${n}-0123456789abcdef0123456789`)).toBe(401);
      // 30 wrong tokens would have locked a direct client's address (20); through the proxy the others go on.
      expect(await viaProxy(h, OKTA_TOKEN)).toBe(200);
      // ... and a right token there does not clear the guesser's count: it was another directory's.
      for (let n = 30; n < 200; n++)
        expect(await viaProxy(h, `guess-${n}-0123456789abcdef0123456789`)).toBe(401);
      expect(await viaProxy(h, 'guess-200-0123456789abcdef0123456789')).toBe(429);
      expect(await viaProxy(h, OKTA_TOKEN)).toBe(429);
    } finally {
      await h.release();
    }
  });
});

describe("SCIM endpoint: a directory's own extension", () => {
  it('reaches the mapping under its URN', async () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User';
    const h = await startScimHarness({
      api: 'v26',
      source: {
        mapping: {
          key: 'id',
          schemaId: '"scim-user"',
          traits: `{ "username": userName, "employee_number": $lookup($, "${custom}").badge }`,
        },
      },
    });
    try {
      const r = await h.scim('POST', '/Users', {
        schemas: [CORE, custom],
        userName: 'ext@example.com',
        [custom]: { badge: 'B-7' },
      });
      expect(r.status).toBe(201);
      expect(r.body[custom]).toEqual({ badge: 'B-7' });
      expect(h.identities().get(r.body.id)!.traits).toEqual({
        username: 'ext@example.com',
        employee_number: 'B-7',
      });
    } finally {
      await h.release();
    }
  });
});

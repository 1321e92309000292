import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { employeeTraits, send, sendCounts } from './testing/http.ts';

// What the v1.x profiles (v1 = v1.3.1, v1.0 = v1.0.0) and v25.4 do differently from v26, as read from
// ory/kratos at those tags: no external_id, 2000-entry batches without a plaintext limit, all-or-nothing
// batches on v1.0, v1.0's offset pages, keyset pages without a maximum, JSON Patch dropping /external_id,
// and the session list headers.
const entry = (n: number, tag: string, extra: object = {}) => ({
  create: { schema_id: 'employee', traits: employeeTraits(n, tag), ...extra },
});
const plaintext = (n: number, tag: string) =>
  entry(n, tag, { credentials: { password: { config: { password: `pw-${n}-long-enough` } } } });
const UNIQUE_VIOLATION = {
  code: 409,
  status: 'Conflict',
  message: 'Unable to insert or update resource because a resource with that value exists already',
};

function useSim(api: 'v1' | 'v1.0' | 'v25.4' | 'v26') {
  const holder: { sim: KratosSim } = {} as { sim: KratosSim };
  beforeAll(async () => {
    holder.sim = await startKratosSim({ api });
  });
  beforeEach(() => holder.sim.reset());
  afterAll(async () => {
    await holder.sim.stop();
  });
  return holder;
}

const batch = (sim: KratosSim, identities: unknown[]) =>
  send(sim, '/admin/identities', { method: 'PATCH', json: { identities } });
const create = async (sim: KratosSim, n: number, tag = 'c', extra: object = {}) => {
  const res = await send(sim, '/admin/identities', { method: 'POST', json: entry(n, tag, extra).create });
  expect(res.status).toBe(201);
  return res.body as { id: string; updated_at: string };
};

describe.each(['v1', 'v1.0'] as const)('%s: no external_id anywhere', (api) => {
  const h = useSim(api);

  it('a create carrying external_id is a 400 naming the field (v1.0 with body code 500)', async () => {
    const res = await send(h.sim, '/admin/identities', {
      method: 'POST',
      json: entry(1, 'x', { external_id: 'hr-1' }).create,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error:
        api === 'v1'
          ? { code: 400, status: 'Bad Request', message: 'json: unknown field "external_id"' }
          : { code: 500, status: 'Internal Server Error', message: 'json: unknown field "external_id"' },
    });
    expect(res.headers.get('ory-error-id')).toBeNull();
    expect(h.sim.state.identities.size).toBe(0);
  });

  it('a batch entry carrying external_id fails the whole batch with the decode quirk', async () => {
    const res = await batch(h.sim, [entry(1, 'x'), entry(2, 'x', { external_id: 'hr-2' })]);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 500,
      status: 'Internal Server Error',
      message: 'json: unknown field "external_id"',
    });
    expect(h.sim.state.identities.size).toBe(0);
  });

  it('there is no lookup by external id: the router answers its plain-text 404', async () => {
    const res = await send(h.sim, '/admin/identities/by/external/hr-1');
    expect(res.status).toBe(404);
    expect(res.text).toBe('404 page not found\n');
    // `/admin/identities/by` is an identity id to the router: the JSON 404.
    expect((await send(h.sim, '/admin/identities/by')).body.error.message).toBe(
      'Unable to locate the resource',
    );
  });

  it('PUT ignores external_id; JSON Patch drops add/replace of /external_id and refuses its remove', async () => {
    const { id, updated_at } = await create(h.sim, 3);
    const put = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PUT',
      json: { schema_id: 'employee', traits: employeeTraits(3, 'c'), external_id: 'hr-3' },
    });
    expect(put.status).toBe(200);
    expect(put.body).not.toHaveProperty('external_id');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const added = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [{ op: 'add', path: '/external_id', value: 'hr-3' }],
    });
    expect(added.status).toBe(200);
    expect(added.body).not.toHaveProperty('external_id');
    expect(added.body.updated_at).not.toBe(updated_at); // Update still ran
    expect(h.sim.identity(id)?.external_id).toBeNull();
    const removed = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [{ op: 'remove', path: '/external_id' }],
    });
    expect(removed.status).toBe(400);
    expect(removed.body.error).toMatchObject({
      reason: 'An error occured when applying the JSON patch',
      message:
        "error in remove for path: '/external_id': unable to remove nonexistent key: external_id: missing value",
    });
  });

  it('JSON Patch: the deny list is an exact lookup; an empty body is "unexpected end of JSON input"', async () => {
    const { id } = await create(h.sim, 4);
    const denied = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [{ op: 'remove', path: '/credentials' }],
    });
    expect(denied.body.error.message).toBe('patch includes denied path: /credentials');
    // v26 denies /Credentials too (case-insensitive globs); v1.x does not, and the key is not in the document.
    const otherCase = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [
        { op: 'replace', path: '/metadata_public', value: { a: 1 } },
        { op: 'add', path: '/Credentials', value: {} },
      ],
    });
    expect(otherCase.status).toBe(200);
    expect(h.sim.identity(id)?.credentials.password?.identifiers).toEqual([employeeTraits(4, 'c').email]);
    const empty = await send(h.sim, `/admin/identities/${id}`, { method: 'PATCH', body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('unexpected end of JSON input');
  });

  it('batches take 2000 entries with any number of plaintext passwords, not 2001', async () => {
    const many = Array.from({ length: 2001 }, (_, n) => (n < 300 ? plaintext(n, 'p') : { create: null }));
    const over = await batch(h.sim, many);
    expect(over.status).toBe(400);
    expect(over.body.error.reason).toBe(
      'The maximum number of identities that can be created or deleted at once is 2000.',
    );
    const ok = await batch(h.sim, many.slice(0, 2000));
    expect(ok.status).toBe(200);
    expect(h.sim.state.identities.size).toBe(300);
  });

  it('a bad include_credential is a 400 that prints the list parsed so far, not the bad value', async () => {
    const { id } = await create(h.sim, 6);
    const bad = await send(h.sim, `/admin/identities/${id}?include_credential=oidc&include_credential=bogus`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('Invalid value `[oidc]` for parameter `include_credential`.');
  });

  it('lists carry metadata_admin', async () => {
    await create(h.sim, 5, 'c', { metadata_admin: { kratos_sync: { key: 'E5' } } });
    const list = await send(h.sim, '/admin/identities');
    expect(list.body[0].metadata_admin).toEqual({ kratos_sync: { key: 'E5' } });
  });
});

describe('v1.0: all-or-nothing batches', () => {
  const h = useSim('v1.0');

  it('one entry that conflicts with an existing identity fails the whole batch with the raw 409', async () => {
    await create(h.sim, 1, 'b');
    const res = await batch(h.sim, [entry(2, 'b'), entry(1, 'b'), entry(3, 'b')]);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: UNIQUE_VIOLATION });
    expect(h.sim.state.identities.size).toBe(1);
  });

  it('two entries of the same batch that clash fail it too; nothing is left behind', async () => {
    const res = await batch(h.sim, [entry(1, 'b'), entry(2, 'b'), entry(2, 'b')]);
    expect(res.status).toBe(409);
    expect(h.sim.state.identities.size).toBe(0);
    expect(h.sim.state.credentialIndex.size).toBe(0);
  });

  it('a schema-invalid entry fails the whole batch with its 400 and the validation reason', async () => {
    const res = await batch(h.sim, [
      entry(1, 'b'),
      {
        create: { schema_id: 'employee', traits: { email: 'not-an-email', name: { first: 'a', last: 'b' } } },
      },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toContain('I[#/traits/email]');
    expect(h.sim.state.identities.size).toBe(0);
  });

  it('a clean batch answers 200 with index-aligned results and patch ids', async () => {
    const patchId = crypto.randomUUID();
    const res = await batch(h.sim, [{ ...entry(1, 'b'), patch_id: patchId }, { create: null }]);
    expect(res.status).toBe(200);
    expect(res.body.identities).toEqual([
      { action: 'create', identity: expect.any(String), patch_id: patchId },
      null,
    ]);
  });

  it('a conflicting create answers the raw sqlcon 409 (no reason)', async () => {
    await create(h.sim, 1, 'p');
    const res = await send(h.sim, '/admin/identities', { method: 'POST', json: entry(1, 'p').create });
    expect(res.body).toEqual({ error: UNIQUE_VIOLATION });
  });
});

describe.each([
  { api: 'v1', reason: 'generic' },
  { api: 'v25.4', reason: 'generic' },
  { api: 'v26', reason: 'specific' },
] as const)('$api: per-item batches', ({ api, reason }) => {
  const h = useSim(api);

  it(`first occurrence wins; a schema-invalid entry's reason is ${reason}`, async () => {
    const res = await batch(h.sim, [
      entry(1, 'i'),
      entry(1, 'i'),
      {
        create: { schema_id: 'employee', traits: { email: 'not-an-email', name: { first: 'a', last: 'b' } } },
      },
    ]);
    expect(res.status).toBe(200);
    const [first, dup, invalid] = res.body.identities;
    expect(first.action).toBe('create');
    expect(dup).toEqual({ action: 'error', error: UNIQUE_VIOLATION });
    expect(invalid.error.message).toBe('The request was malformed or contained invalid parameters');
    if (reason === 'generic') expect(invalid.error.reason).toBe(invalid.error.message);
    else expect(invalid.error.reason).toContain('I[#/traits/email]');
  });
});

describe('v1.0: offset identity lists', () => {
  const h = useSim('v1.0');

  it('writes the absolute migration Link of ory/x and pages 0-based over id DESC', async () => {
    for (let n = 0; n < 3; n++) await create(h.sim, n, 'o');
    const ids = [...h.sim.state.identities.keys()].sort().reverse();
    const first = await send(h.sim, '/admin/identities?page_size=1');
    expect(first.headers.get('x-total-count')).toBe('3');
    expect(first.headers.get('link')).toBe(
      `<${h.sim.url}/identities?page=1&page_size=1&page_token=eyJvZmZzZXQiOiIxIiwidiI6Mn0&per_page=1>; rel="next",` +
        `<${h.sim.url}/identities?page=2&page_size=1&page_token=eyJvZmZzZXQiOiIyIiwidiI6Mn0&per_page=1>; rel="last"`,
    );
    expect(first.body.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    // Following the tokens, or counting page from 0, walks every identity once.
    const second = await send(h.sim, '/admin/identities?page_size=1&page_token=eyJvZmZzZXQiOiIxIiwidiI6Mn0');
    expect(second.body.map((i: { id: string }) => i.id)).toEqual([ids[1]]);
    const byPage = await Promise.all(
      [0, 1, 2, 3].map((page) => send(h.sim, `/admin/identities?page=${page}&per_page=1`)),
    );
    expect(byPage.map((r) => r.body.map((i: { id: string }) => i.id)).flat()).toEqual(ids);
  });

  it('credentials_identifier finds at most one identity (password identifiers), with credentials', async () => {
    await create(h.sim, 1, 'f');
    await create(h.sim, 2, 'f');
    const hit = await send(
      h.sim,
      `/admin/identities?credentials_identifier=${encodeURIComponent(' EMP1-F@example.com ')}`,
    );
    expect(hit.body).toHaveLength(1);
    expect(hit.body[0].credentials.password.identifiers).toEqual(['emp1-f@example.com']);
    expect(hit.headers.get('x-total-count')).toBe('1');
    // Filters v1.1 added are ignored: all identities come back.
    const ignored = await send(h.sim, `/admin/identities?ids=${crypto.randomUUID()}`);
    expect(ignored.body).toHaveLength(2);
  });

  it('identities have no organization_id', async () => {
    const created = await create(h.sim, 1, 'g');
    expect(created).not.toHaveProperty('organization_id');
  });
});

describe('v1: keyset lists without a maximum page size; filters combine', () => {
  const h = useSim('v1');

  it('JSON Patch writes /organization_id like any column (no foreign key)', async () => {
    const { id } = await create(h.sim, 9, 'g');
    const org = crypto.randomUUID();
    const res = await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [{ op: 'replace', path: '/organization_id', value: org }],
    });
    expect(res.status).toBe(200);
    expect(res.body.organization_id).toBe(org);
    expect(h.sim.identity(id)?.organization_id).toBe(org);
  });

  it('page_size 600 returns 600 (v26 would clamp to 500) and the links repeat it', async () => {
    const res = await batch(
      h.sim,
      Array.from({ length: 650 }, (_, n) => entry(n, 'k')),
    );
    expect(res.status).toBe(200);
    const page = await send(h.sim, '/admin/identities?page_size=600');
    expect(page.body).toHaveLength(600);
    expect(page.headers.get('link')).toContain('page_size=600');
    expect(page.headers.get('x-total-count')).toBeNull();
    expect((await send(h.sim, '/admin/identities?page_size=-1')).status).toBe(500);
  });

  it('ids and credentials_identifier are ANDed; both identifier filters at once are a 400', async () => {
    const a = await create(h.sim, 1, 'a');
    const b = await create(h.sim, 2, 'a');
    const both = await send(
      h.sim,
      `/admin/identities?ids=${a.id}&ids=${b.id}&credentials_identifier=emp2-a@example.com`,
    );
    expect(both.body.map((i: { id: string }) => i.id)).toEqual([b.id]);
    expect(both.body[0].credentials.password).toBeDefined();
    const clash = await send(
      h.sim,
      '/admin/identities?credentials_identifier=x&preview_credentials_identifier_similar=x',
    );
    expect(clash.status).toBe(400);
    expect(clash.body.error.reason).toBe(
      'Cannot pass both credentials_identifier and preview_credentials_identifier_similar.',
    );
    // organization_id is never parsed on v1.x.
    expect((await send(h.sim, '/admin/identities?organization_id=not-a-uuid')).body).toHaveLength(2);
  });
});

describe.each([
  { api: 'v1', identityInExtend: true },
  { api: 'v1.0', identityInExtend: false },
] as const)('$api: admin sessions', ({ api, identityInExtend }) => {
  const h = useSim(api);

  it('GET /admin/sessions sends X-Total-Count; v1.0 pages by session UUID with two Link fields', async () => {
    const { id } = await create(h.sim, 1, 's');
    const sessions = [h.sim.login(id), h.sim.login(id), h.sim.login(id)].map((s) => s.sessionId).sort();
    const first = await send(h.sim, '/admin/sessions?page_size=1');
    expect(first.headers.get('x-total-count')).toBe('3');
    const link = first.headers.get('link')!;
    if (api === 'v1.0') {
      expect(first.body[0].id).toBe(sessions[0]);
      // fetch joins repeated header fields with ", "; v1.1+ joins its Link entries with "," alone.
      expect(link).toBe(
        '</admin/sessions?page_size=1&page_token=00000000-0000-0000-0000-000000000000>; rel="first", ' +
          `</admin/sessions?page_size=1&page_token=${sessions[0]}>; rel="next"`,
      );
    } else {
      expect(link).toMatch(/rel="first",<\/admin\/sessions\?page_size=1&page_token=[^>]+>; rel="next"$/);
    }
    const extended = await send(h.sim, `/admin/sessions/${sessions[0]}/extend`, { method: 'PATCH' });
    expect(extended.status).toBe(200);
    expect('identity' in extended.body).toBe(identityInExtend);
    const identitySessions = await send(h.sim, `/admin/identities/${id}/sessions`);
    expect(identitySessions.headers.get('x-total-count')).toBe('3');
    expect(
      identitySessions.headers
        .get('link')!
        .startsWith(api === 'v1.0' ? `<${h.sim.url}/sessions?` : '</admin/identities/'),
    ).toBe(true);
  });

  it('an inactive identity fails whoami with the v1 reason; recovery codes are 6 digits', async () => {
    const { id } = await create(h.sim, 2, 's');
    const { sessionToken, sessionId } = h.sim.login(id);
    await send(h.sim, `/admin/identities/${id}`, {
      method: 'PATCH',
      json: [{ op: 'replace', path: '/state', value: 'inactive' }],
    });
    const who = await send(h.sim, '/sessions/whoami', { headers: { 'x-session-token': sessionToken } });
    expect(who.status).toBe(401);
    expect(who.body.error.reason).toBe('No valid session credentials found in the request.');
    // The active filter reads the session's columns; the `active` key counts the loaded identity's state.
    const listed = await send(h.sim, `/admin/identities/${id}/sessions?active=true`);
    expect(listed.body.map((s: { id: string; active: boolean }) => [s.id, s.active])).toEqual([
      [sessionId, false],
    ]);
    expect((await send(h.sim, `/admin/sessions/${sessionId}`)).body.active).toBe(true);
    expect((await send(h.sim, `/admin/sessions/${sessionId}?expand=identity`)).body.active).toBe(false);
    const code = await send(h.sim, '/admin/recovery/code', {
      method: 'POST',
      json: { identity_id: id, flow_type: 'nonsense' },
    });
    // v1.0 and v1.1 ignore flow_type; v1.2+ refuse an unknown one.
    expect(code.status).toBe(api === 'v1.0' ? 201 : 400);
  });
});

describe.each([
  { api: 'v26', sorted: false, hmac: true, lowercased: true },
  { api: 'v25.4', sorted: true, hmac: true, lowercased: true },
  { api: 'v1', sorted: false, hmac: true, lowercased: true },
  { api: 'v1.0', sorted: false, hmac: false, lowercased: false },
] as const)('$api: credential import details', ({ api, sorted, hmac, lowercased }) => {
  const h = useSim(api);

  it(`identifiers ${sorted ? 'sorted' : 'in insertion order'}; HMAC hashes ${hmac ? 'accepted' : 'refused'}; imported addresses matched ${lowercased ? 'lowercased' : 'as sent'}`, async () => {
    const providers = [
      { provider: 'zeta', subject: '1' },
      { provider: 'alpha', subject: '2' },
    ];
    const created = await send(h.sim, '/admin/identities', {
      method: 'POST',
      json: {
        ...entry(1, 'd').create,
        credentials: { oidc: { config: { providers } } },
        verifiable_addresses: [
          { value: 'EMP1-D@example.com', via: 'email', verified: true, status: 'completed' },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.credentials.oidc.identifiers).toEqual(
      sorted ? ['alpha:2', 'zeta:1'] : ['zeta:1', 'alpha:2'],
    );
    expect(created.body.verifiable_addresses[0].verified).toBe(lowercased);
    const withHmac = await send(h.sim, '/admin/identities', {
      method: 'POST',
      json: {
        ...entry(2, 'd').create,
        credentials: { password: { config: { hashed_password: '$hmac-sha256$YWJj$ZGVm' } } },
      },
    });
    expect(withHmac.status).toBe(hmac ? 201 : 400);
  });
});

describe.each([
  { api: 'v26', limited: true },
  { api: 'v1', limited: true },
  { api: 'v1.0', limited: false },
] as const)('$api: request bodies over 5 MB', ({ api, limited }) => {
  const h = useSim(api);
  const big = { blob: 'x'.repeat(5 * 1024 * 1024) };

  it(
    limited ? "fail while being read, in each endpoint's 400 form" : 'are read (no limit before v1.2)',
    async () => {
      const created = await send(h.sim, '/admin/identities', {
        method: 'POST',
        json: { ...entry(1, 'l').create, metadata_public: big },
      });
      if (!limited) {
        expect(created.status).toBe(201);
        return;
      }
      expect(created.status).toBe(400);
      expect(created.body.error).toEqual({
        code: 400,
        status: 'Bad Request',
        message: 'http: request body too large',
      });
      const batched = await batch(h.sim, [
        { ...entry(2, 'l'), create: { ...entry(2, 'l').create, metadata_admin: big } },
      ]);
      expect(batched.status).toBe(400);
      expect(batched.body.error).toMatchObject({ code: 500, message: 'http: request body too large' });
      const { id } = await create(h.sim, 3, 'l');
      const put = await send(h.sim, `/admin/identities/${id}`, {
        method: 'PUT',
        json: { schema_id: 'employee', traits: employeeTraits(3, 'l'), metadata_public: big },
      });
      expect(put.status).toBe(400);
      expect(put.body.error.reason).toBe('Unable to decode JSON payload: http: request body too large');
      expect(h.sim.state.identities.size).toBe(1);
    },
  );
});

afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(30);
});

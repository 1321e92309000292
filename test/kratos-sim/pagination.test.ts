import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { seedEmployees, send, sendCounts } from './testing/http.ts';

// Pagination over a few thousand identities, exactly as each release pages (`identity/handler.go` `list`, ory/x `pagination`).
const COUNT = 3_217;
const NIL = '00000000-0000-0000-0000-000000000000';

function nextLink(link: string | null): string | undefined {
  const m = /<([^>]+)>; rel="next"/.exec(link ?? '');
  return m?.[1];
}

describe('v26 keyset pagination', () => {
  let sim: KratosSim;
  let ids: string[];

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    ids = await seedEmployees(sim, COUNT);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('following rel="next" yields every identity once, ascending by id, with no empty trailing page', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/admin/identities?page_size=500';
    let pages = 0;
    while (path) {
      const res = await send(sim, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-total-count')).toBeNull();
      expect(res.body.length).toBeGreaterThan(0);
      seen.push(...res.body.map((i: { id: string }) => i.id));
      path = nextLink(res.headers.get('link'));
      pages++;
    }
    expect(pages).toBe(Math.ceil(COUNT / 500));
    expect(seen).toEqual([...ids].sort());
  });

  it('writes the Link header exactly as Kratos does', async () => {
    const first = await send(sim, '/admin/identities');
    expect(first.body).toHaveLength(250);
    const last = first.body[249].id as string;
    expect(first.headers.get('link')).toBe(
      `</admin/identities?page_size=250&page_token=${NIL}>; rel="first",</admin/identities?page_size=250&page_token=${last}>; rel="next"`,
    );
    const sorted = [...ids].sort();
    const tail = await send(sim, `/admin/identities?page_size=500&page_token=${sorted[COUNT - 3]}`);
    expect(tail.body.map((i: { id: string }) => i.id)).toEqual(sorted.slice(COUNT - 2));
    expect(tail.headers.get('link')).toBe(`</admin/identities?page_size=500&page_token=${NIL}>; rel="first"`);
  });

  it('clamps page_size to 500 silently, treats <= 0 as 250, and refuses a non-integer', async () => {
    const big = await send(sim, '/admin/identities?page_size=10000');
    expect(big.body).toHaveLength(500);
    expect(big.headers.get('link')).toContain('page_size=500&');
    expect((await send(sim, '/admin/identities?page_size=0')).body).toHaveLength(250);
    const bad = await send(sim, '/admin/identities?page_size=ten');
    expect(bad.status).toBe(400);
    expect(bad.body.error.reason).toBe('strconv.Atoi: parsing "ten": invalid syntax');
    const crafted = await send(sim, '/admin/identities?page_token=page-2');
    expect(crafted.body.error.reason).toBe('The page token is invalid, do not craft your own page tokens');
  });

  it('per_page alone becomes page_size; page selects legacy offset mode up to 1000 items', async () => {
    expect((await send(sim, '/admin/identities?per_page=7')).body).toHaveLength(7);
    const legacy = await send(sim, '/admin/identities?page=1&per_page=300');
    expect(legacy.headers.get('x-total-count')).toBe(String(COUNT));
    expect(legacy.body.map((i: { id: string }) => i.id)).toEqual([...ids].sort().slice(300, 600));
    const tooFar = await send(sim, '/admin/identities?page=3&per_page=400');
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.reason).toMatch(
      /^Legacy pagination is not supported for enumerating over 1000 items/,
    );
  });

  it('keeps filters in the links and returns credentials only for credentials_identifier', async () => {
    const one = await send(sim, '/admin/identities?credentials_identifier=%20EMP42-SEED@EXAMPLE.COM%20');
    expect(one.body).toHaveLength(1);
    expect(one.body[0].credentials.password.identifiers).toEqual(['emp42-seed@example.com']);
    expect(one.headers.get('link')).toContain(
      'credentials_identifier=+EMP42-SEED%40EXAMPLE.COM+&page_size=250',
    );
    const plain = await send(sim, '/admin/identities?page_size=1');
    expect(plain.body[0]).not.toHaveProperty('credentials');
    expect(plain.body[0]).toHaveProperty('metadata_admin');
    expect((await send(sim, '/admin/identities?credentials_identifier=nobody@example.com')).body).toEqual([]);
    const both = await send(sim, `/admin/identities?ids=${ids[0]}&credentials_identifier=x`);
    expect(both.body.error.reason).toBe('You cannot combine multiple filters in this API');
  });

  it('filters by ids (max 500), paginating the matches', async () => {
    // Kratos keeps every filter value in the Link header, so 100 ids already make a ~9 KB header; a few
    // hundred overflow Node's 16 KB response-header limit (undici UND_ERR_HEADERS_OVERFLOW), as they
    // would against a real Kratos.
    const wanted = ids.slice(0, 100);
    const query = wanted.map((id) => `ids=${id}`).join('&');
    const first = await send(sim, `/admin/identities?page_size=60&${query}`);
    const next = nextLink(first.headers.get('link'));
    expect(next).toBeDefined();
    expect(next).toContain(`ids=${wanted[0]}`);
    const second = await send(sim, next!);
    const seen = [...first.body, ...second.body].map((i: { id: string }) => i.id);
    expect(seen).toEqual([...wanted].sort());
    expect(nextLink(second.headers.get('link'))).toBeUndefined();
    const tooMany = await send(
      sim,
      `/admin/identities?${ids
        .slice(0, 501)
        .map((id) => `ids=${id}`)
        .join('&')}`,
    );
    expect(tooMany.body.error.reason).toBe('The number of ids to filter must not exceed 500.');
    const notUuid = await send(sim, '/admin/identities?ids=abc');
    expect(notUuid.body.error.reason).toBe('Invalid UUID value `abc` for parameter `ids`.');
  });
});

describe('v0.10 offset pagination', () => {
  let sim: KratosSim;
  let ids: string[];

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v0.10' });
    ids = await seedEmployees(sim, COUNT);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('page=1,2,3… until a short page yields everything once, ordered by id DESC', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const res = await send(sim, `/admin/identities?page=${page}&per_page=1000`);
      expect(res.headers.get('x-total-count')).toBe(String(COUNT));
      seen.push(...res.body.map((i: { id: string }) => i.id));
      if (res.body.length < 1000) break;
    }
    expect(seen).toEqual([...ids].sort().reverse());
  });

  it('page 0 and page 1 are the same page, and per_page is clamped to 1..1000', async () => {
    const zero = await send(sim, '/admin/identities?page=0&per_page=10');
    const one = await send(sim, '/admin/identities?page=1&per_page=10');
    expect(zero.body).toEqual(one.body);
    expect((await send(sim, '/admin/identities')).body).toHaveLength(250);
    expect((await send(sim, '/admin/identities?per_page=5000')).body).toHaveLength(1000);
    expect((await send(sim, '/admin/identities?per_page=0')).body).toHaveLength(1);
    expect((await send(sim, '/admin/identities?per_page=abc')).body).toHaveLength(250);
  });

  it('sends the off-by-one Link header: next from the first page repeats it', async () => {
    const base = `${sim.url}/identities`;
    const first = await send(sim, '/admin/identities?per_page=1000');
    const lastPage = Math.floor(COUNT / 1000); // 0-based page of the last offset
    expect(first.headers.get('link')).toBe(
      `<${base}?page=1&per_page=1000>; rel="next",<${base}?page=${lastPage}&per_page=1000>; rel="last"`,
    );
    const next = await send(sim, '/admin/identities?page=1&per_page=1000');
    expect(next.body).toEqual(first.body); // following the Link repeats the first page
    const middle = await send(sim, '/admin/identities?page=2&per_page=1000');
    expect(middle.headers.get('link')).toBe(
      `<${base}?page=0&per_page=1000>; rel="first",<${base}?page=3&per_page=1000>; rel="next",<${base}?page=1&per_page=1000>; rel="prev",<${base}?page=3&per_page=1000>; rel="last"`,
    );
  });

  it('ignores every filter and omits metadata_admin and credentials', async () => {
    const res = await send(sim, '/admin/identities?credentials_identifier=emp1-seed@example.com&per_page=3');
    expect(res.body).toHaveLength(3);
    for (const identity of res.body) {
      expect(identity).not.toHaveProperty('metadata_admin');
      expect(identity).not.toHaveProperty('credentials');
      expect(identity).not.toHaveProperty('external_id');
      expect(identity).not.toHaveProperty('organization_id');
    }
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(30);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { HttpJsonConnection } from '../../src/config/sections/source.ts';
import { sourceSection } from '../../src/config/sections/source.ts';
import { createHttpJsonSource } from '../../src/sources/http/http-json-source.ts';
import { genericPlan } from '../../src/sources/http/http-source-plan.ts';
import { SourceError, sourceRowError, type SourceRecord } from '../../src/sources/types.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { startFakeHrApi, type FakeHrApi, type FakeHrApiOptions } from '../support/fake-hr-api.ts';

const FAST = { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };
const people = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `E${i + 1}`, email: `person${i + 1}@example.com` }));

let api: FakeHrApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function connection(raw: Record<string, unknown>): HttpJsonConnection {
  return sourceSection.shape.connection.parse({
    type: 'http-json',
    itemsPath: 'data',
    ...raw,
  }) as HttpJsonConnection;
}

async function setup(
  apiOptions: FakeHrApiOptions,
  raw: Record<string, unknown> = {},
  now = () => new Date(),
) {
  api = await startFakeHrApi(apiOptions);
  const logs = captureLogs('warn');
  const source = createHttpJsonSource({
    name: 'hris',
    plan: genericPlan(connection({ url: api.collectionUrl, ...raw })),
    keyOf: (record) => record.id as string | undefined,
    logger: logs.logger,
    now,
    retryTiming: FAST,
  });
  return { api, source, logs };
}

async function readAll(source: { stream(): AsyncIterable<SourceRecord> }) {
  const records: SourceRecord[] = [];
  for await (const record of source.stream()) records.push(record);
  return records;
}

async function readUntilError(source: { stream(): AsyncIterable<SourceRecord> }) {
  const records: SourceRecord[] = [];
  try {
    for await (const record of source.stream()) records.push(record);
  } catch (error) {
    return { records, error: error as SourceError };
  }
  throw new Error(`expected the stream to throw; it ended after ${records.length} records`);
}

const ids = (records: SourceRecord[]) => records.map((r) => r.id);
const collectionRequests = (fake: FakeHrApi) => fake.requests.filter((r) => r.path === '/v1/employees');

describe('HTTP JSON source: pagination', () => {
  it.each([
    ['page', { type: 'page', size: 5 }, ['page=1&per_page=5', 'page=2&per_page=5', 'page=5&per_page=5']],
    ['offset', { type: 'offset', limit: 5 }, ['offset=0&limit=5', 'offset=5&limit=5', 'offset=20&limit=5']],
    // The fake's cursors are base64url offsets ("NQ" = 5, "MjA" = 20); the first request has none.
    ['cursor', { type: 'cursor', cursorPath: 'paging.next.after' }, ['', 'cursor=NQ', 'cursor=MjA']],
    [
      'cursor',
      { type: 'cursor', cursorPath: 'paging.next.after', limit: 5 },
      ['limit=5', 'limit=5&cursor=NQ', 'limit=5&cursor=MjA'],
    ],
    ['link-header', { type: 'link-header' }, ['', 'page=2&per_page=5', 'page=5&per_page=5']],
  ] as const)(
    'reads every page with %s pagination, reusing keep-alive connections',
    async (style, pagination, queries) => {
      // With a configured cursor limit the server would serve 100 a page: the limit must be what pages.
      const maxPageSize = 'limit' in pagination && pagination.type === 'cursor' ? 100 : 5;
      const { api, source } = await setup(
        { people: people(23), pagination: style, maxPageSize },
        { pagination },
      );
      expect(ids(await readAll(source))).toEqual(people(23).map((p) => p.id));
      const seen = collectionRequests(api).map((r) => r.query.toString());
      expect(seen).toHaveLength(5); // 5+5+5+5+3: the short page ends it
      expect([seen[0], seen[1], seen[4]]).toEqual(queries);
      // undici may open a second socket while the first finishes a response; never one per request.
      expect(api.connections).toBeLessThanOrEqual(2);
    },
  );

  it('reads a single unpaginated response with a top-level array', async () => {
    const { source } = await setup({ people: people(3), pagination: 'none' }, { itemsPath: 'data' });
    expect(ids(await readAll(source))).toEqual(['E1', 'E2', 'E3']);
  });

  it('keeps reading when the API caps the page size below what was asked (no silent truncation)', async () => {
    const { api, source } = await setup(
      { people: people(23), maxPageSize: 10 },
      { pagination: { type: 'page', size: 50 } },
    );
    expect(await readAll(source)).toHaveLength(23);
    expect(collectionRequests(api)).toHaveLength(3); // 10, 10, 3
  });

  it('stops on an empty page when the last page is exactly full', async () => {
    const { api, source } = await setup(
      { people: people(10), pagination: 'offset', maxPageSize: 5 },
      { pagination: { type: 'offset', limit: 5 } },
    );
    expect(await readAll(source)).toHaveLength(10);
    expect(collectionRequests(api).map((r) => r.query.get('offset'))).toEqual(['0', '5', '10']);
  });

  it('throws instead of looping or duplicating when the API ignores the page parameter', async () => {
    const { source } = await setup(
      { people: people(12), maxPageSize: 5, ignorePaging: true },
      { pagination: { type: 'page', size: 5 } },
    );
    const { records, error } = await readUntilError(source);
    expect(ids(records)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5']);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toMatch(
      /page 2: the API served the same page twice; check the pagination settings/,
    );
  });

  it('refuses to follow a next link to another origin with our credentials', async () => {
    const { api, source } = await setup(
      {
        people: people(3),
        pagination: 'cursor',
        maxPageSize: 2,
        auth: { type: 'bearer', token: 'tok-origin-123' },
      },
      {
        pagination: { type: 'cursor', cursorPath: 'meta.next' },
        auth: { type: 'bearer', token: 'tok-origin-123' },
      },
    );
    // Make the cursor an absolute URL on another host, as a compromised or misconfigured API might.
    api.inject({
      body: JSON.stringify({ data: [{ id: 'E1' }], meta: { next: 'http://evil.example/steal' } }),
    });
    const { records, error } = await readUntilError(source);
    expect(ids(records)).toEqual(['E1']);
    expect(error.message).toMatch(
      /GET http:\/\/evil\.example\/steal \(page 2\): refusing to send credentials/,
    );
    expect(api.requests).toHaveLength(1);
  });
});

describe('HTTP JSON source: authentication (checked by the server)', () => {
  it.each([
    [
      { type: 'bearer', token: 'bearer-secret-1' },
      { type: 'bearer', token: 'bearer-secret-1' },
    ],
    [
      { type: 'basic', username: 'svc', password: 'basic-secret-1' },
      { type: 'basic', username: 'svc', password: 'basic-secret-1' },
    ],
    [
      { type: 'header', name: 'X-Api-Key', value: 'header-secret-1' },
      { type: 'header', name: 'x-api-key', value: 'header-secret-1' },
    ],
  ] as const)('sends %j auth', async (configured, expected) => {
    const { api, source } = await setup({ people: people(2), auth: expected }, { auth: configured });
    expect(ids(await readAll(source))).toEqual(['E1', 'E2']);
    expect(api.requests.every((r) => !r.query.toString().includes('secret'))).toBe(true);
  });

  it('fails at once with a credentials hint on 401, and never shows the token', async () => {
    const { api, source, logs } = await setup(
      { people: people(2), auth: { type: 'bearer', token: 'right-token-xyz' } },
      { auth: { type: 'bearer', token: 'wrong-token-abc' } },
    );
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect(error.message).toBe(
      `hris: GET ${api.collectionUrl} (page 1): HTTP 401: check the source credentials (connection.auth / token)`,
    );
    expect(api.requests).toHaveLength(1); // a 4xx is not retried
    expect(logs.text()).not.toContain('wrong-token-abc');
  });
});

describe('HTTP JSON source: retries', () => {
  it('waits as long as Retry-After (seconds) asks on 429, then goes on', async () => {
    const { api, source, logs } = await setup(
      { people: people(6), maxPageSize: 3 },
      { pagination: { type: 'page', size: 3 } },
    );
    api.inject({ status: 429, retryAfter: '1' }, { when: (r) => r.query.get('page') === '2' });
    const started = performance.now();
    expect(await readAll(source)).toHaveLength(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(collectionRequests(api).map((r) => r.query.get('page'))).toEqual(['1', '2', '2', '3']);
    expect(logs.text()).toMatch(/HTTP 429 \(rate limited\); retrying/);
  });

  it('honours a Retry-After HTTP-date against the injected clock', async () => {
    const clock = new Date('2030-01-01T00:00:00Z');
    const { api, source } = await setup({ people: people(2) }, {}, () => clock);
    api.inject({ status: 503, retryAfter: new Date(clock.getTime() + 1000).toUTCString() });
    const started = performance.now();
    expect(await readAll(source)).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('rides out a burst of 503s and dropped connections with backoff', async () => {
    const { api, source } = await setup(
      { people: people(6), maxPageSize: 3 },
      { pagination: { type: 'page', size: 3 } },
    );
    api.inject({ status: 503 }, { times: 2, when: (r) => r.query.get('page') === '2' });
    api.inject({ reset: true }, { when: (r) => r.query.get('page') === '2' });
    api.inject({ cutBody: true }, { when: (r) => r.query.get('page') === '2' });
    expect(ids(await readAll(source))).toEqual(people(6).map((p) => p.id));
    expect(collectionRequests(api).filter((r) => r.query.get('page') === '2')).toHaveLength(5);
  });

  it('throws a transient SourceError mid-stream when retries run out (the run must not go on as complete)', async () => {
    const { api, source } = await setup(
      { people: people(6), maxPageSize: 3 },
      { pagination: { type: 'page', size: 3 }, retries: 2 },
    );
    api.inject({ status: 503 }, { times: 99, when: (r) => r.query.get('page') === '2' });
    const { records, error } = await readUntilError(source);
    expect(ids(records)).toEqual(['E1', 'E2', 'E3']);
    expect(error).toMatchObject({ name: 'SourceError', transient: true });
    expect(error.message).toBe(`hris: GET ${api.collectionUrl}?… (page 2): HTTP 503 (3 attempts)`);
  });

  it('throws when every attempt is cut short mid-body', async () => {
    const { api, source } = await setup(
      { people: people(6), maxPageSize: 3 },
      { pagination: { type: 'page', size: 3 }, retries: 1 },
    );
    api.inject({ cutBody: true }, { times: 99, when: (r) => r.query.get('page') === '2' });
    const { records, error } = await readUntilError(source);
    expect(records).toHaveLength(3);
    expect(error.message).toMatch(/\(page 2\): network error \(\w+\) \(2 attempts\)$/);
  });

  it('times out a request that never answers, retries, and gives up with a clear message', async () => {
    const { api, source } = await setup({ people: people(2) }, { timeoutMs: 150, retries: 1 });
    api.inject({ hang: true }, { times: 2 });
    const { error } = await readUntilError(source);
    expect(error.message).toMatch(/no complete answer within 150 ms \(timeoutMs\) \(2 attempts\)$/);
  });

  it('gives up at once on a Retry-After longer than it is willing to wait', async () => {
    const { api, source } = await setup({ people: people(2) });
    api.inject({ status: 429, retryAfter: '3600' });
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ transient: true });
    expect(error.message).toMatch(/HTTP 429 \(rate limited\), asking to wait 3600 s/);
    expect(api.requests).toHaveLength(1);
  });
});

describe('HTTP JSON source: malformed answers', () => {
  it('throws a permanent SourceError for a body that is not JSON, without retrying', async () => {
    const { api, source } = await setup({ people: people(2) });
    api.inject({ body: '<html><body>Gateway login</body></html>' });
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect(error.message).toMatch(/\(page 1\): the response is not JSON$/);
    expect(error.message).not.toContain('Gateway');
    expect(api.requests).toHaveLength(1);
  });

  it('throws a permanent SourceError for an empty 200 body', async () => {
    const { api, source } = await setup({ people: people(2) });
    api.inject({ body: '' });
    const { error } = await readUntilError(source);
    expect(error).toMatchObject({ name: 'SourceError', transient: false });
    expect(error.message).toMatch(/\(page 1\): the response body is empty$/);
    expect(api.requests).toHaveLength(1);
  });

  it('throws when itemsPath does not hold an array', async () => {
    const { source } = await setup({ people: people(2) }, { itemsPath: 'meta' });
    const { error } = await readUntilError(source);
    expect(error.message).toBe(
      'hris: page 1: expected an array of records at itemsPath "meta", found an object',
    );
  });

  it('yields items that are not objects as bad rows, and the rest as records', async () => {
    const { api, source } = await setup({ people: [] }, { pagination: { type: 'none' } });
    api.inject({ body: JSON.stringify({ data: [{ id: 'E1' }, 'E2', null, { id: 'E4' }] }) });
    const records = await readAll(source);
    expect(records.map((r) => sourceRowError(r)?.message ?? r.id)).toEqual([
      'E1',
      'hris: page 1, item 2: expected a JSON object, found a string',
      'hris: page 1, item 3: expected a JSON object, found null',
      'E4',
    ]);
  });
});

describe('HTTP JSON source: fetchOne', () => {
  it('GETs itemUrl with the key URL-encoded; 404 is null', async () => {
    const { api, source } = await setup(
      { people: [{ id: 'A/1 b', email: 'a@example.com' }] },
      { itemUrl: '/v1/employees/{key}', itemPath: 'data' },
    );
    expect(await source.fetchOne('A/1 b')).toEqual({ id: 'A/1 b', email: 'a@example.com' });
    expect(await source.fetchOne('nobody')).toBeNull();
    expect(api.requests.map((r) => r.path)).toEqual(['/v1/employees/A%2F1%20b', '/v1/employees/nobody']);
  });

  it.each(['..', '.', ''])(
    'refuses the key %j before any request, for itemUrl and a preset plan alike',
    async (key) => {
      const { api, source } = await setup({ people: people(1) }, { itemUrl: '/v1/employees/{key}' });
      const message = `hris: "${key}" is not a usable record key for a single-record URL`;
      await expect(source.fetchOne(key)).rejects.toThrow(message);
      // A preset builds its own URL (e.g. /crm/v3/objects/contacts/{id}); ".." would resolve to the collection.
      const preset = createHttpJsonSource({
        name: 'hris',
        plan: {
          ...genericPlan(connection({ url: api.collectionUrl })),
          one: (k) => ({
            url: new URL(`/v1/employees/${encodeURIComponent(k)}`, api.collectionUrl),
            itemPath: 'data',
          }),
        },
        keyOf: (record) => record.id as string | undefined,
        logger: captureLogs('warn').logger,
        now: () => new Date(),
      });
      await expect(preset.fetchOne(key)).rejects.toThrow(message);
      expect(api.requests).toEqual([]);
    },
  );

  it('refuses to read "absent" from a misconfigured itemPath', async () => {
    const { source } = await setup(
      { people: people(1) },
      { itemUrl: '/v1/employees/{key}', itemPath: 'employee' },
    );
    await expect(source.fetchOne('E1')).rejects.toThrow(
      'hris: expected one record (a JSON object) at itemPath "employee" of the itemUrl response, found nothing',
    );
  });

  it('throws (never null) when the item lookup fails', async () => {
    const { api, source } = await setup(
      { people: people(1) },
      { itemUrl: '/v1/employees/{key}', retries: 0 },
    );
    api.inject({ status: 500 });
    await expect(source.fetchOne('E1')).rejects.toMatchObject({ name: 'SourceError', transient: true });
  });

  it('scans the collection when there is no itemUrl', async () => {
    const { source } = await setup(
      { people: people(12), maxPageSize: 5 },
      { pagination: { type: 'page', size: 5 } },
    );
    expect(await source.fetchOne('E11')).toEqual({ id: 'E11', email: 'person11@example.com' });
    expect(await source.fetchOne('E99')).toBeNull();
  });
});

describe('HTTP JSON source: cancellation', () => {
  it('stops waiting out a Retry-After as soon as the caller aborts', async () => {
    const { api, source } = await setup({ people: people(2) });
    api.inject({ status: 429, retryAfter: '4' });
    const controller = new AbortController();
    const reason = new Error('shutdown');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    const reading = (async () => {
      for await (const _ of source.stream(controller.signal));
    })();
    await expect(reading).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

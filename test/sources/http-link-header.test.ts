import { afterEach, describe, expect, it } from 'vitest';
import { sourceSection, type HttpJsonConnection } from '../../src/config/sections/source.ts';
import { createHttpJsonSource } from '../../src/sources/http/http-json-source.ts';
import { genericPlan } from '../../src/sources/http/http-source-plan.ts';
import { SourceError, type SourceRecord } from '../../src/sources/types.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';

// A paging token in the links: it must never show up in an error or a log line.
const TOKEN = 'pg-tok-5ecret-77';
const FAST = { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };
const people = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `E${i + 1}`, email: `person${i + 1}@example.com` }));

let api: FakeHrApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Six people, two a page, paged by Link header; page 2 answers with `link` instead of the real header. */
async function readWithPageTwoLink(link: string) {
  api = await startFakeHrApi({ people: people(6), pagination: 'link-header', maxPageSize: 2 });
  const page2 = JSON.stringify({ data: people(6).slice(2, 4) });
  api.inject(
    { body: page2, link },
    { when: (r) => r.path === '/v1/employees' && r.query.get('page') === '2' },
  );
  const logs = captureLogs('trace');
  const source = createHttpJsonSource({
    name: 'hris',
    plan: genericPlan(
      sourceSection.shape.connection.parse({
        type: 'http-json',
        url: api.collectionUrl,
        itemsPath: 'data',
        pagination: { type: 'link-header' },
      }) as HttpJsonConnection,
    ),
    keyOf: (record) => record.id as string | undefined,
    logger: logs.logger,
    now: () => new Date(),
    retryTiming: FAST,
  });
  const records: SourceRecord[] = [];
  let error: unknown;
  try {
    for await (const record of source.stream()) records.push(record);
  } catch (err) {
    error = err;
  }
  return { records, error, logs, requests: api.requests.filter((r) => r.path === '/v1/employees') };
}

describe('HTTP JSON source: a Link header that cannot be followed fails the read', () => {
  // Relative, as many APIs write them: resolved against the page URL.
  const next = (query: string) => `/v1/employees?${query}`;

  it.each([
    ['an unclosed <', () => `<${next(`page=3&per_page=2&token=${TOKEN}`)}; rel="next"`, /does not parse/],
    ['a bare URL without <>', () => `${next(`page=3&token=${TOKEN}`)}; rel="next"`, /does not parse/],
    [
      'garbage after a good link',
      () => `<${next(`page=3&token=${TOKEN}`)}>; rel="next", ${TOKEN}`,
      /does not parse/,
    ],
    ['a link without rel', () => `<${next(`page=3&per_page=2&token=${TOKEN}`)}>`, /link 1 has no rel/],
    ['a next target that is no URL', () => `<http://[${TOKEN}/x?page=3>; rel="next"`, /not a valid URL/],
    ['a next target that is not http(s)', () => `<ftp://files.example/${TOKEN}>; rel="next"`, /not an http/],
    ['an empty next target', () => `<>; rel="next"`, /target is empty/],
  ])('%s on page 2', async (_what, link, why) => {
    const { records, error, logs, requests } = await readWithPageTwoLink(link());
    // Pages 1 and 2 were read; nothing after page 2 was asked for, and the read did not just end.
    expect(records.map((r) => r.id)).toEqual(['E1', 'E2', 'E3', 'E4']);
    expect(requests).toHaveLength(2);
    expect(error).toBeInstanceOf(SourceError);
    const sourceError = error as SourceError;
    expect(sourceError.code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect(sourceError.transient).toBe(false);
    expect(sourceError.message).toMatch(/^hris: page 2: the Link header/);
    expect(sourceError.message).toMatch(why);
    expect(sourceError.message).not.toContain(TOKEN);
    expect(sourceError.message).not.toContain('per_page');
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('still ends the list on a page without a Link header, or with one that has no next link', async () => {
    const withoutNext = await readWithPageTwoLink(`<${next('page=1&per_page=2')}>; rel="first"`);
    expect(withoutNext.error).toBeUndefined();
    expect(withoutNext.records.map((r) => r.id)).toEqual(['E1', 'E2', 'E3', 'E4']);
    await api?.close();

    const empty = await readWithPageTwoLink('');
    expect(empty.error).toBeUndefined();
    expect(empty.records.map((r) => r.id)).toEqual(['E1', 'E2', 'E3', 'E4']);
  });
});

describe('HTTP JSON source: a cursor that starts like a URL but does not parse fails the read', () => {
  it('names the page and cursorPath, never the cursor (its token), in the error and the logs', async () => {
    api = await startFakeHrApi({ people: people(4), pagination: 'cursor', maxPageSize: 2 });
    api.inject(
      {
        body: JSON.stringify({
          data: people(4).slice(0, 2),
          paging: { next: { after: `https://[${TOKEN}/v1/employees?after=2` } },
        }),
      },
      { when: (r) => r.path === '/v1/employees' },
    );
    const logs = captureLogs('trace');
    const source = createHttpJsonSource({
      name: 'hris',
      plan: genericPlan(
        sourceSection.shape.connection.parse({
          type: 'http-json',
          url: api.collectionUrl,
          itemsPath: 'data',
          pagination: { type: 'cursor', cursorPath: 'paging.next.after', cursorParam: 'cursor' },
        }) as HttpJsonConnection,
      ),
      keyOf: (record) => record.id as string | undefined,
      logger: logs.logger,
      now: () => new Date(),
      retryTiming: FAST,
    });
    const records: SourceRecord[] = [];
    const error: unknown = await (async () => {
      for await (const record of source.stream()) records.push(record);
    })().catch((err: unknown) => err);

    expect(records.map((r) => r.id)).toEqual(['E1', 'E2']);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('SYNC_ERR_SOURCE_REFUSED');
    expect((error as SourceError).message).toMatch(
      /^hris: page 1: the cursor at cursorPath "paging\.next\.after" starts like an http\(s\) URL/,
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(TOKEN);
    expect(logs.text()).not.toContain(TOKEN);
  });
});

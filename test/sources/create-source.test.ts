import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sourceSection, type SourceConfig } from '../../src/config/sections/source.ts';
import { createSource } from '../../src/sources/create-source.ts';
import { SourceError, type Source } from '../../src/sources/types.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import { scimUser, startFakeScim, type FakeScim } from '../support/fake-scim.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-create-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Array<FakeHrApi | FakeScim> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const TOKEN = 'sk_live_9QxL2vTz81bWm4Ke';
const parseConnection = (raw: Record<string, unknown>) =>
  sourceSection.shape.connection.parse(raw) as SourceConfig['connection'];

function build(raw: Record<string, unknown>, logs = captureLogs('debug')): Source {
  return createSource({
    name: 'people',
    connection: parseConnection(raw),
    baseDir: dir,
    logger: logs.logger,
    keyOf: (record) => record.id as string | undefined,
    retryTiming: { minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1000 },
  });
}

async function ids(source: Source): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of source.stream()) out.push(record.id);
  return out;
}

describe('createSource', () => {
  it('builds the reader for each connection type from parsed config', async () => {
    writeFileSync(path.join(dir, 'people.csv'), 'id;email\n1;a@example.com\n');
    expect(await ids(build({ type: 'csv', path: 'people.csv' }))).toEqual(['1']);

    const api = await startFakeHrApi({ people: [{ id: 'h1' }], auth: { type: 'bearer', token: TOKEN } });
    servers.push(api);
    const http = build({
      type: 'http-json',
      url: api.collectionUrl,
      itemsPath: 'data',
      auth: { type: 'bearer', token: TOKEN },
    });
    expect(await ids(http)).toEqual(['h1']);

    const scim = await startFakeScim({ users: [scimUser({ id: 's1' })], token: TOKEN });
    servers.push(scim);
    expect(await ids(build({ type: 'scim', baseUrl: scim.baseUrl, token: TOKEN }))).toEqual(['s1']);
    expect(
      await build({ type: 'scim', baseUrl: `${scim.baseUrl}/`, token: TOKEN }).fetchOne('s1'),
    ).toMatchObject({ id: 's1' });
  });
});

describe('secrets never reach errors or logs', () => {
  /** Everything an operator could see of a failure: message, stack, the cause chain, JSON, logs. */
  async function failureText(source: Source, logs: ReturnType<typeof captureLogs>): Promise<string> {
    let error: unknown;
    try {
      for await (const _ of source.stream());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SourceError);
    return [
      String(error),
      (error as Error).stack,
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      logs.text(),
    ].join('\n');
  }

  it.each([
    ['a 401', (api: FakeHrApi) => api.inject({ status: 401 })],
    ['retries running out on 503s', (api: FakeHrApi) => api.inject({ status: 503 }, { times: 99 })],
    ['a body that is not JSON', (api: FakeHrApi) => api.inject({ body: '<html>login</html>' })],
    ['connections dropped mid-body', (api: FakeHrApi) => api.inject({ cutBody: true }, { times: 99 })],
    ['connections reset', (api: FakeHrApi) => api.inject({ reset: true }, { times: 99 })],
  ])('keeps the bearer token out of everything shown about %s', async (_what, fault) => {
    const api = await startFakeHrApi({ people: [{ id: 'h1' }], auth: { type: 'bearer', token: TOKEN } });
    servers.push(api);
    fault(api);
    const logs = captureLogs('debug');
    const source = build(
      {
        type: 'http-json',
        url: api.collectionUrl,
        itemsPath: 'data',
        retries: 2,
        auth: { type: 'bearer', token: TOKEN },
      },
      logs,
    );
    const text = await failureText(source, logs);
    expect(text).toMatch(/SourceError: people: GET/);
    expect(text).not.toContain(TOKEN);
    expect(api.requests.every((r) => !r.query.toString().includes(TOKEN))).toBe(true);
  });

  it('keeps the SCIM token out of a failure, and a key misplaced in a URL query out of messages', async () => {
    const scim = await startFakeScim({ users: [], token: 'another-token-entirely' });
    servers.push(scim);
    const logs = captureLogs('debug');
    expect(
      await failureText(build({ type: 'scim', baseUrl: scim.baseUrl, token: TOKEN }, logs), logs),
    ).not.toContain(TOKEN);

    const api = await startFakeHrApi({ people: [] });
    servers.push(api);
    api.inject({ status: 403 });
    const misplaced = build(
      { type: 'http-json', url: `${api.collectionUrl}?api_key=${TOKEN}`, itemsPath: 'data' },
      logs,
    );
    let message = '';
    try {
      for await (const _ of misplaced.stream());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `people: GET ${api.collectionUrl}?… (page 1): HTTP 403: the credentials lack permission to read this resource`,
    );
  });
});

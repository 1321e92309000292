import { afterEach, describe, expect, it } from 'vitest';
import { sourceSection, type HttpJsonConnection } from '../../src/config/sections/source.ts';
import { createHttpJsonSource } from '../../src/sources/http/http-json-source.ts';
import { genericPlan } from '../../src/sources/http/http-source-plan.ts';
import { SourceError, type Source, type SourceRecord } from '../../src/sources/types.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import { startFakeOAuth2, type FakeOAuth2 } from '../support/fake-oauth2.ts';

const FAST = { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };
// A secret with the characters RFC 6749 §2.3.1 makes a client form-encode before HTTP Basic.
const CLIENT_ID = 'kratos sync:client';
const CLIENT_SECRET = 's3cr%t+/with:odd=chars-never-logged';
const people = Array.from({ length: 12 }, (_, i) => ({ id: `E${i + 1}`, email: `p${i + 1}@example.com` }));

let api: FakeHrApi | undefined;
let auth: FakeOAuth2 | undefined;
afterEach(async () => {
  await api?.close();
  await auth?.close();
  api = auth = undefined;
});

async function setup(options: { expiresIn?: number | null; auth?: Record<string, unknown> } = {}) {
  auth = await startFakeOAuth2({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    expiresIn: options.expiresIn,
  });
  const oauth = auth;
  api = await startFakeHrApi({ people, maxPageSize: 5, auth: { type: 'custom', accepts: oauth.accepts } });
  const clock = { now: new Date('2026-12-01T09:00:00Z') };
  const logs = captureLogs('warn');
  const connection = sourceSection.shape.connection.parse({
    type: 'http-json',
    url: api.collectionUrl,
    itemUrl: api.itemUrlTemplate,
    itemsPath: 'data',
    itemPath: 'data',
    pagination: { type: 'page', size: 5 },
    retries: 2,
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: auth.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['employees:read', 'directory'],
      ...options.auth,
    },
  }) as HttpJsonConnection;
  const source = createHttpJsonSource({
    name: 'hris',
    plan: genericPlan(connection),
    keyOf: (record) => record.id as string | undefined,
    logger: logs.logger,
    now: () => clock.now,
    retryTiming: FAST,
  });
  return { api, auth, source, clock, logs };
}

/** A second source on another API with the same token endpoint. */
async function sourceFor(target: FakeHrApi, oauth: FakeOAuth2): Promise<Source> {
  const connection = sourceSection.shape.connection.parse({
    type: 'http-json',
    url: target.collectionUrl,
    itemsPath: 'data',
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: oauth.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    },
  }) as HttpJsonConnection;
  return createHttpJsonSource({
    name: 'hris',
    plan: genericPlan(connection),
    keyOf: (record) => record.id as string | undefined,
    logger: captureLogs('warn').logger,
    now: () => new Date(),
    retryTiming: FAST,
  });
}

async function readAll(source: Source) {
  const records: SourceRecord[] = [];
  for await (const record of source.stream()) records.push(record);
  return records;
}

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (err) {
    return err as SourceError;
  }
  throw new Error('expected a SourceError');
}

describe('HTTP source with OAuth2 client credentials', () => {
  it('fetches one token and reuses it for every page and lookup until it nears expiry', async () => {
    const { api, auth, source } = await setup();
    expect(await readAll(source)).toHaveLength(12);
    expect(await source.fetchOne('E7')).toMatchObject({ id: 'E7' });
    expect(auth.requests).toHaveLength(1);
    // HTTP Basic with form-encoded id and secret, the grant and the scopes (RFC 6749 §2.3.1, §4.4.2).
    expect(auth.requests[0]!.basic).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
    expect(auth.requests[0]!.form.get('grant_type')).toBe('client_credentials');
    expect(auth.requests[0]!.form.get('scope')).toBe('employees:read directory');
    expect(api.requests).toHaveLength(4); // three pages and one record
    expect(new Set(api.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer tok-1']));
  });

  it('shares one token request among requests made at the same time', async () => {
    const { auth, source } = await setup();
    const found = await Promise.all(['E1', 'E2', 'E3', 'E4'].map((key) => source.fetchOne(key)));
    expect(found.map((record) => record?.id)).toEqual(['E1', 'E2', 'E3', 'E4']);
    expect(auth.requests).toHaveLength(1);
  });

  it('sends the client credentials in the body when clientAuth is body', async () => {
    const { auth, source } = await setup({ auth: { clientAuth: 'body' } });
    expect(await source.fetchOne('E1')).toMatchObject({ id: 'E1' });
    expect(auth.requests[0]!.basic).toBeUndefined();
    expect(auth.requests[0]!.form.get('client_id')).toBe(CLIENT_ID);
    expect(auth.requests[0]!.form.get('client_secret')).toBe(CLIENT_SECRET);
  });

  it('fetches a new token once the held one is within 30 s of its expiry', async () => {
    const { api, auth, source, clock } = await setup({ expiresIn: 120 });
    await source.fetchOne('E1');
    clock.now = new Date(clock.now.getTime() + 89_000); // 31 s left: still used
    await source.fetchOne('E2');
    expect(auth.requests).toHaveLength(1);
    clock.now = new Date(clock.now.getTime() + 2_000); // 29 s left: renewed first
    await source.fetchOne('E3');
    expect(auth.requests).toHaveLength(2);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
  });

  it('renews a token the API stopped accepting (401) once, and goes on', async () => {
    const { api, auth, source } = await setup();
    await source.fetchOne('E1');
    auth.revokeAll();
    expect(await readAll(source)).toHaveLength(12);
    expect(auth.requests).toHaveLength(2);
    expect(api.requests.map((r) => `${r.headers.authorization} ${r.query.get('page') ?? '-'}`)).toEqual([
      'Bearer tok-1 -',
      'Bearer tok-1 1', // refused
      'Bearer tok-2 1',
      'Bearer tok-2 2',
      'Bearer tok-2 3',
    ]);
  });

  it('stops after one renewal when the API refuses the new token too, saying what to check', async () => {
    const { auth } = await setup();
    // The API accepts no token at all (e.g. the client lacks the API's audience).
    await api!.close();
    api = await startFakeHrApi({ people, auth: { type: 'custom', accepts: () => false } });
    const refusing = await sourceFor(api, auth);
    const error = await failure(readAll(refusing));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.transient).toBe(false);
    expect(error.message).toContain('HTTP 401: check the source credentials');
    expect(auth.requests).toHaveLength(2);
    expect(api.requests).toHaveLength(2);
  });

  it('names the token endpoint and what to check when it refuses the client, without the secret', async () => {
    const { api, auth, source, logs } = await setup({ auth: { clientSecret: 'a-wrong-secret-value' } });
    const error = await failure(readAll(source));
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      `hris: GET ${api.collectionUrl}?… (page 1): the OAuth2 token endpoint ${auth.tokenUrl} ` +
        '(connection.auth.tokenUrl) answered HTTP 401 (invalid_client): check connection.auth.clientId ' +
        'and clientSecret (and clientAuth: basic or body)',
    );
    expect(auth.requests).toHaveLength(1); // a refused client is not retried
    expect(api.requests).toHaveLength(0);
    expect(JSON.stringify(logs.lines)).not.toContain('a-wrong-secret-value');
  });

  it('retries a token endpoint that is briefly down, and ends with a transient error when it stays down', async () => {
    const { auth, source } = await setup();
    auth.failNext(503, '<html>maintenance</html>', 1);
    expect(await source.fetchOne('E2')).toMatchObject({ id: 'E2' });
    expect(auth.requests).toHaveLength(2);

    const down = await setup();
    down.auth.failNext(500, { error: 'server_error', error_description: `echo ${CLIENT_SECRET}` }, 3);
    const error = await failure(down.source.fetchOne('E2'));
    expect(error.transient).toBe(true);
    expect(error.message).toContain('answered HTTP 500 (server_error) (3 attempts)');
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it('refuses a token response that is not OAuth2', async () => {
    const { auth, source } = await setup();
    auth.failNext(200, { token: 'no-access-token-field' });
    const error = await failure(source.fetchOne('E1'));
    expect(error.transient).toBe(false);
    expect(error.message).toContain('answered a token response that is not valid OAuth2');
  });
});

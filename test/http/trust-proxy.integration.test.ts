import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { sourceSection } from '../sync/engine-harness.ts';
import { OKTA_TOKEN, startScimHarness, type ScimHarness } from '../scim/scim-harness.ts';

// The test client connects from 127.0.0.1: naming that address in http.trustProxy makes it "the proxy",
// and the X-Forwarded-* headers the test sends are what a reverse proxy would add.
const PASSWORD = 'console-pass-0123456789';
const auth = { username: 'ops', password: PASSWORD, maxFailedLogins: 3 };
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

function client(h: ScimHarness) {
  const origin = h.base.replace('/scim/v2', '');
  return {
    scim: async (token: string, forwarded: Record<string, string>) => {
      const response = await fetch(`${h.base}/ServiceProviderConfig`, {
        headers: { authorization: `Bearer ${token}`, ...forwarded },
      });
      return { status: response.status, body: (await response.json()) as { meta?: { location?: string } } };
    },
    login: async (password: string, from: string) =>
      (
        await fetch(`${origin}/console`, {
          headers: { authorization: basic(password), 'x-forwarded-for': from },
        })
      ).status,
  };
}

const wrong = (n: number) => `guess-${n}-0123456789abcdef0123456789`;

describe('http.trustProxy set: throttles and SCIM locations see the client behind the proxy', () => {
  let h: ScimHarness;
  beforeAll(async () => {
    h = await startScimHarness({ api: 'v26', config: { http: { trustProxy: ['127.0.0.1'], auth } } });
  }, 60_000);
  afterAll(async () => await h?.release());

  it('counts console logins per forwarded client: one guesser is refused, another client logs in', async () => {
    const c = client(h);
    for (let n = 0; n < 3; n++) expect(await c.login('guess', '203.0.113.7')).toBe(401);
    expect(await c.login(PASSWORD, '203.0.113.7')).toBe(429);
    expect(await c.login(PASSWORD, '198.51.100.9')).toBe(200);
  });

  it('locks a SCIM guesser after 20 wrong tokens (the direct budget), while another directory goes on', async () => {
    const c = client(h);
    const guesser = { 'x-forwarded-for': '203.0.113.50' };
    for (let n = 0; n < 20; n++) expect((await c.scim(wrong(n), guesser)).status).toBe(401);
    expect((await c.scim(OKTA_TOKEN, guesser)).status).toBe(429);
    expect((await c.scim(OKTA_TOKEN, { 'x-forwarded-for': '198.51.100.50' })).status).toBe(200);
  });

  it('builds meta.location from the scheme and host the client used (X-Forwarded-Proto / -Host)', async () => {
    const answer = await client(h).scim(OKTA_TOKEN, {
      'x-forwarded-for': '198.51.100.60',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'scim.example.com',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.meta?.location).toBe('https://scim.example.com/scim/v2/ServiceProviderConfig');
  });
});

describe('http.trustProxy absent: forwarding headers are not believed', () => {
  let h: ScimHarness;
  beforeAll(async () => {
    h = await startScimHarness({
      api: 'v26',
      config: { http: { publicUrl: 'https://sync.example.org/', auth } },
    });
  }, 60_000);
  afterAll(async () => await h?.release());

  it('uses the configured publicUrl for meta.location, whatever X-Forwarded-Host says', async () => {
    const answer = await client(h).scim(OKTA_TOKEN, {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'evil.example.net',
    });
    expect(answer.body.meta?.location).toBe('https://sync.example.org/scim/v2/ServiceProviderConfig');
  });

  it('counts every console login against the socket address (the proxy), as before', async () => {
    const c = client(h);
    for (let n = 0; n < 3; n++) expect(await c.login('guess', '203.0.113.7')).toBe(401);
    expect(await c.login(PASSWORD, '198.51.100.9')).toBe(429);
  });
});

describe('http.trustProxy in the config', () => {
  const load = (trustProxy: unknown) =>
    loadConfig({
      env: {},
      object: {
        kratos: { adminUrl: 'http://127.0.0.1:4434' },
        redis: { url: 'redis://127.0.0.1:6379' },
        http: { trustProxy },
        sources: { hr: sourceSection() },
      },
    });

  it('takes addresses, CIDR ranges and named ranges', () => {
    expect(load(['10.0.0.0/8', '192.0.2.1', 'fd00::/8', 'loopback']).config.http.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses true, a hop count, a bad range and an empty list, naming the option', () => {
    expect(() => load(true)).toThrow(/http\.trustProxy.*true or a hop count is not accepted/s);
    expect(() => load(1)).toThrow(/http\.trustProxy.*true or a hop count is not accepted/s);
    expect(() => load(['10.0.0.0/33'])).toThrow(/http\.trustProxy\.0.*CIDR range/s);
    expect(() => load(['proxy.internal'])).toThrow(/http\.trustProxy\.0/);
    expect(() => load([])).toThrow(/http\.trustProxy.*at least one/s);
  });
});

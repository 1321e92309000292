import { describe, expect, it } from 'vitest';
import { signHubSpotV3 } from '../../../src/http/webhook-verifiers/hubspot-signature-v3.ts';
import { hubspotRateLimitWaitMs } from '../../../src/sources/presets/hubspot.ts';
import { startFakeHubSpot, type Contact } from '../../support/fakes/hubspot.ts';
import {
  closeAfterEach,
  expectPermanentReadError,
  fullSync,
  kratosState,
  postWebhook,
  presetConnection,
  presetSource,
  readError,
  startPresetRuntime,
} from './preset-harness.ts';

const TOKEN = 'pat-eu1-00000000-1111-2222-3333-444444444444';
const CLIENT_SECRET = 'hubspot-app-client-secret-5678';
const PUBLIC_URL = 'https://sync.example.com/webhooks/hr';

// 205 contacts: three pages of at most 100; every seventh has no e-mail (out of scope).
const contacts = (): Contact[] =>
  Array.from({ length: 205 }, (_, i) => ({
    id: String(5001 + i),
    ...(i % 7 === 3 ? {} : { email: `Customer${i + 1}@Example.org` }),
    firstname: `First${i + 1}`,
    ...(i % 5 === 0 ? {} : { lastname: `Last${i + 1}` }),
    company: 'Globex',
    jobtitle: i === 0 ? 'Buyer' : undefined,
    lifecyclestage: 'customer',
    updatedAt: '2026-11-01T10:00:00.000Z',
  }));

const cleanup = closeAfterEach();

const connection = presetConnection('hubspot', {
  token: TOKEN,
});

function hubspotHeaders(body: string) {
  const timestamp = String(Date.now());
  return {
    'content-type': 'application/json',
    'x-hubspot-request-timestamp': timestamp,
    'x-hubspot-signature-v3': signHubSpotV3(CLIENT_SECRET, 'POST', PUBLIC_URL, body, timestamp),
  };
}

describe('HubSpot preset', () => {
  it('syncs every contact with an e-mail across cursor pages, then the contacts a signed webhook batch names', async () => {
    const api = await startFakeHubSpot({ token: TOKEN, contacts: contacts() });
    cleanup.push(api.close);
    const runtime = await startPresetRuntime({
      connection: connection(api.url),
      webhook: { secret: CLIENT_SECRET, publicUrl: PUBLIC_URL },
    });
    cleanup.push(runtime.close);
    api.rateLimitNext(1); // HubSpot's 429 with X-HubSpot-RateLimit-* headers: waited out
    await fullSync(runtime);

    const pages = api.requests.filter((r) => r.path === '/crm/v3/objects/contacts');
    expect(pages.map((r) => `${r.query.get('limit')} ${r.query.get('after') ?? '-'}`)).toEqual([
      '100 -', // rate limited
      '100 -',
      '100 100',
      '100 200',
    ]);
    const state = kratosState(runtime);
    const withEmail = contacts().filter((c) => c.email);
    expect(Object.keys(state).sort()).toEqual(withEmail.map((c) => c.id).sort());
    expect(state['5001']).toEqual({
      state: 'active',
      schema_id: 'default',
      external_id: 'hubspot-5001',
      traits: { email: 'customer1@example.org', name: { first: 'First1' } },
      metadata_admin: { hubspot: { lifecycle_stage: 'customer' } },
    });
    expect(state['5002']!.traits).toEqual({
      email: 'customer2@example.org',
      name: { first: 'First2', last: 'Last2' },
    });
    expect(
      runtime.sim.state.identities.get(
        [...runtime.sim.state.identities.values()].find((i) => i.external_id === 'hubspot-5001')!.id,
      )!.metadata_public,
    ).toEqual({ company: 'Globex', job_title: 'Buyer' });

    // HubSpot batches events: one renamed contact, one deleted (archived) contact.
    api.contacts[1] = { ...api.contacts[1]!, lastname: 'Renamed', updatedAt: '2026-11-21T08:00:00.000Z' };
    api.contacts.splice(
      api.contacts.findIndex((c) => c.id === '5003'),
      1,
    );
    const before = api.requests.length;
    const events = JSON.stringify([
      {
        eventId: 1,
        subscriptionId: 42,
        portalId: 99,
        appId: 7,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: 5002,
        propertyName: 'lastname',
        propertyValue: 'Renamed',
        changeSource: 'CRM_UI',
      },
      {
        eventId: 2,
        subscriptionId: 43,
        portalId: 99,
        appId: 7,
        occurredAt: Date.now(),
        subscriptionType: 'contact.deletion',
        attemptNumber: 0,
        objectId: 5003,
        changeSource: 'CRM_UI',
      },
    ]);
    await postWebhook(runtime, events, hubspotHeaders(events));
    expect(
      api.requests
        .slice(before)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/crm/v3/objects/contacts/5002', '/crm/v3/objects/contacts/5003']);
    const after = kratosState(runtime);
    expect(after['5002']!.traits).toEqual({
      email: 'customer2@example.org',
      name: { first: 'First2', last: 'Renamed' },
    });
    expect(after['5003']).toEqual({ ...state['5003'], state: 'inactive' });
    expect(Object.values(after).filter((i) => i.state === 'inactive')).toHaveLength(1);
  });

  it('refuses a v3 signature over another URL', async () => {
    const api = await startFakeHubSpot({ token: TOKEN, contacts: [] });
    cleanup.push(api.close);
    const runtime = await startPresetRuntime({
      connection: connection(api.url),
      webhook: { secret: CLIENT_SECRET, publicUrl: PUBLIC_URL },
    });
    cleanup.push(runtime.close);
    const body = JSON.stringify([{ objectId: 5001 }]);
    const timestamp = String(Date.now());
    const res = await runtime.replica.http!.inject({
      method: 'POST',
      url: '/webhooks/hr',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': signHubSpotV3(
          CLIENT_SECRET,
          'POST',
          'https://elsewhere.example.com/hook',
          body,
          timestamp,
        ),
      },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ reason: string }>().reason).toBe('signature does not match');
  });

  it('reads the wait from the rate-limit headers HubSpot sends instead of Retry-After', () => {
    const now = new Date('2026-12-01T22:00:00Z');
    expect(hubspotRateLimitWaitMs({ 'x-hubspot-ratelimit-secondly-remaining': '0' }, now)).toBe(1000);
    expect(
      hubspotRateLimitWaitMs(
        { 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' },
        now,
      ),
    ).toBe(10_000);
    expect(hubspotRateLimitWaitMs({ 'x-hubspot-ratelimit-daily-remaining': '0' }, now)).toBe(2 * 3_600_000);
    expect(hubspotRateLimitWaitMs({ 'x-hubspot-ratelimit-remaining': '12' }, now)).toBeUndefined();
  });

  it.each([
    [
      'a wrong token',
      { token: 'pat-eu1-wrong' },
      ['crm.objects.contacts.read'],
      "HTTP 401: HubSpot refused the access token; copy the private app's access token",
    ],
    [
      'a private app without the contacts scope',
      {},
      ['crm.objects.companies.read'],
      'HTTP 403: the private app lacks the scope crm.objects.contacts.read',
    ],
  ])('stops with a message that says what to do, given %s', async (_case, override, scopes, message) => {
    const api = await startFakeHubSpot({ token: TOKEN, contacts: contacts(), scopes });
    cleanup.push(api.close);
    await expectPermanentReadError(presetSource(connection(api.url, override)), message);
    expect(api.requests).toHaveLength(1);
  });

  it('names the base URL when the host does not resolve', async () => {
    const error = await readError(presetSource(connection('https://no-such-host.invalid', { retries: 0 })));
    expect(error.message).toContain('network error (ENOTFOUND): check connection.baseUrl');
  });
});

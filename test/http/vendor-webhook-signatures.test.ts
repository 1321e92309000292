import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { checkBambooHrSignature, signBambooHr } from '../../src/http/webhook-verifiers/bamboohr-signature.ts';
import { checkHiBobSignature, signHiBob } from '../../src/http/webhook-verifiers/hibob-signature.ts';
import {
  checkHubSpotSignatureV3,
  signHubSpotV3,
} from '../../src/http/webhook-verifiers/hubspot-signature-v3.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const body = Buffer.from('{"type":"employee.updated","data":{"employeeId":"7"}}');
const request = (headers: Record<string, string>, method = 'POST') => ({
  rawBody: body,
  headers,
  method,
  nowMs: NOW,
});

describe('BambooHR signature (X-BambooHR-Signature)', () => {
  const secret = 'bamboo-private-key';
  it.each([
    ['unix seconds', String(NOW / 1000)],
    ['an ISO 8601 time', '2026-12-01T11:59:00+00:00'],
  ])('accepts a fresh timestamp in %s and signs body + timestamp', (_case, timestamp) => {
    const check = checkBambooHrSignature(
      request({
        'x-bamboohr-timestamp': timestamp,
        'x-bamboohr-signature': signBambooHr(secret, timestamp, body),
      }),
      secret,
      300,
    );
    expect(check).toMatchObject({ ok: true });
  });

  it.each([
    [
      'a stale timestamp',
      String(NOW / 1000 - 301),
      (t: string) => signBambooHr(secret, t, body),
      'timestamp is outside the 300 s tolerance',
    ],
    [
      'the timestamp not covered',
      String(NOW / 1000),
      () => signBambooHr(secret, '', body),
      'signature does not match',
    ],
    [
      'another key',
      String(NOW / 1000),
      (t: string) => signBambooHr('other', t, body),
      'signature does not match',
    ],
    [
      'a timestamp that is no time',
      'yesterday',
      (t: string) => signBambooHr(secret, t, body),
      'X-BambooHR-Timestamp is not a time',
    ],
    ['a signature that is not hex', String(NOW / 1000), () => 'zz', 'signature is not a hex SHA-256 HMAC'],
  ])('refuses %s', (_case, timestamp, sign, reason) => {
    const check = checkBambooHrSignature(
      request({ 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': sign(timestamp) }),
      secret,
      300,
    );
    expect(check).toEqual({ ok: false, reason });
  });
});

describe('HubSpot v3 signature (X-HubSpot-Signature-v3)', () => {
  const secret = 'hubspot-client-secret';
  const url = 'https://sync.example.com/webhooks/crm?portal=99';
  const headers = (timestamp: number, signature: string) => ({
    'x-hubspot-request-timestamp': String(timestamp),
    'x-hubspot-signature-v3': signature,
  });

  it('covers method, URL, body and the millisecond timestamp', () => {
    const ok = checkHubSpotSignatureV3(
      request(headers(NOW, signHubSpotV3(secret, 'POST', url, body, String(NOW)))),
      secret,
      url,
      300,
    );
    expect(ok).toMatchObject({ ok: true });
    for (const [method, signedUrl] of [
      ['PUT', url],
      ['POST', 'https://sync.example.com/webhooks/crm'],
    ] as const) {
      const check = checkHubSpotSignatureV3(
        request(headers(NOW, signHubSpotV3(secret, method, signedUrl, body, String(NOW)))),
        secret,
        url,
        300,
      );
      expect(check).toEqual({ ok: false, reason: 'signature does not match' });
    }
  });

  it('decodes the escapes HubSpot decodes before signing', () => {
    const encoded = 'https://sync.example.com/webhooks/crm%3Fportal%3D99';
    const signature = signHubSpotV3(
      secret,
      'POST',
      'https://sync.example.com/webhooks/crm?portal%3D99',
      body,
      String(NOW),
    );
    expect(checkHubSpotSignatureV3(request(headers(NOW, signature)), secret, encoded, 300)).toMatchObject({
      ok: true,
    });
  });

  it('refuses a request older than the tolerance (HubSpot says 5 minutes)', () => {
    const old = NOW - 301_000;
    const check = checkHubSpotSignatureV3(
      request(headers(old, signHubSpotV3(secret, 'POST', url, body, String(old)))),
      secret,
      url,
      300,
    );
    expect(check).toEqual({ ok: false, reason: 'timestamp is outside the 300 s tolerance' });
  });
});

describe('HiBob signature (Bob-Signature)', () => {
  const secret = 'hibob-webhook-secret';
  it('is the base64 HMAC-SHA512 of the raw body', () => {
    expect(checkHiBobSignature(request({ 'bob-signature': signHiBob(secret, body) }), secret)).toMatchObject({
      ok: true,
    });
    expect(
      checkHiBobSignature(request({ 'bob-signature': signHiBob(secret, `${body.toString()} `) }), secret),
    ).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(checkHiBobSignature(request({}), secret)).toEqual({
      ok: false,
      reason: 'missing Bob-Signature header',
    });
  });
});

describe('webhook.format in the config', () => {
  const config = (webhook: Record<string, unknown>) => ({
    kratos: { adminUrl: 'http://127.0.0.1:4434' },
    redis: { url: 'redis://127.0.0.1:6379' },
    sources: {
      crm: {
        connection: { type: 'http-json', preset: 'hubspot', token: 'pat-x' },
        webhook: { secret: 's3cret', ...webhook },
      },
    },
  });

  it('takes the preset vendor format and person key unless the user writes their own', () => {
    const { config: loaded } = loadConfig({
      env: {},
      object: config({ publicUrl: 'https://sync.example.com/webhooks/crm' }),
    });
    expect(loaded.sources.crm!.webhook).toMatchObject({ format: 'hubspot-v3', personKey: 'objectId' });
    const own = loadConfig({
      env: {},
      object: config({ format: 'generic', personKey: 'contact.id' }),
    }).config;
    expect(own.sources.crm!.webhook).toMatchObject({ format: 'generic', personKey: 'contact.id' });
  });

  it('fails at start-up when hubspot-v3 has no publicUrl, naming the option', () => {
    expect(() => loadConfig({ env: {}, object: config({}) })).toThrow(
      /sources\.crm\.webhook\.publicUrl: format hubspot-v3 needs publicUrl/,
    );
  });
});

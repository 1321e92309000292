import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../src/config/sections/source.ts';
import { Secret } from '../../src/config/secret.ts';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { signHiBob } from '../../src/http/webhook-verifiers/hibob-signature.ts';
import { hmacKeyOf } from '../../src/http/webhook-verifiers/hmac-key.ts';
import { verifyWebhook } from '../../src/http/webhook-verifiers/verify-webhook.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const TIMESTAMP = NOW / 1000;
const body = Buffer.from('{"type":"employee.updated","data":{"id":"7","name":"Zoë"}}');

function webhook(secret: string, format: WebhookConfig['format'] = 'generic'): WebhookConfig {
  return {
    secret: Secret.fromConfig(secret),
    format,
    signatureHeader: 'x-signature',
    timestampHeader: 'x-timestamp',
    toleranceSeconds: 300,
    maxBodyBytes: 64 * 1024,
    personKey: 'data.id',
  };
}

const genericRequest = (signature: string) => ({
  rawBody: body,
  headers: { 'x-signature': signature, 'x-timestamp': String(TIMESTAMP) },
  method: 'POST',
  nowMs: NOW,
});

describe('the prepared HMAC key of a configured webhook secret', () => {
  it('is built once per secret and reused by every request', () => {
    const config = webhook('whsec-one-ünïcode');
    const key = hmacKeyOf(config.secret);
    expect(hmacKeyOf(config.secret)).toBe(key);
    for (let n = 0; n < 3; n++) {
      const check = verifyWebhook(
        config,
        genericRequest(signGenericInboundWebhook('whsec-one-ünïcode', TIMESTAMP, body)),
      );
      expect(check).toMatchObject({ ok: true });
      expect(hmacKeyOf(config.secret)).toBe(key);
    }
  });

  it('keys every source with its own secret, and a new secret (rotation, reloaded config) with the new one', () => {
    const hr = webhook('hr-secret-2026');
    const crm = webhook('crm-secret-2026');
    const hrRotated = webhook('hr-secret-2027');
    const signedBy = (secret: string) => genericRequest(signGenericInboundWebhook(secret, TIMESTAMP, body));
    expect(verifyWebhook(hr, signedBy('hr-secret-2026'))).toMatchObject({ ok: true });
    expect(verifyWebhook(crm, signedBy('crm-secret-2026'))).toMatchObject({ ok: true });
    expect(verifyWebhook(hrRotated, signedBy('hr-secret-2027'))).toMatchObject({ ok: true });
    // Each refuses the others' signatures: no key is shared or left over from another secret.
    expect(verifyWebhook(hr, signedBy('crm-secret-2026'))).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifyWebhook(crm, signedBy('hr-secret-2026'))).toMatchObject({ ok: false });
    expect(verifyWebhook(hrRotated, signedBy('hr-secret-2026'))).toMatchObject({ ok: false });
    expect(verifyWebhook(hr, signedBy('hr-secret-2027'))).toMatchObject({ ok: false });
    // The same source still verifies with its old config object after the new one came in.
    expect(verifyWebhook(hr, signedBy('hr-secret-2026'))).toMatchObject({ ok: true });
  });

  it('signs exactly as the secret string does (HMAC-SHA512 for HiBob)', () => {
    const config = webhook('bob-secret-ß', 'hibob');
    const signature = signHiBob('bob-secret-ß', body);
    expect(signHiBob(hmacKeyOf(config.secret), body)).toBe(signature);
    const check = verifyWebhook(config, {
      rawBody: body,
      headers: { 'bob-signature': signature },
      method: 'POST',
      nowMs: NOW,
    });
    expect(check).toMatchObject({ ok: true });
  });

  it('never prints the secret', () => {
    const secret = 'whsec-must-not-print-4711';
    const key = hmacKeyOf(webhook(secret).secret);
    const printed = [inspect(key, { depth: 10, showHidden: true }), String(key), JSON.stringify(key)].join(
      '\n',
    );
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain(Buffer.from(secret).toString('hex'));
    expect(printed).not.toContain(Buffer.from(secret).toString('base64'));
  });
});

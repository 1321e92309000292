import { describe, expect, it } from 'vitest';
import { boundRemoteText } from '../../src/config/remote-text.ts';
import { scrubSecrets, Secret } from '../../src/config/secret.ts';

describe('scrubSecrets, the one step for every stored or shown string', () => {
  it('removes configured secret values, also as they appear inside serialised JSON', () => {
    Secret.fromConfig('pa"ss\\word-123');
    const doc = JSON.stringify({ message: 'login with pa"ss\\word-123 failed' });
    const out = scrubSecrets(doc);
    expect(out).not.toContain('word-123');
    expect(JSON.parse(out)).toEqual({ message: 'login with [redacted] failed' });
  });

  it.each([
    ['ory_pat_AbC123xyz789', '[redacted]'],
    ['ory_at_AbC123xyz789.sig', '[redacted].sig'],
    ['ory_st_AbC123xyz789', '[redacted]'],
    ['ory_ht_AbC123xyz789', '[redacted]'],
    ['Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln', 'Authorization: Bearer [redacted]'],
    ['GET /x?token=abc123&page=2', 'GET /x?token=[redacted]&page=2'],
    ['api_key=sk_live_123 and apiKey=zzz999', 'api_key=[redacted] and apiKey=[redacted]'],
    ['access_token=t0k3n; client_secret=s3cr3t', 'access_token=[redacted]; client_secret=[redacted]'],
    ['https://user:pa55@host.example/path', 'https://[redacted]@host.example/path'],
    ['redis://:hunter22@redis:6379/0', 'redis://[redacted]@redis:6379/0'],
    ['{"api_key": "k-123456", "ok": 1}', '{"api_key": "[redacted]", "ok": 1}'],
  ])('scrubs %s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text, emails and URLs without credentials alone', () => {
    const text =
      'Kratos createIdentity: HTTP 409 — jo@example.com exists; see https://kratos.example/admin?page=2';
    expect(scrubSecrets(text)).toBe(text);
  });

  it('keeps a JSON document with token shapes in its strings valid JSON', () => {
    const doc = JSON.stringify({ a: 'x token=abc\\"def" y', b: ['Bearer abcdefgh"', 'https://u:p@h/'] });
    expect(() => JSON.parse(scrubSecrets(doc))).not.toThrow();
    expect(scrubSecrets(doc)).not.toMatch(/abcdefgh|u:p@/);
  });
});

describe('boundRemoteText', () => {
  it('scrubs, then cuts third-party text to a bounded length, saying how much was left out', () => {
    const out = boundRemoteText(`token=ory_pat_secret123 ${'x'.repeat(5000)}`, 100);
    expect(out).toMatch(/^token=\[redacted\] x+… \(\d+ more characters\)$/);
    expect(out.length).toBeLessThan(140);
  });
});

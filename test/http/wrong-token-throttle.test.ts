import { describe, expect, it } from 'vitest';
import { createWrongTokenThrottle, type ThrottledRequest } from '../../src/http/scim/wrong-token-throttle.ts';

/**
 * README, "Provision from Okta / Entra ID" → Auth: a request with a forwarding header (`Forwarded`,
 * `X-Forwarded-For`, `X-Real-IP`) counts against the proxy's budget of 200 wrong tokens, not a direct
 * client's 20. (test/scim/scim-protocol.integration.test.ts covers the budgets over HTTP with X-Forwarded-For.)
 */
describe('SCIM wrong-token throttle: every forwarding header README names', () => {
  const guesses = (headers: ThrottledRequest['headers']) => {
    const throttle = createWrongTokenThrottle({ now: () => 0 });
    let locked = 0;
    for (let n = 1; n <= 200 && locked === 0; n++) {
      if (throttle.failed({ ip: '10.0.0.1', headers, authorization: `Bearer guess-${n}` })) locked = n;
    }
    return locked;
  };

  it('locks a direct client after 20 wrong tokens', () => {
    expect(guesses({})).toBe(20);
  });

  it.each([
    ['Forwarded', { forwarded: 'for=203.0.113.7' }],
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.7' }],
    ['X-Real-IP', { 'x-real-ip': '203.0.113.7' }],
  ])('counts a request with %s against the proxy budget of 200', (_name, headers) => {
    expect(guesses(headers)).toBe(200);
  });

  it('with http.trustProxy, a forwarded client has the direct budget of 20', () => {
    const throttle = createWrongTokenThrottle({ now: () => 0, trustedProxy: true });
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    let locked = 0;
    for (let n = 1; n <= 200 && locked === 0; n++) {
      if (throttle.failed({ ip: '203.0.113.7', headers, authorization: `Bearer guess-${n}` })) locked = n;
    }
    expect(locked).toBe(20);
  });
});

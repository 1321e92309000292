import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the console's POST forms: HMAC-SHA256 of the authenticated user under a key drawn at
 * start-up. A forged cross-site form cannot read the token (same-origin policy), and a restart invalidates
 * every token — an open page just needs a reload. No server-side session state is kept.
 */
export interface CsrfTokens {
  tokenFor(user: string): string;
  verify(user: string, token: unknown): boolean;
}

export function createCsrfTokens(key: Buffer = randomBytes(32)): CsrfTokens {
  const tokenFor = (user: string) =>
    createHmac('sha256', key).update(`kratos-sync console csrf\0${user}`).digest('base64url');
  return {
    tokenFor,
    verify(user, token) {
      if (typeof token !== 'string' || token.length === 0) return false;
      const expected = Buffer.from(tokenFor(user));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** The form field the token travels in. */
export const CSRF_FIELD = '_csrf';

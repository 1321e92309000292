import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createLoginThrottle } from '../login-throttle.ts';

/** Why a request is refused before its token is even compared: what to tell the client, and for how long. */
export interface WrongTokenBlock {
  waitMs: number;
  reason: string;
}

/**
 * Wrong SCIM bearer tokens, counted so a token cannot be guessed at speed, without one bad client locking the
 * others out. Two counts, both over `windowMs` from their first failure:
 *
 * - per presented token (the SHA-256 digest of the Authorization header; the token itself is never held): after `perToken` failures that
 *   exact token is answered 429 without being compared. A directory left with a revoked token, retrying for
 *   ever, stops there and costs no one else anything.
 * - per client address: after `perAddress` wrong tokens the address is answered 429 for every request, even
 *   with a right token (a guesser must not learn which guess was right). `request.ip` is the client itself only
 *   when no proxy stands between: behind a reverse proxy every client has the proxy's address, and a lock on it
 *   locks every directory out. A request carrying a forwarding header (`Forwarded`, `X-Forwarded-For`,
 *   `X-Real-IP`) therefore counts against a budget `perProxiedAddress` (much larger: only a deliberate guesser,
 *   trying many different tokens, reaches it), and a right token through the proxy does not clear it (it was
 *   another client's). A direct client that adds such a header to dodge the small budget only reaches the
 *   large one. With `http.trustProxy` configured (`trustedProxy`), fastify has already read the real client
 *   address from the trusted proxies' `X-Forwarded-For` (and ignores the header from anyone else), so
 *   `request.ip` is the client: every request counts against `perAddress`, and a right token clears it.
 *
 * Held in memory, per process, like the console's login throttle (login-throttle.ts).
 */
export interface WrongTokenThrottle {
  /** Refuse this request before comparing its token? */
  blocked(request: ThrottledRequest): WrongTokenBlock | null;
  /** Its token matched no client. Returns true when this failure locked the client's address. */
  failed(request: ThrottledRequest): boolean;
  succeeded(request: ThrottledRequest): void;
}

export interface ThrottledRequest {
  ip: string;
  headers: IncomingHttpHeaders;
  /** The Authorization header as sent (it holds the bearer token), or undefined when there was none. */
  authorization: string | undefined;
}

export interface WrongTokenThrottleOptions {
  /** @defaultValue 10 */
  perToken?: number;
  /** @defaultValue 20 */
  perAddress?: number;
  /** @defaultValue 200 */
  perProxiedAddress?: number;
  /** @defaultValue 15 minutes */
  windowMs?: number;
  /** `request.ip` is the real client even behind the proxy (`http.trustProxy` is set). @defaultValue false */
  trustedProxy?: boolean;
  now: () => number;
}

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

export function createWrongTokenThrottle(options: WrongTokenThrottleOptions): WrongTokenThrottle {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const { now } = options;
  const tokens = createLoginThrottle({ maxFailures: options.perToken ?? 10, windowMs, now });
  const direct = createLoginThrottle({ maxFailures: options.perAddress ?? 20, windowMs, now });
  const proxied = createLoginThrottle({ maxFailures: options.perProxiedAddress ?? 200, windowMs, now });
  const addresses = (request: ThrottledRequest) =>
    !options.trustedProxy && FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined)
      ? proxied
      : direct;
  const tokenKey = (request: ThrottledRequest) =>
    request.authorization === undefined
      ? 'none'
      : createHash('sha256').update(request.authorization, 'utf8').digest('hex');

  return {
    blocked(request) {
      const addressWait = addresses(request).blockedFor(request.ip);
      if (addressWait > 0) return { waitMs: addressWait, reason: 'too many wrong tokens from this address' };
      const tokenWait = tokens.blockedFor(tokenKey(request));
      if (tokenWait > 0) return { waitMs: tokenWait, reason: 'this token was wrong too many times' };
      return null;
    },
    failed(request) {
      tokens.failed(tokenKey(request));
      const counter = addresses(request);
      counter.failed(request.ip);
      return counter.blockedFor(request.ip) > 0;
    },
    succeeded(request) {
      // Through a proxy, a right token is some other directory's: it says nothing about the guesser.
      const counter = addresses(request);
      if (counter === direct) direct.succeeded(request.ip);
    },
  };
}

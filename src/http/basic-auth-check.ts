import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticatedUser, WWW_AUTHENTICATE, type BasicCredentials } from './console/auth.ts';
import type { LoginThrottle } from './login-throttle.ts';

/**
 * The HTTP Basic check the console and the queue dashboard share: credentials compared in constant time
 * (`authenticatedUser`), failed logins throttled per client. Resolves the signed-in user, or null after
 * answering 401 (no or wrong credentials) or 429 (too many failures; `retry-after` says when to come back).
 */
export function basicAuthCheck(
  auth: BasicCredentials,
  throttle: LoginThrottle,
  headers: Record<string, string>,
): (request: FastifyRequest, reply: FastifyReply) => string | null {
  return (request, reply) => {
    const waitMs = throttle.blockedFor(request.ip);
    if (waitMs > 0) {
      void reply
        .code(429)
        .headers(headers)
        .header('retry-after', String(Math.ceil(waitMs / 1000)))
        .type('text/plain; charset=utf-8')
        .send('Too many failed logins from this address; try again later.\n');
      return null;
    }
    const header = request.headers.authorization;
    const user = authenticatedUser(header, auth);
    if (user !== null) {
      throttle.succeeded(request.ip);
      return user;
    }
    // A browser's first request carries no credentials: only a wrong answer counts as a failure.
    if (header !== undefined) throttle.failed(request.ip);
    void reply
      .code(401)
      .header('www-authenticate', WWW_AUTHENTICATE)
      .headers(headers)
      .type('text/plain; charset=utf-8')
      .send('Authentication required.\n');
    return null;
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { SimContext } from '../context.ts';
import { badRequest } from '../herodot.ts';
import { jsonReply } from '../replies.ts';
import type { Route } from '../router.ts';
import { createSession } from '../sessions.ts';

/**
 * `POST /_sim/login/password {"identifier","password"}`: a password login as a person would do it through
 * Kratos's login flow, collapsed into one call (tests only). It checks the stored hash — the `$sha256$`
 * stand-in the simulator writes for a plaintext password, also when that hash was imported later with
 * `credentials.password.config.hashed_password` — and answers 201 with a session, or 401 as Kratos
 * does for wrong credentials ("The provided credentials are invalid"). Inactive identities get 403.
 */
export function passwordLoginRoute(): Route {
  return {
    method: 'POST',
    template: '/_sim/login/password',
    handler: async (ctx: SimContext, req) => {
      const text = await req.body();
      const body = (text.trim() ? JSON.parse(text) : {}) as { identifier?: unknown; password?: unknown };
      if (typeof body.identifier !== 'string' || typeof body.password !== 'string')
        throw badRequest('/_sim/login/password needs "identifier" and "password" strings');
      const identifier = body.identifier.trim().toLowerCase();
      const identity = [...ctx.store.identities.values()].find((candidate) =>
        candidate.credentials.password?.identifiers.includes(identifier),
      );
      const stored = identity?.credentials.password?.config.hashed_password;
      if (!identity || typeof stored !== 'string' || !sameHash(stored, body.password))
        return jsonReply(401, { error: 'The provided credentials are invalid' });
      if (identity.state !== 'active') return jsonReply(403, { error: 'identity is inactive' });
      const session = createSession(ctx, identity.id, 'password');
      return jsonReply(201, {
        session_token: session.token,
        session_id: session.id,
        identity_id: identity.id,
      });
    },
  };
}

function sameHash(stored: string, password: string): boolean {
  const expected = Buffer.from(`$sha256$${createHash('sha256').update(password).digest('base64')}`);
  const actual = Buffer.from(stored);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

import { randomBytes } from 'node:crypto';
import { iso, type SimContext } from './context.ts';
import { identityJson } from './identity-json.ts';
import type { JsonObject, StoredSession } from './types.ts';

/**
 * Sessions: created by simulated logins (`/_sim/sessions`, a used recovery link or code) and judged the
 * way Kratos judges them at whoami: active && not expired && identity active (`session/session.go` `IsActive`).
 */
export function createSession(
  ctx: SimContext,
  identityId: string,
  method: string,
  lifespanMs = ctx.sessionLifespanMs,
): StoredSession {
  const now = ctx.now();
  const session: StoredSession = {
    id: ctx.newId(),
    token: `ory_st_${randomBytes(24).toString('base64url')}`,
    identity_id: identityId,
    active: true,
    issued_at: iso(now),
    authenticated_at: iso(now),
    created_at: iso(now),
    expires_at: iso(now + lifespanMs),
    expiresAtMs: now + lifespanMs,
    method,
  };
  ctx.store.addSession(session);
  return session;
}

/** Active in the whoami sense: the session is active and unexpired and its identity is active. */
export function isSessionUsable(ctx: SimContext, session: StoredSession): boolean {
  const identity = ctx.store.identities.get(session.identity_id);
  return isSessionActive(ctx, session) && identity !== undefined && identity.state === 'active';
}

export function isSessionActive(ctx: SimContext, session: StoredSession): boolean {
  return session.active && session.expiresAtMs > ctx.now();
}

export interface SessionViewOptions {
  identity: 'none' | 'public';
}

export function sessionJson(
  ctx: SimContext,
  session: StoredSession,
  options: SessionViewOptions,
): JsonObject {
  // `Session.MarshalJSON` recomputes `active` with `IsActive()`, which counts the identity's state only when
  // the identity was loaded with the session (`session/session.go`): an inactive identity's sessions then
  // show `active: false` although the `active` query filter, which reads the columns, still matches them.
  const out: JsonObject = {
    id: session.id,
    active: options.identity === 'public' ? isSessionUsable(ctx, session) : isSessionActive(ctx, session),
    expires_at: session.expires_at,
    authenticated_at: session.authenticated_at,
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: session.method, aal: 'aal1', completed_at: session.authenticated_at }],
    issued_at: session.issued_at,
  };
  const identity = ctx.store.identities.get(session.identity_id);
  if (options.identity === 'public' && identity)
    out.identity = identityJson(ctx, identity, { credentials: 'none', metadataAdmin: false });
  if (ctx.profile.sessions.devices) out.devices = [];
  return out;
}

/** The token from `X-Session-Token`, `Authorization: Bearer`, or the `ory_kratos_session` cookie. */
export function sessionTokenFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-session-token'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    const m = /(?:^|;\s*)ory_kratos_session=([^;]+)/.exec(cookie);
    if (m) return decodeURIComponent(m[1]!);
  }
  return undefined;
}

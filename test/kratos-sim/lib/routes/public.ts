import { errorReply, KratosHttpError, MSG } from '../herodot.ts';
import { jsonReply } from '../replies.ts';
import type { Handler } from '../router.ts';
import { isSessionUsable, sessionJson, sessionTokenFrom } from '../sessions.ts';
import type { StoredSession } from '../types.ts';
import type { SimContext } from '../context.ts';
import type { RequestInfo } from '../router.ts';

/** Public-port routes: whoami and the user's own sessions, health, version, identity schemas. */
function unauthorized(ctx: SimContext): KratosHttpError {
  return new KratosHttpError({
    status: 401,
    message: MSG.unauthorized,
    reason: ctx.profile.sessions.whoamiReason,
  });
}

function currentSession(ctx: SimContext, req: RequestInfo): StoredSession {
  const token = sessionTokenFrom(req.headers);
  const session = token === undefined ? undefined : ctx.store.sessionsByToken.get(token);
  if (!session || !isSessionUsable(ctx, session)) throw unauthorized(ctx);
  return session;
}

/** GET /sessions/whoami (`session/handler.go` `whoami`). */
export const whoami: Handler = (ctx, req) => {
  const session = currentSession(ctx, req);
  return jsonReply(200, sessionJson(ctx, session, { identity: 'public' }), {
    'x-kratos-authenticated-identity-id': session.identity_id,
  });
};

/** GET /sessions: the caller's other sessions. */
export const listMySessions: Handler = (ctx, req) => {
  const current = currentSession(ctx, req);
  const others = ctx.store.sessionsOf(current.identity_id).filter((s) => s.id !== current.id && s.active);
  return jsonReply(
    200,
    others.map((s) => sessionJson(ctx, s, { identity: 'public' })),
  );
};

/** DELETE /sessions: revoke the caller's other sessions. */
export const revokeMyOtherSessions: Handler = (ctx, req) => {
  const current = currentSession(ctx, req);
  let count = 0;
  for (const s of ctx.store.sessionsOf(current.identity_id))
    if (s.id !== current.id && s.active) {
      s.active = false;
      count++;
    }
  return jsonReply(200, { count });
};

/** DELETE /sessions/{id}: revoke one of the caller's other sessions. */
export const revokeMySession: Handler = (ctx, req) => {
  const current = currentSession(ctx, req);
  const target = ctx.store.sessions.get(req.params.id ?? '');
  if (!target || target.identity_id !== current.identity_id || target.id === current.id)
    throw new KratosHttpError({
      status: 400,
      message: MSG.badRequest,
      reason: 'Session does not exist or belongs to another identity.',
    });
  target.active = false;
  return { status: 204, headers: {} };
};

export const healthAlive: Handler = () => jsonReply(200, { status: 'ok' });
export const healthReady: Handler = () => jsonReply(200, { status: 'ok' });

export const version: Handler = (ctx) => jsonReply(200, { version: ctx.profile.version });

/** GET /schemas: `[{id, schema}]` in every release. */
export const listSchemas: Handler = (ctx) =>
  jsonReply(
    200,
    [...ctx.schemas.byId.values()].map((s) => ({ id: s.id, schema: s.schema })),
  );

/** GET /schemas/{id}: the raw schema; the id may be plain or base64url (as in `schema_url`). */
export const getSchema: Handler = (ctx, req) => {
  const raw = req.params.id ?? '';
  const compiled =
    ctx.schemas.byId.get(raw) ?? ctx.schemas.byId.get(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!compiled)
    return errorReply(
      { status: 404, message: MSG.notFound, reason: `Identity schema "${raw}" could not be found.` },
      ctx.profile,
    );
  return jsonReply(200, compiled.schema);
};

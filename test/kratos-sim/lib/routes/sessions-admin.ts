import { iso, type SimContext } from '../context.ts';
import { KratosHttpError, MSG, notFound } from '../herodot.ts';
import { offsetLinkHeader } from '../pagination.ts';
import { emptyReply, jsonReply, redirect } from '../replies.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { isSessionActive, sessionJson } from '../sessions.ts';
import { isUuid } from '../strict-decode.ts';
import type { StoredSession } from '../types.ts';

/** Session endpoints parse ids strictly: a bad UUID is 400, not 404 (BEHAVIOUR.md §10). */
function uuidParam(ctx: SimContext, value: string | undefined): string {
  if (value && isUuid(value)) return value.toLowerCase();
  throw new KratosHttpError({
    status: 400,
    message: `uuid: incorrect UUID length ${value?.length ?? 0} in string "${value ?? ''}"`,
    ...(ctx.api === 'v0.10' ? { debug: 'could not parse UUID' } : {}),
  });
}

function activeFilter(req: RequestInfo): boolean | undefined {
  const raw = req.query.get('active');
  if (raw === null) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new KratosHttpError({ status: 400, message: 'could not parse parameter active' });
}

const byCreatedDesc = (a: StoredSession, b: StoredSession) =>
  a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? -1 : 1;

/** GET /admin/identities/{id}/sessions: pop pages (1-based); v26 adds 0-based Link/X-Total-Count. */
export const listIdentitySessions: Handler = (ctx, req) => {
  const id = uuidParam(ctx, req.params.id);
  const active = activeFilter(req);
  const all = ctx.store
    .sessionsOf(id)
    .filter((s) => active === undefined || isSessionActive(ctx, s) === active)
    .sort(byCreatedDesc);
  const perPageRaw = Number.parseInt(req.query.get('per_page') ?? '', 10);
  const perPage = Number.isNaN(perPageRaw) || perPageRaw <= 0 ? 250 : Math.min(1000, perPageRaw);
  const pageRaw = Number.parseInt(req.query.get('page') ?? '', 10);
  const page = Number.isNaN(pageRaw) || pageRaw < 0 ? 0 : pageRaw;
  const rows = all.slice((Math.max(page, 1) - 1) * perPage, Math.max(page, 1) * perPage);
  const body = rows.map((s) => sessionJson(ctx, s, { identity: 'public' }));
  if (ctx.api === 'v0.10') return jsonReply(200, body);
  return jsonReply(200, body, {
    'x-total-count': String(all.length),
    link: offsetLinkHeader(`/admin/identities/${id}/sessions`, [], all.length, page, perPage),
  });
};

/** DELETE /admin/identities/{id}/sessions: hard delete; 404 when nothing was deleted. */
export const deleteIdentitySessions: Handler = (ctx, req) => {
  const id = uuidParam(ctx, req.params.id);
  if (ctx.store.deleteSessionsOf(id) === 0) throw notFound();
  return emptyReply(204);
};

/** GET /admin/sessions (v26): keyset over `created_at DESC, id ASC`, with an opaque token. */
export const listSessions: Handler = (ctx, req) => {
  const active = activeFilter(req);
  const sizeRaw = Number.parseInt(req.query.get('page_size') ?? '', 10);
  const size = Number.isNaN(sizeRaw) || sizeRaw <= 0 ? 250 : Math.min(1000, sizeRaw);
  const token = req.query.get('page_token');
  let offset = 0;
  if (token) {
    try {
      offset = (JSON.parse(Buffer.from(token, 'base64url').toString()) as { offset: number }).offset;
    } catch {
      throw new KratosHttpError({
        status: 400,
        message: MSG.badRequest,
        reason: 'The page token is invalid, do not craft your own page tokens',
      });
    }
  }
  // Sorting every call is O(S log S); session lists are rare admin reads, unlike identity pages.
  const all = [...ctx.store.sessions.values()]
    .filter((s) => active === undefined || isSessionActive(ctx, s) === active)
    .sort(byCreatedDesc);
  const rows = all.slice(offset, offset + size);
  const expand = new Set(req.query.getAll('expand'));
  const body = rows.map((s) => sessionJson(ctx, s, { identity: expand.has('identity') ? 'public' : 'none' }));
  const links = [`</admin/sessions?page_size=${size}>; rel="first"`];
  if (offset + size < all.length) {
    const next = Buffer.from(JSON.stringify({ offset: offset + size })).toString('base64url');
    links.push(`</admin/sessions?page_size=${size}&page_token=${next}>; rel="next"`);
  }
  return jsonReply(200, body, { link: links.join(',') });
};

function findSession(ctx: SimContext, raw: string | undefined): StoredSession {
  const session = ctx.store.sessions.get(uuidParam(ctx, raw));
  if (!session) throw notFound();
  return session;
}

/** GET /admin/sessions/{id} (v26): revoked or expired sessions still answer 200 with active=false. */
export const getSession: Handler = (ctx, req) => {
  const session = findSession(ctx, req.params.id);
  const expand = new Set(req.query.getAll('expand'));
  return jsonReply(200, sessionJson(ctx, session, { identity: expand.has('identity') ? 'public' : 'none' }));
};

/** DELETE /admin/sessions/{id} (v26): revoke, i.e. active=false; the row stays. */
export const revokeSession: Handler = (ctx, req) => {
  findSession(ctx, req.params.id).active = false;
  return emptyReply(204);
};

/** PATCH /admin/sessions/{id}/extend: 200 with the session (faster_session_extend off). */
export const extendSession: Handler = (ctx, req) => {
  const session = findSession(ctx, req.params.id);
  session.expiresAtMs = ctx.now() + ctx.sessionLifespanMs;
  session.expires_at = iso(session.expiresAtMs);
  return jsonReply(200, sessionJson(ctx, session, { identity: 'public' }));
};

/** v0.10 has no admin session list or revoke: it redirects to the public routes, which need the user's session. */
export const redirectSessionsV010: Handler = (ctx, req) =>
  redirect(307, `${ctx.baseUrl}/sessions${req.params.id ? `/${req.params.id}` : ''}`, req.method);

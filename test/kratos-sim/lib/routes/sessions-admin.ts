import { iso, type SimContext } from '../context.ts';
import { KratosHttpError, MSG, notFound } from '../herodot.ts';
import { NIL_UUID, offsetLinkHeader } from '../pagination.ts';
import { emptyReply, jsonReply, redirect } from '../replies.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { isSessionActive, sessionJson } from '../sessions.ts';
import { isUuid } from '../strict-decode.ts';
import type { StoredSession } from '../types.ts';

/** Session endpoints parse ids strictly: a bad UUID is 400, not 404 (`session/handler.go`). */
function uuidParam(ctx: SimContext, value: string | undefined): string {
  if (value && isUuid(value)) return value.toLowerCase();
  throw new KratosHttpError({
    status: 400,
    message: `uuid: incorrect UUID length ${value?.length ?? 0} in string "${value ?? ''}"`,
    ...(ctx.profile.errors.sendsDebug ? { debug: 'could not parse UUID' } : {}),
  });
}

function activeFilter(req: RequestInfo): boolean | undefined {
  const raw = req.query.get('active');
  if (raw === null) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new KratosHttpError({ status: 400, message: 'could not parse parameter active' });
}

const newestFirst =
  (key: 'created_at' | 'authenticated_at') =>
  (a: StoredSession, b: StoredSession): number =>
    a[key] < b[key] ? 1 : a[key] > b[key] ? -1 : a.id < b.id ? -1 : 1;
const byCreatedDesc = newestFirst('created_at');

/**
 * GET /admin/identities/{id}/sessions: pop pages (1-based). v0.10 sends no Link or X-Total-Count; v1.0.0
 * an absolute Link to the wrong path (`<admin base>/sessions`, `handler.go:586@v1.0.0`); later releases a
 * relative one with 0-based page numbers. v1.x orders by `authenticated_at`, v26 by `created_at`.
 */
export const listIdentitySessions: Handler = (ctx, req) => {
  const id = uuidParam(ctx, req.params.id);
  const active = activeFilter(req);
  const all = ctx.store
    .sessionsOf(id)
    .filter((s) => active === undefined || isSessionActive(ctx, s) === active)
    .sort(newestFirst(ctx.profile.sessions.identityListOrder));
  const perPageRaw = Number.parseInt(req.query.get('per_page') ?? '', 10);
  const perPage = Number.isNaN(perPageRaw) || perPageRaw <= 0 ? 250 : Math.min(1000, perPageRaw);
  const pageRaw = Number.parseInt(req.query.get('page') ?? '', 10);
  const page = Number.isNaN(pageRaw) || pageRaw < 0 ? 0 : pageRaw;
  const rows = all.slice((Math.max(page, 1) - 1) * perPage, Math.max(page, 1) * perPage);
  const body = rows.map((s) => sessionJson(ctx, s, { identity: 'public' }));
  const links = ctx.profile.sessions.identityListLinks;
  if (links === 'none') return jsonReply(200, body);
  const base = links === 'relative' ? `/admin/identities/${id}/sessions` : `${ctx.baseUrl}/sessions`;
  return jsonReply(200, body, {
    'x-total-count': String(all.length),
    link: offsetLinkHeader(base, [], all.length, page, perPage),
  });
};

/** DELETE /admin/identities/{id}/sessions: hard delete; 404 when nothing was deleted. */
export const deleteIdentitySessions: Handler = (ctx, req) => {
  const id = uuidParam(ctx, req.params.id);
  if (ctx.store.deleteSessionsOf(id) === 0) throw notFound();
  return emptyReply(204);
};

const invalidToken = () =>
  new KratosHttpError({
    status: 400,
    message: MSG.badRequest,
    reason: 'The page token is invalid, do not craft your own page tokens',
  });

/**
 * GET /admin/sessions (v0.11+): keyset pages. v1.0.0 uses the last session's UUID as the token over
 * `id ASC` and sends `first` and `next` as two Link header fields (ory/x `keysetpagination/header.go:84-91
 * @v0.0.562`); later releases an opaque token over `created_at DESC, id ASC` in one Link. v1.x also sends
 * `X-Total-Count` (`session/handler.go:423`).
 */
export const listSessions: Handler = (ctx, req) => {
  const active = activeFilter(req);
  const sizeRaw = Number.parseInt(req.query.get('page_size') ?? '', 10);
  const size = Number.isNaN(sizeRaw) || sizeRaw <= 0 ? 250 : Math.min(1000, sizeRaw);
  const matching = [...ctx.store.sessions.values()].filter(
    (s) => active === undefined || isSessionActive(ctx, s) === active,
  );
  const total: Record<string, string> = ctx.profile.sessions.adminListTotal
    ? { 'x-total-count': String(matching.length) }
    : {};
  const expand = new Set(req.query.getAll('expand'));
  const view = (rows: StoredSession[]) =>
    rows.map((s) => sessionJson(ctx, s, { identity: expand.has('identity') ? 'public' : 'none' }));
  const token = req.query.get('page_token');

  if (ctx.profile.sessions.adminListToken === 'uuid') {
    const after = token || NIL_UUID;
    if (!isUuid(after)) throw invalidToken();
    const rows = matching
      .filter((s) => s.id > after.toLowerCase())
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, size + 1);
    const page = rows.slice(0, size);
    const link = (rel: string, t: string) =>
      `</admin/sessions?page_size=${size}&page_token=${t}>; rel="${rel}"`;
    const links = [link('first', NIL_UUID)];
    if (rows.length > size) links.push(link('next', page[page.length - 1]!.id));
    return jsonReply(200, view(page), { ...total, link: links.length === 1 ? links[0]! : links });
  }

  let offset = 0;
  if (token) {
    try {
      offset = (JSON.parse(Buffer.from(token, 'base64url').toString()) as { offset: number }).offset;
    } catch {
      throw invalidToken();
    }
  }
  // Sorting every call is O(S log S); session lists are rare admin reads, unlike identity pages.
  const all = matching.sort(byCreatedDesc);
  const rows = all.slice(offset, offset + size);
  // Opaque to clients; the first page has a token too, as Kratos' map tokens do.
  const tokenAt = (n: number) => Buffer.from(JSON.stringify({ offset: n })).toString('base64url');
  const links = [`</admin/sessions?page_size=${size}&page_token=${tokenAt(0)}>; rel="first"`];
  if (offset + size < all.length)
    links.push(`</admin/sessions?page_size=${size}&page_token=${tokenAt(offset + size)}>; rel="next"`);
  return jsonReply(200, view(rows), { ...total, link: links.join(',') });
};

function findSession(ctx: SimContext, raw: string | undefined): StoredSession {
  const session = ctx.store.sessions.get(uuidParam(ctx, raw));
  if (!session) throw notFound();
  return session;
}

/** GET /admin/sessions/{id} (v0.11+): revoked or expired sessions still answer 200 with active=false. */
export const getSession: Handler = (ctx, req) => {
  const session = findSession(ctx, req.params.id);
  const expand = new Set(req.query.getAll('expand'));
  return jsonReply(200, sessionJson(ctx, session, { identity: expand.has('identity') ? 'public' : 'none' }));
};

/** DELETE /admin/sessions/{id} (v0.11+): revoke, i.e. active=false; the row stays. */
export const revokeSession: Handler = (ctx, req) => {
  findSession(ctx, req.params.id).active = false;
  return emptyReply(204);
};

/**
 * PATCH /admin/sessions/{id}/extend: 200 with the session (faster_session_extend off); v1.0.0 answers it
 * without the identity (`session/handler.go:843-865@v1.0.0`).
 */
export const extendSession: Handler = (ctx, req) => {
  const session = findSession(ctx, req.params.id);
  session.expiresAtMs = ctx.now() + ctx.sessionLifespanMs;
  session.expires_at = iso(session.expiresAtMs);
  const identity = ctx.profile.sessions.extendIncludesIdentity ? 'public' : 'none';
  return jsonReply(200, sessionJson(ctx, session, { identity }));
};

/** v0.10 has no admin session list or revoke: it redirects to the public routes, which need the user's session. */
export const redirectSessionsV010: Handler = (ctx, req) =>
  redirect(307, `${ctx.baseUrl}/sessions${req.params.id ? `/${req.params.id}` : ''}`, req.method);

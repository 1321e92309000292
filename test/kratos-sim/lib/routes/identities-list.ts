import type { SimContext } from '../context.ts';
import { badRequest, KratosHttpError, MSG } from '../herodot.ts';
import { identityArrayText, type IdentityView } from '../identity-json.ts';
import { keysetLinkHeader, migrationLinkParams, NIL_UUID, offsetLinkHeader } from '../pagination.ts';
import { jsonTextReply } from '../replies.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { normalizeIdentifier } from '../store.ts';
import { isUuid } from '../strict-decode.ts';
import type { Reply } from '../types.ts';
import { viewWithIncludes } from './identities-crud.ts';

/** GET /admin/identities (`identity/handler.go` `list`), paged the way the release pages. */
export const listIdentities: Handler = (ctx, req) => {
  switch (ctx.profile.list.paging) {
    case 'offset-v0.10':
      return listV010(ctx, req);
    case 'offset-v1.0':
      return listV1_0(ctx, req);
    case 'keyset':
      return listKeyset(ctx, req);
  }
};

const PAGE_KEYS = ['page', 'per_page', 'page_size', 'page_token'];

function render(ctx: SimContext, ids: string[], view: IdentityView): string {
  return identityArrayText(
    ctx,
    ids.map((id) => ctx.store.identities.get(id)!),
    view,
  );
}

/** v0.10's lists strip `metadata_admin` (`Identity.MarshalJSON`); later releases list it. */
function listView(ctx: SimContext, credentials: IdentityView['credentials']): IdentityView {
  return { credentials, metadataAdmin: ctx.profile.list.metadataAdmin };
}

/** An integer query value, or `fallback` when absent or not a number. */
function intParam(q: URLSearchParams, key: string, fallback: number): number {
  const n = Number.parseInt(q.get(key) ?? '', 10);
  return Number.isNaN(n) ? fallback : n;
}

/** Offset pages over `id DESC`; page 0 == page 1; every filter ignored; Link off by one. */
function listV010(ctx: SimContext, req: RequestInfo): Reply {
  const perPage = Math.min(1000, Math.max(1, intParam(req.query, 'per_page', 250)));
  const page = Math.max(0, intParam(req.query, 'page', 0));
  const total = ctx.store.sortedIds.size;
  const ids = ctx.store.sortedIds.slice((Math.max(page, 1) - 1) * perPage, perPage, true);
  return jsonTextReply(200, render(ctx, ids, listView(ctx, 'none')), {
    'x-total-count': String(total),
    link: offsetLinkHeader(`${ctx.baseUrl}/identities`, [], total, page, perPage),
  });
}

/**
 * v1.0.0 (`identity/handler.go:159-190@v1.0.0`, ory/x `migrationpagination@v0.0.562`): an offset token
 * when `page_token` or `page_size` is present, else `page`/`per_page`; 0-based pages over `id DESC`,
 * `X-Total-Count` and absolute links whose offsets agree with the query. The only filter is
 * `credentials_identifier`, matched against password and webauthn identifiers with `LIMIT 1`.
 */
function listV1_0(ctx: SimContext, req: RequestInfo): Reply {
  const q = req.query;
  let page: number;
  let perPage: number;
  if (q.has('page_token') || q.has('page_size')) {
    perPage = Math.min(1000, Math.max(1, intParam(q, 'page_size', 250)));
    page = Math.floor(decodeOffsetToken(q.get('page_token')) / perPage);
  } else {
    perPage = Math.min(1000, Math.max(1, intParam(q, 'per_page', 250)));
    page = Math.max(0, intParam(q, 'page', 0));
  }
  const base = `${ctx.baseUrl}/identities`;
  const identifier = q.get('credentials_identifier');
  if (identifier) {
    const ids: string[] = [];
    for (const type of ['password', 'webauthn']) {
      const hit = ctx.store.credentialIndex.get(`${type}\u0000${normalizeIdentifier(type, identifier)}`);
      if (hit !== undefined && ids.length === 0) ids.push(hit);
    }
    return jsonTextReply(200, render(ctx, ids, listView(ctx, 'metadata')), {
      'x-total-count': String(ids.length),
      link: offsetLinkHeader(base, [], ids.length, page, perPage, migrationLinkParams),
    });
  }
  const total = ctx.store.sortedIds.size;
  const ids = ctx.store.sortedIds.slice(page * perPage, perPage, true);
  return jsonTextReply(200, render(ctx, ids, listView(ctx, 'none')), {
    'x-total-count': String(total),
    link: offsetLinkHeader(base, [], total, page, perPage, migrationLinkParams),
  });
}

/** An undecodable token silently counts as offset 0 (ory/x `tokenpagination`). */
function decodeOffsetToken(token: string | null): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    const n = Number.parseInt(String(parsed.offset), 10);
    return Number.isNaN(n) || n < 0 ? 0 : n;
  } catch {
    return 0;
  }
}

/** Keyset lists (v1.1+), or the legacy `page` mode that v1.1+ still serves up to 1 000 items. */
function listKeyset(ctx: SimContext, req: RequestInfo): Reply {
  const q = req.query;
  const filtered = filteredIds(ctx, q);
  const showCredentials =
    q.has('credentials_identifier') ||
    (ctx.profile.list.filters === 'and' && q.has('preview_credentials_identifier_similar'));
  const view = viewWithIncludes(ctx, req, listView(ctx, showCredentials ? 'metadata' : 'none'));
  const kept = [...q.entries()].filter(([k]) => !PAGE_KEYS.includes(k));

  const keyset = q.has('page_token') || q.has('page_size') || !q.has('page');
  if (!keyset) {
    const perPageRaw = intParam(q, 'per_page', 250);
    const perPage = perPageRaw <= 0 ? 250 : Math.min(500, perPageRaw);
    const page = Math.max(0, intParam(q, 'page', 0));
    if (page * perPage > 1000)
      throw badRequest(
        'Legacy pagination is not supported for enumerating over 1000 items. Please switch to using page_token and page_size.',
      );
    const ids = filtered
      ? filtered.slice(page * perPage, (page + 1) * perPage)
      : ctx.store.sortedIds.slice(page * perPage, perPage, false);
    const total = filtered ? filtered.length : ctx.store.sortedIds.size;
    return jsonTextReply(200, render(ctx, ids, view), {
      'x-total-count': String(total),
      link: offsetLinkHeader('/admin/identities', kept, total, page, perPage),
    });
  }

  const pageSize = keysetPageSize(ctx, q.get('page_size') ?? q.get('per_page'));
  const token = q.get('page_token') || NIL_UUID;
  if (!isUuid(token)) throw badRequest('The page token is invalid, do not craft your own page tokens');
  const after = token.toLowerCase();
  const rows = filtered
    ? filtered.filter((id) => id > after).slice(0, pageSize + 1)
    : ctx.store.sortedIds.after(after, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const next = rows.length > pageSize ? page[page.length - 1] : undefined;
  return jsonTextReply(200, render(ctx, page, view), {
    link: keysetLinkHeader('/admin/identities', kept, pageSize, next),
  });
}

/**
 * Default 250. v26 maps ≤ 0 to the default and clamps to 500; v1.1+ has no maximum, and a negative size
 * reaches the SQL `LIMIT` and fails there (`persister_identity.go:913`), which surfaces as a 500.
 */
function keysetPageSize(ctx: SimContext, text: string | null): number {
  if (text === null || text === '') return 250;
  if (!/^[+-]?\d+$/.test(text))
    throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number.parseInt(text, 10);
  const max = ctx.profile.list.maxPageSize;
  if (n === 0 || (n < 0 && max !== undefined)) return 250;
  if (n < 0) throw new KratosHttpError({ status: 500, message: MSG.internal });
  return max === undefined ? n : Math.min(max, n);
}

const FILTERS = [
  'ids',
  'credentials_identifier',
  'preview_credentials_identifier_similar',
  'organization_id',
] as const;
type Filter = (typeof FILTERS)[number];

/**
 * Ids matching the filters in use, ascending; undefined when none is used. v26 allows one filter per
 * request; v1.1+ combines them with AND, ignores `organization_id` and refuses only
 * `credentials_identifier` together with its `preview_` form (`identity/handler.go:228-231`).
 */
function filteredIds(ctx: SimContext, q: URLSearchParams): string[] | undefined {
  const combine = ctx.profile.list.filters === 'and';
  const used = FILTERS.filter((f) => q.has(f) && !(combine && f === 'organization_id'));
  if (used.length === 0) return undefined;
  if (!combine && used.length > 1) throw badRequest('You cannot combine multiple filters in this API');
  if (combine && q.has('credentials_identifier') && q.has('preview_credentials_identifier_similar'))
    throw badRequest('Cannot pass both credentials_identifier and preview_credentials_identifier_similar.');
  let result: Set<string> | undefined;
  for (const filter of used) {
    const matches = matchFilter(ctx, filter, q);
    result = result ? new Set([...result].filter((id) => matches.has(id))) : matches;
  }
  return [...result!].sort();
}

function matchFilter(ctx: SimContext, filter: Filter, q: URLSearchParams): Set<string> {
  const store = ctx.store;
  const matches = new Set<string>();
  if (filter === 'ids') {
    const ids = q.getAll('ids');
    const max = ctx.profile.list.maxIds;
    if (max !== undefined && ids.length > max)
      throw badRequest(`The number of ids to filter must not exceed ${max}.`);
    for (const id of ids) {
      if (!isUuid(id)) throw badRequest(`Invalid UUID value \`${id}\` for parameter \`ids\`.`);
      if (store.identities.has(id.toLowerCase())) matches.add(id.toLowerCase());
    }
  } else if (filter === 'credentials_identifier') {
    const identifier = q.get('credentials_identifier') ?? '';
    const types = ['password', 'webauthn', 'code', 'oidc'];
    if (ctx.profile.identity.organizationsAndSaml) types.push('saml');
    for (const type of types) {
      const hit = store.credentialIndex.get(`${type}\u0000${normalizeIdentifier(type, identifier)}`);
      if (hit !== undefined) matches.add(hit);
    }
  } else if (filter === 'preview_credentials_identifier_similar') {
    // Experimental prefix match; a full scan is acceptable for a rarely used preview filter.
    const prefix = (q.get(filter) ?? '').toLowerCase();
    for (const [key, id] of store.credentialIndex)
      if (key.slice(key.indexOf('\u0000') + 1).startsWith(prefix)) matches.add(id);
  } else {
    const org = q.get('organization_id') ?? '';
    if (!isUuid(org)) throw badRequest(`Invalid UUID value \`${org}\` for parameter \`organization_id\`.`);
    for (const identity of store.identities.values())
      if (identity.organization_id === org.toLowerCase()) matches.add(identity.id);
  }
  return matches;
}

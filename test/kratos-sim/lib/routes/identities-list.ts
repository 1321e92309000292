import type { SimContext } from '../context.ts';
import { badRequest } from '../herodot.ts';
import { identityArrayText, type IdentityView } from '../identity-json.ts';
import { keysetLinkHeader, NIL_UUID, offsetLinkHeader } from '../pagination.ts';
import { jsonTextReply } from '../replies.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { normalizeIdentifier } from '../store.ts';
import { isUuid } from '../strict-decode.ts';
import type { Reply } from '../types.ts';
import { viewWithIncludes } from './identities-crud.ts';

/** GET /admin/identities (BEHAVIOUR.md §8). */
export const listIdentities: Handler = (ctx, req) =>
  ctx.api === 'v0.10' ? listV010(ctx, req) : listV26(ctx, req);

const V010_VIEW: IdentityView = { credentials: 'none', metadataAdmin: false };

/** Offset pages over `id DESC`; page 0 == page 1; every filter ignored; Link off by one. */
function listV010(ctx: SimContext, req: RequestInfo): Reply {
  const perPageRaw = Number.parseInt(req.query.get('per_page') ?? '', 10);
  const perPage = Number.isNaN(perPageRaw) ? 250 : Math.min(1000, Math.max(1, perPageRaw));
  const pageRaw = Number.parseInt(req.query.get('page') ?? '', 10);
  const page = Number.isNaN(pageRaw) || pageRaw < 0 ? 0 : pageRaw;
  const total = ctx.store.sortedIds.size;
  const ids = ctx.store.sortedIds.slice((Math.max(page, 1) - 1) * perPage, perPage, true);
  const body = identityArrayText(
    ctx,
    ids.map((id) => ctx.store.identities.get(id)!),
    V010_VIEW,
  );
  return jsonTextReply(200, body, {
    'x-total-count': String(total),
    link: offsetLinkHeader(`${ctx.baseUrl}/identities`, [], total, page, perPage),
  });
}

const FILTERS = [
  'ids',
  'credentials_identifier',
  'preview_credentials_identifier_similar',
  'organization_id',
];

function listV26(ctx: SimContext, req: RequestInfo): Reply {
  const q = req.query;
  const used = FILTERS.filter((f) => q.has(f));
  if (used.length > 1) throw badRequest('You cannot combine multiple filters in this API');
  const filtered = used.length === 1 ? filteredIds(ctx, used[0]!, q) : undefined;
  const view = viewWithIncludes(ctx, req, {
    credentials: q.has('credentials_identifier') ? 'metadata' : 'none',
    metadataAdmin: true,
  });
  const kept = [...q.entries()].filter(([k]) => !['page', 'per_page', 'page_size', 'page_token'].includes(k));
  const render = (ids: string[]) =>
    identityArrayText(
      ctx,
      ids.map((id) => ctx.store.identities.get(id)!),
      view,
    );

  const keyset = q.has('page_token') || q.has('page_size') || !q.has('page');
  if (!keyset) {
    const perPageRaw = Number.parseInt(q.get('per_page') ?? '', 10);
    const perPage = Number.isNaN(perPageRaw) || perPageRaw <= 0 ? 250 : Math.min(500, perPageRaw);
    const pageRaw = Number.parseInt(q.get('page') ?? '', 10);
    const page = Number.isNaN(pageRaw) || pageRaw < 0 ? 0 : pageRaw;
    if (page * perPage > 1000)
      throw badRequest(
        'Legacy pagination is not supported for enumerating over 1000 items. Please switch to using page_token and page_size.',
      );
    const ids = filtered
      ? filtered.slice(page * perPage, (page + 1) * perPage)
      : ctx.store.sortedIds.slice(page * perPage, perPage, false);
    const total = filtered ? filtered.length : ctx.store.sortedIds.size;
    return jsonTextReply(200, render(ids), {
      'x-total-count': String(total),
      link: offsetLinkHeader('/admin/identities', kept, total, page, perPage),
    });
  }

  const sizeText = q.get('page_size') ?? q.get('per_page');
  let pageSize = 250;
  if (sizeText !== null && sizeText !== '') {
    if (!/^[+-]?\d+$/.test(sizeText))
      throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(sizeText)}: invalid syntax`);
    const n = Number.parseInt(sizeText, 10);
    pageSize = n <= 0 ? 250 : Math.min(500, n);
  }
  const token = q.get('page_token') || NIL_UUID;
  if (!isUuid(token)) throw badRequest('The page token is invalid, do not craft your own page tokens');
  const after = token.toLowerCase();
  const rows = filtered
    ? filtered.filter((id) => id > after).slice(0, pageSize + 1)
    : ctx.store.sortedIds.after(after, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const next = rows.length > pageSize ? page[page.length - 1] : undefined;
  return jsonTextReply(200, render(page), {
    link: keysetLinkHeader('/admin/identities', kept, pageSize, next),
  });
}

/** Ids matching the one filter in use, ascending. */
function filteredIds(ctx: SimContext, filter: string, q: URLSearchParams): string[] {
  const store = ctx.store;
  const matches = new Set<string>();
  if (filter === 'ids') {
    const ids = q.getAll('ids');
    if (ids.length > 500) throw badRequest('The number of ids to filter must not exceed 500.');
    for (const id of ids) {
      if (!isUuid(id)) throw badRequest(`Invalid UUID value \`${id}\` for parameter \`ids\`.`);
      if (store.identities.has(id.toLowerCase())) matches.add(id.toLowerCase());
    }
  } else if (filter === 'credentials_identifier') {
    const identifier = q.get('credentials_identifier') ?? '';
    for (const type of ['password', 'webauthn', 'code', 'oidc', 'saml']) {
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
  return [...matches].sort();
}

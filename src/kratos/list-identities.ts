import { asArray, refused, unsupported, type KratosContext } from './context.ts';
import { readNextLink } from './next-page-link.ts';
import type { Identity } from '../domain/identity.ts';
import type { ListIdentitiesOptions } from './types.ts';

const OPERATION = 'listIdentities';

/**
 * Every identity, a page at a time (docs/kratos-behaviour.md, "Listing identities"):
 * - keyset servers (v1.1+): follow `rel="next"` until it is absent; the token is never computed here. A Link
 *   header that does not parse, or whose next link is not a usable URL, fails the list: read as "last page"
 *   it would hide the identities after it, and a reconcile would create them again.
 * - offset servers (v0.10, v1.0): `page=first,first+1,…` with a fixed `per_page` until a short page. Where
 *   the first page is depends on the server (`capabilities.firstOffsetPage`). Their Link headers are absolute,
 *   drop the `/admin` prefix, and on v0.10 are off by one, so they are ignored.
 * The page size is clamped to the server's cap (`capabilities.maxPageSize`) so "a short page" means "the last".
 * Offset pages over `id DESC` can skip or repeat identities created or deleted during the scan; keyset
 * pages can miss identities created behind the cursor. A full reconcile tolerates both: the next run
 * sees them.
 */
export function listIdentities(
  ctx: KratosContext,
  options: ListIdentitiesOptions = {},
): AsyncIterable<Identity[]> {
  const requested = options.pageSize ?? ctx.config.pageSize;
  if (!Number.isInteger(requested) || requested < 1) {
    throw refused(OPERATION, `pageSize must be a positive integer, got ${requested}`);
  }
  if (options.credentialsIdentifier !== undefined && !ctx.capabilities.credentialsIdentifierFilter) {
    throw unsupported(OPERATION, ctx.capabilities, 'the credentials_identifier filter');
  }
  if (options.ids !== undefined) checkIds(ctx, options);
  const cap = ctx.capabilities.maxPageSize;
  const pageSize = cap === null ? requested : Math.min(requested, cap);
  return ctx.capabilities.keysetPages
    ? keysetPages(ctx, pageSize, options)
    : offsetPages(ctx, pageSize, options.credentialsIdentifier);
}

/** v26 answers more than 500 ids, or one that is not a UUID, with a 400 (identity/handler.go). */
const MAX_IDS = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` may go in the `ids` filter. */
export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * The `ids` filter is refused before sending where the server would ignore it (v1.0, v0.10: an unfiltered
 * page would come back), where v26 would refuse it, or together with the other filter (v26 allows one).
 */
function checkIds(ctx: KratosContext, options: ListIdentitiesOptions): void {
  const ids = options.ids ?? [];
  if (!ctx.capabilities.idsFilter) throw unsupported(OPERATION, ctx.capabilities, 'the ids filter');
  if (options.credentialsIdentifier !== undefined)
    throw refused(OPERATION, 'the ids and credentials_identifier filters cannot be combined');
  if (ids.length === 0 || ids.length > MAX_IDS)
    throw refused(OPERATION, `the ids filter takes 1 to ${MAX_IDS} ids, got ${ids.length}`);
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined)
    throw refused(OPERATION, `the ids filter takes UUIDs only, got ${JSON.stringify(bad)}`);
}

async function* keysetPages(
  ctx: KratosContext,
  pageSize: number,
  filters: Pick<ListIdentitiesOptions, 'credentialsIdentifier' | 'ids'>,
): AsyncGenerator<Identity[]> {
  const query = new URLSearchParams({ page_size: String(pageSize) });
  if (filters.credentialsIdentifier !== undefined)
    query.set('credentials_identifier', filters.credentialsIdentifier);
  for (const id of filters.ids ?? []) query.append('ids', id);
  const get = (path: string) =>
    ctx.call({
      operation: OPERATION,
      method: 'GET',
      path,
      accept: [200],
      limit: { kind: 'read' },
      repeatable: true,
      arrayOfObjects: true,
    });
  const seen = new Set<string>();
  let pageNumber = 0;
  let pending: ReturnType<typeof get> | undefined = get(`/admin/identities?${query}`);
  try {
    while (pending !== undefined) {
      const response = await pending;
      pending = undefined;
      const page = asArray(response.data, OPERATION) as Identity[];
      const next = readNextLink(OPERATION, response.headers.link, ++pageNumber);
      const path = next === undefined ? undefined : apiPath(next);
      // A server that hands back a link already followed would loop forever.
      if (path !== undefined) {
        if (seen.has(path)) throw refused(OPERATION, 'the server returned a next link already followed');
        seen.add(path);
        // Ask for the next page before handing this one over: Kratos renders it while the caller works
        // through this one (the requests and their order are the same; one page is read ahead).
        pending = get(path);
      }
      if (page.length > 0) yield page;
    }
  } finally {
    // The caller stopped early: the page read ahead is not wanted, nor is its error.
    pending?.catch(() => {});
  }
}

async function* offsetPages(
  ctx: KratosContext,
  perPage: number,
  credentialsIdentifier: string | undefined,
): AsyncGenerator<Identity[]> {
  // v1.0.0 answers the filter with at most one identity and no further pages.
  const filter =
    credentialsIdentifier === undefined
      ? ''
      : `&credentials_identifier=${encodeURIComponent(credentialsIdentifier)}`;
  for (let page = ctx.capabilities.firstOffsetPage; ; page++) {
    const response = await ctx.call({
      operation: OPERATION,
      method: 'GET',
      path: `/admin/identities?page=${page}&per_page=${perPage}${filter}`,
      accept: [200],
      limit: { kind: 'read' },
      repeatable: true,
      arrayOfObjects: true,
    });
    const items = asArray(response.data, OPERATION) as Identity[];
    if (items.length > 0) yield items;
    if (items.length < perPage || filter !== '') return;
  }
}

/**
 * The link's path and query, re-rooted at `/admin/...`: Kratos builds it from the request path, so behind a
 * proxy mount it may lack our prefix, and an absolute link must not send our token to another host. The
 * transport puts the configured prefix back in front.
 */
function apiPath(link: string): string {
  const url = new URL(link, 'http://kratos.invalid');
  const at = url.pathname.indexOf('/admin/');
  const pathname = at >= 0 ? url.pathname.slice(at) : url.pathname;
  return pathname + url.search;
}

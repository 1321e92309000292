import { asArray, refused, unsupported, type KratosContext } from './context.ts';
import { nextLink } from './link-header.ts';
import type { Identity, ListIdentitiesOptions } from './types.ts';

/** v26 silently caps keyset pages at 500; v0.10 clamps per_page to 1000 (BEHAVIOUR.md §8). */
const KEYSET_MAX = 500;
const OFFSET_MAX = 1000;
const OPERATION = 'listIdentities';

/**
 * Every identity, a page at a time (BEHAVIOUR.md §8):
 * - keyset servers (v26): follow `rel="next"` until it is absent; the token is never computed here.
 * - v0.10: `page=1,2,…` with a fixed `per_page` until a short page. Its Link header is off by one (the
 *   first `next` points at page 1, which is the first page again), so it is ignored.
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
  return ctx.capabilities.keysetPages
    ? keysetPages(ctx, Math.min(requested, KEYSET_MAX), options.credentialsIdentifier)
    : offsetPages(ctx, Math.min(requested, OFFSET_MAX));
}

async function* keysetPages(
  ctx: KratosContext,
  pageSize: number,
  credentialsIdentifier: string | undefined,
): AsyncGenerator<Identity[]> {
  const query = new URLSearchParams({ page_size: String(pageSize) });
  if (credentialsIdentifier !== undefined) query.set('credentials_identifier', credentialsIdentifier);
  let path: string | undefined = `/admin/identities?${query}`;
  const seen = new Set<string>();
  while (path !== undefined) {
    const response = await ctx.call({
      operation: OPERATION,
      method: 'GET',
      path,
      accept: [200],
      gate: { kind: 'read' },
      repeatable: true,
    });
    const page = asArray(response.data, OPERATION) as Identity[];
    if (page.length > 0) yield page;
    const next = nextLink(response.headers.link);
    path = next === undefined ? undefined : apiPath(next);
    // A server that hands back a link already followed would loop forever.
    if (path !== undefined) {
      if (seen.has(path)) throw refused(OPERATION, 'the server returned a next link already followed');
      seen.add(path);
    }
  }
}

async function* offsetPages(ctx: KratosContext, perPage: number): AsyncGenerator<Identity[]> {
  for (let page = 1; ; page++) {
    const response = await ctx.call({
      operation: OPERATION,
      method: 'GET',
      path: `/admin/identities?page=${page}&per_page=${perPage}`,
      accept: [200],
      gate: { kind: 'read' },
      repeatable: true,
    });
    const items = asArray(response.data, OPERATION) as Identity[];
    if (items.length > 0) yield items;
    if (items.length < perPage) return;
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

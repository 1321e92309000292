/**
 * Link headers as Kratos writes them: ory/x `PaginationHeader` for offset pages (0-based page numbers,
 * which is off by one against v0.10's 1-based query; v1.0.0 adds `page_size` and an offset token, which
 * agree with its 0-based query) and the keyset links of v1.1+.
 */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Go's `url.QueryEscape`: everything but [A-Za-z0-9-_.~] is escaped, and space becomes '+'. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's `url.Values.Encode`: keys sorted, values in insertion order. */
export function goEncodeQuery(params: Array<[string, string]>): string {
  const keys = [...new Set(params.map(([k]) => k))].sort();
  const parts: string[] = [];
  for (const key of keys)
    for (const [k, v] of params) if (k === key) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  return parts.join('&');
}

function withParams(base: string, kept: Array<[string, string]>, set: Record<string, string>): string {
  const params = kept.filter(([k]) => !(k in set));
  for (const [k, v] of Object.entries(set)) params.push([k, v]);
  return `${base}?${goEncodeQuery(params)}`;
}

/** The query parameters of one offset link: `page` and `per_page` (v0.10, legacy mode). */
export type OffsetLinkParams = (page: number, perPage: number) => Record<string, string>;

const pagePerPage: OffsetLinkParams = (page, perPage) => ({ page: String(page), per_page: String(perPage) });

/** v1.0.0's token: base64url (no padding) of `{"offset":"<n>","v":2}` (ory/x `tokenpagination@v0.0.562`). */
export function offsetToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset: String(offset), v: 2 })).toString('base64url');
}

/** v1.0.0's links (ory/x `migrationpagination`): page, page_size, the offset token and per_page. */
export const migrationLinkParams: OffsetLinkParams = (page, perPage) => ({
  page: String(page),
  page_size: String(perPage),
  page_token: offsetToken(page * perPage),
  per_page: String(perPage),
});

/** ory/x `pagination.PaginationHeader`; returns the Link value (X-Total-Count is set by the caller). */
export function offsetLinkHeader(
  base: string,
  kept: Array<[string, string]>,
  total: number,
  page: number,
  perPage: number,
  params: OffsetLinkParams = pagePerPage,
): string {
  const limit = perPage <= 0 ? 1 : perPage;
  const offset = page * limit;
  const lastOffset = total % limit === 0 ? total - limit : Math.floor(total / limit) * limit;
  const link = (rel: string, lim: number, off: number): string =>
    `<${withParams(base, kept, params(Math.trunc(off / lim), lim))}>; rel="${rel}"`;
  const pageOf = (off: number) => Math.trunc(off / limit);
  if (offset >= lastOffset) {
    if (total === 0)
      return [
        link('first', limit, 0),
        link('next', limit, (pageOf(offset) + 1) * limit),
        link('prev', limit, (pageOf(offset) - 1) * limit),
      ].join(',');
    if (total < limit) return link('first', total, 0);
    return [link('first', limit, 0), link('prev', limit, lastOffset - limit)].join(',');
  }
  if (offset < limit) return [link('next', limit, limit), link('last', limit, lastOffset)].join(',');
  return [
    link('first', limit, 0),
    link('next', limit, (pageOf(offset) + 1) * limit),
    link('prev', limit, (pageOf(offset) - 1) * limit),
    link('last', limit, lastOffset),
  ].join(',');
}

/** Keyset links: `first` always, `next` only when more rows exist; comma-joined without spaces. */
export function keysetLinkHeader(
  base: string,
  kept: Array<[string, string]>,
  pageSize: number,
  nextToken: string | undefined,
): string {
  const link = (rel: string, token: string) =>
    `<${withParams(base, kept, { page_size: String(pageSize), page_token: token })}>; rel="${rel}"`;
  const parts = [link('first', NIL_UUID)];
  if (nextToken !== undefined) parts.push(link('next', nextToken));
  return parts.join(',');
}

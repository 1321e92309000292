/**
 * Link headers as the two generations write them (BEHAVIOUR.md §8): ory/x `PaginationHeader` for offset
 * pages (0-based page numbers, which is off by one against v0.10's 1-based query) and the keyset links
 * of v26.
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

/** ory/x `pagination.PaginationHeader`; returns the Link value (X-Total-Count is set by the caller). */
export function offsetLinkHeader(
  base: string,
  kept: Array<[string, string]>,
  total: number,
  page: number,
  perPage: number,
): string {
  const limit = perPage <= 0 ? 1 : perPage;
  const offset = page * limit;
  const lastOffset = total % limit === 0 ? total - limit : Math.floor(total / limit) * limit;
  const link = (rel: string, lim: number, off: number): string =>
    `<${withParams(base, kept, { page: String(Math.trunc(off / lim)), per_page: String(lim) })}>; rel="${rel}"`;
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

/** v26 keyset links: `first` always, `next` only when more rows exist; comma-joined without spaces. */
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

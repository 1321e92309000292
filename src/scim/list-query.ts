import { isRecord, type JsonRecord } from './canonical.ts';
import { compileFilter, type ResourcePredicate } from './filter.ts';
import { readAttributeList } from './projection.ts';
import type { ResourceKind } from './resource-kinds.ts';
import { SEARCH_REQUEST_SCHEMA } from './schema-urns.ts';
import { badRequest } from './scim-error.ts';

/** A list request (RFC 7644 §3.4.2 query, or the body of `POST /.search`, §3.4.3), read and checked. */
export interface ListQuery {
  filterText?: string;
  filter?: ResourcePredicate;
  /** 1-based. */
  startIndex: number;
  count: number;
  include: string[][];
  exclude: string[][];
}

/** Query parameters by lower-cased name (clients differ: `startIndex`, `startindex`). */
export function readListQuery(
  kind: ResourceKind,
  params: Record<string, unknown>,
  maxResults: number,
): ListQuery {
  const get = (name: string): string | undefined => {
    const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : params[key];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) throw badRequest(`${name} is given more than once`, 'invalidValue');
    return String(value);
  };
  const filterText = get('filter');
  const attributes = get('attributes');
  const excluded = get('excludedAttributes');
  return {
    ...(filterText !== undefined && filterText.trim() !== ''
      ? { filterText, filter: compileFilter(kind, filterText) }
      : {}),
    // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1, a negative count as 0, a big one is lowered.
    startIndex: Math.max(1, integer(get('startIndex'), 'startIndex') ?? 1),
    count: Math.min(maxResults, Math.max(0, integer(get('count'), 'count') ?? maxResults)),
    include: readAttributeList(kind, attributes),
    exclude: readAttributeList(kind, excluded),
  };
}

/** The `POST /.search` body as list parameters (its attribute lists are arrays). */
export function searchParams(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw badRequest('the body must be a SearchRequest JSON object', 'invalidSyntax');
  const schemas = body.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(SEARCH_REQUEST_SCHEMA))) {
    throw badRequest(`schemas must contain ${SEARCH_REQUEST_SCHEMA}`, 'invalidSyntax');
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'schemas') continue;
    params[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return params;
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(text.trim())) throw badRequest(`${name} must be an integer`, 'invalidValue');
  return Number(text);
}

/** Stable page order: by creation time, then id (Redis hashes have no order of their own). */
export function byCreation(a: JsonRecord, b: JsonRecord): number {
  const created = (r: JsonRecord) => (isRecord(r.meta) ? String(r.meta.created ?? '') : '');
  return created(a).localeCompare(created(b)) || String(a.id).localeCompare(String(b.id));
}

import type { JsonRecord } from './canonical.ts';

/**
 * Whether two versions of a resource hold the same attributes, whatever their key order, leaving out the
 * server-owned id and meta: a PUT or PATCH that changes nothing writes nothing (Entra ID repeats itself).
 */
export function sameContent(a: JsonRecord, b: JsonRecord): boolean {
  return JSON.stringify(sorted(withoutServerFields(a))) === JSON.stringify(sorted(withoutServerFields(b)));
}

function withoutServerFields(resource: JsonRecord): JsonRecord {
  const { meta: _meta, id: _id, ...rest } = resource;
  return rest;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, sorted(record[k])]),
    );
  }
  return value;
}

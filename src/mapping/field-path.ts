import type { SourceRecord } from '../sources/types.ts';

/**
 * Reads a dotted path (`employee_id`, `ids.hr`) from a record. Own properties only: a field called
 * `constructor` or `__proto__` must not resolve to something inherited from Object.prototype.
 */
export function readDottedPath(record: SourceRecord, segments: readonly string[]): unknown {
  let node: unknown = record;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** A record key as kratos-sync uses it: a trimmed string (numbers are stringified); undefined when empty. */
export function normalizeKey(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * The value at a dotted path (`data.employees`, `paging.next.after`) of a parsed JSON body; the body itself
 * for the empty path. Undefined as soon as a step is missing or not an object.
 */
export function readDottedPath(body: unknown, path: string): unknown {
  if (path === '') return body;
  let value = body;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** A short name for a JSON value's type, for error messages (never the value: it may be personal data). */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

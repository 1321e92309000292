/**
 * Field-level comparison of JSON values with the semantics Kratos gives them:
 * - a property whose value is `undefined` does not exist (JSON has no undefined);
 * - object key order never matters, array order always does;
 * - at the top of `metadata_public` / `metadata_admin`, `null`, missing and `{}` all mean "no metadata"
 *   (Kratos returns null or leaves the field out depending on how the identity was loaded).
 */

/** A changed field as path segments, e.g. `['traits', 'name', 'last']`. */
export type FieldPath = readonly string[];

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `segments` inside `value`, or undefined where the path leaves plain objects. */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let node = value;
  for (const segment of segments) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

/** Deep equality of JSON values (undefined properties count as absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let aCount = 0;
  for (const key in ao) {
    const av = ao[key];
    if (av === undefined) continue;
    aCount++;
    if (!jsonEqual(av, bo[key])) return false;
  }
  let bCount = 0;
  for (const key in bo) if (bo[key] !== undefined) bCount++;
  return aCount === bCount;
}

/**
 * Paths where `target` differs from `current`, depth-first. Both sides being objects means "look inside";
 * anything else that differs is one changed path (arrays are compared whole: an element's position is not a
 * stable identity, and Kratos writes arrays whole anyway).
 */
export function diffPaths(current: unknown, target: unknown, prefix: string[], out: string[][]): void {
  // Most people are unchanged: one allocation-free equality walk settles them.
  if (jsonEqual(current, target)) return;
  if (isPlainObject(current) && isPlainObject(target)) {
    for (const key of unionKeys(current, target)) {
      diffPaths(current[key], target[key], [...prefix, key], out);
    }
    return;
  }
  out.push(prefix);
}

/**
 * Like `diffPaths` for a top-level metadata field: null, missing and `{}` are equal; when one side has no
 * metadata at all the whole field is the change (a JSON Patch cannot add `/metadata_public/x` under null).
 */
export function diffMetadata(current: unknown, target: unknown, field: string, out: string[][]): void {
  const currentEmpty = isEmptyMetadata(current);
  const targetEmpty = isEmptyMetadata(target);
  if (currentEmpty && targetEmpty) return;
  if (currentEmpty || targetEmpty || !isPlainObject(current)) {
    out.push([field]);
    return;
  }
  diffPaths(current, target, [field], out);
}

function isEmptyMetadata(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (!isPlainObject(value)) return false;
  for (const key in value) if (value[key] !== undefined) return false;
  return true;
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const key in a) if (a[key] !== undefined) keys.push(key);
  for (const key in b) if (b[key] !== undefined && a[key] === undefined) keys.push(key);
  return keys.sort();
}

/** A path for humans and audit records: `traits.name.last`. */
export function formatPath(path: FieldPath): string {
  return path.join('.');
}

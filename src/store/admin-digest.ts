import { createHash } from 'node:crypto';

/**
 * SHA-256 of a JSON value written canonically (object keys sorted, undefined members dropped), so two equal
 * `metadata_admin` objects give the same digest whatever their key order. `null`, missing and `{}` are the
 * same "no metadata" to Kratos, and digest alike.
 */
export function adminDigest(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(isEmpty(value) ? {} : value))
    .digest('base64url');
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  return (
    typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => v === undefined)
  );
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}

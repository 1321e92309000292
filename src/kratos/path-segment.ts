/**
 * Why a value cannot be one segment of a Kratos admin URL, or undefined when it can. `.` and `..` are
 * dot-segments, which URL resolution removes (RFC 3986 §5.2.4) and Go's router cleans away, so
 * `/admin/identities/by/external/..` would reach `/admin/identities/by`. A `/` stays a separator even when
 * encoded: Kratos' router (julienschmidt/httprouter) matches the decoded `URL.Path`, where `%2F` is `/`.
 * Encoding cannot save any of them, so they are refused.
 */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '.' || value === '..') return `"${value}" cannot be a URL path segment (a dot-segment)`;
  if (value.includes('/')) return 'contains "/", so it cannot be a single URL path segment';
  return undefined;
}

/**
 * Orders two source versions (`mapping.version`): -1 when `a` is older than `b`, 0 when equal, 1 when newer.
 * Versions are what the source offers — a counter, an ISO timestamp, an opaque string — so the comparison
 * picks the reading both sides support: numbers numerically, dates by instant (so `…Z` and `…+00:00` of
 * the same moment are equal), anything else as plain strings (which also orders zero-padded counters).
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (NUMBER.test(a) && NUMBER.test(b)) return sign(Number(a) - Number(b));
  if (DATE_LIKE.test(a) && DATE_LIKE.test(b)) {
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    if (!Number.isNaN(ta) && !Number.isNaN(tb)) return sign(ta - tb);
  }
  return a < b ? -1 : 1;
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

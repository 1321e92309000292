/**
 * A JSON array of objects parsed one item at a time. A list page of 500–1 000 identities is ~0.5–1 MB
 * of text: parsed whole, every page is first one large string, which V8 allocates outside the young
 * generation and frees only in a full collection — a scan of 100 000 identities grew the heap by ~190 MB of
 * dead page text. Parsed item by item, each item's text is small and dies young.
 *
 * Items are cut where `},{` occurs (the way every JSON encoder separates objects in an array without
 * spaces) and each cut is confirmed by parsing it: text that parses as one complete JSON value from an
 * item's start is exactly that item, because where a JSON value ends is fixed by its beginning. A cut that
 * does not parse (the three bytes were inside a string or a nested array) is widened to the next one.
 *
 * Returns null when `body` is not such an array (spaces between items, not an array, malformed): the caller
 * then parses it whole, so a malformed body fails exactly as before, with the same error.
 */
export function parseJsonArrayItems(body: Buffer): unknown[] | null {
  let last = body.length - 1;
  while (last > 0 && isSpace(body[last]!)) last--;
  let first = 0;
  while (first < last && isSpace(body[first]!)) first++;
  if (body[first] !== OPEN_ARRAY || body[last] !== CLOSE_ARRAY) return null;
  const items: unknown[] = [];
  const start = first + 1;
  if (start === last) return items;
  if (body[start] !== OPEN_OBJECT) return null;
  let itemStart = start;
  let from = start;
  let widened = 0;
  for (;;) {
    const cut = body.indexOf(SEPARATOR, from);
    // The last item ends at the array's closing bracket.
    const itemStop = cut < 0 || cut >= last ? last : cut + 1;
    const item = tryParse(body, itemStart, itemStop);
    if (item !== undefined) {
      items.push(item);
      if (itemStop === last) return items;
      itemStart = itemStop + 1;
      from = itemStart;
      widened = 0;
    } else {
      // A malformed item would be re-parsed at every later cut: give up early and let the caller parse whole.
      if (itemStop === last || ++widened > MAX_WIDENINGS) return null;
      from = cut + 1;
    }
  }
}

const SEPARATOR = Buffer.from('},{');
/** Nested objects in arrays (an identity's addresses) give a few false cuts per item, never dozens. */
const MAX_WIDENINGS = 32;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;

function tryParse(body: Buffer, start: number, stop: number): unknown {
  try {
    return JSON.parse(body.toString('utf8', start, stop)) as unknown;
  } catch {
    return undefined;
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

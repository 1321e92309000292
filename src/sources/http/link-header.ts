/**
 * The `rel="next"` target of an RFC 8288 `Link` header (GitHub-, Shopify- and Okta-style paging), resolved
 * against the URL of the page it came with. Undefined on the last page.
 */
export function nextLink(header: string | string[] | undefined, base: URL): URL | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return undefined;
  for (const match of text.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) return new URL(match[1]!, base);
  }
  return undefined;
}

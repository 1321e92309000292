/**
 * The target of `rel="next"` in an RFC 8288 Link header, or undefined. Kratos (v1.1+) joins entries with `,`
 * and no space: `</admin/identities?page_size=250&page_token=…>; rel="first",</…>; rel="next"`.
 * Query values are URL-encoded, so a `,` never appears inside the `<…>` part.
 */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  for (const match of text.matchAll(/<([^>]*)>([^,]*)/g)) {
    const params = match[2] ?? '';
    if (/;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(params)) return match[1];
  }
  return undefined;
}

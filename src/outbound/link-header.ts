import LinkHeader from 'http-link-header';

/**
 * The target of `rel="next"` in an RFC 8288 `Link` header, exactly as written (often relative: the caller
 * resolves it against the URL it asked), or undefined on the last page. Parsed by `http-link-header`, which
 * follows RFC 8288: quoted parameters (a `,` inside `title="…"`), several relation types in one `rel`
 * (`rel="next prefetch"`), any case, entries joined with or without a space (Kratos writes `,` alone).
 *
 * A header that does not parse reads as "no next page", as the hand-written parsers it replaces did.
 */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return undefined;
  let parsed: LinkHeader;
  try {
    parsed = LinkHeader.parse(text);
  } catch {
    return undefined;
  }
  return parsed.rel('next')[0]?.uri;
}

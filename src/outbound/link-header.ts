import LinkHeader from 'http-link-header';

/**
 * A `Link` header that is present but cannot be used to find the next page. The message says what is wrong
 * and never repeats the header or its URLs: paging links often carry tokens in their query. Callers add
 * which system and which page sent it.
 */
export class LinkHeaderError extends Error {
  override name = 'LinkHeaderError';
}

/** Any http(s) base: only used to tell whether a relative target resolves to a usable URL. */
const PROBE_BASE = 'http://link-header.invalid/';

/**
 * The target of `rel="next"` in an RFC 8288 `Link` header, exactly as written (often relative: the caller
 * resolves it against the URL it asked), or undefined on the last page (no header, an empty one, or one
 * without a `next` link). Parsed by `http-link-header`, which follows RFC 8288: quoted parameters (a `,`
 * inside `title="…"`), several relation types in one `rel` (`rel="next prefetch"`), any case, entries joined
 * with or without a space (Kratos writes `,` alone).
 *
 * A header that is there but does not parse, a link without a relation type (RFC 8288 section 3.3: `rel`
 * MUST be present), or a `next` target that is not an http(s) URL throws LinkHeaderError. Reading such a
 * header as "last page" would end a list early, and a list cut short makes present people look absent.
 */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: LinkHeader;
  try {
    parsed = LinkHeader.parse(text);
  } catch (err) {
    // The parser names a character and an offset, never a whole URL.
    throw new LinkHeaderError(`the Link header does not parse as RFC 8288: ${(err as Error).message}`);
  }
  const withoutRel = parsed.refs.findIndex((ref) => typeof ref.rel !== 'string' || ref.rel.trim() === '');
  if (withoutRel >= 0) {
    throw new LinkHeaderError(`the Link header's link ${withoutRel + 1} has no rel (relation type)`);
  }
  const next = parsed.rel('next')[0]?.uri;
  if (next !== undefined) checkUsable(next);
  return next;
}

function checkUsable(target: string): void {
  if (target.trim() === '') throw new LinkHeaderError('the Link header\'s rel="next" target is empty');
  let url: URL;
  try {
    url = new URL(target, PROBE_BASE);
  } catch {
    throw new LinkHeaderError('the Link header\'s rel="next" target is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LinkHeaderError('the Link header\'s rel="next" target is not an http or https URL');
  }
}

import { LinkHeaderError, nextLink } from '../outbound/link-header.ts';
import { refused } from './context.ts';

/**
 * The `rel="next"` target of a keyset page's Link header, or undefined on the last page. A header that is
 * there but cannot be used fails the read (SYNC_ERR_KRATOS_REJECTED) naming the operation and the page, never
 * the link itself: it carries the page token.
 */
export function readNextLink(
  operation: string,
  header: string | string[] | undefined,
  pageNumber: number,
): string | undefined {
  try {
    return nextLink(header);
  } catch (err) {
    if (err instanceof LinkHeaderError) throw refused(operation, `page ${pageNumber}: ${err.message}`);
    throw err;
  }
}

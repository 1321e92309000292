import type { HttpJsonConnection } from '../../config/sections/source.ts';
import { LinkHeaderError, nextLink } from '../../outbound/link-header.ts';
import { SourceError } from '../types.ts';
import { jsonTypeOf, readDottedPath } from './dotted-path.ts';
import type { JsonClient, JsonResponse } from './fetch-json.ts';

type Pagination = HttpJsonConnection['pagination'];

export interface WalkPagesOptions {
  sourceName: string;
  client: JsonClient;
  /** The collection URL (its own query parameters are kept). */
  url: URL;
  pagination: Pagination;
  itemsPath: string;
  /** JSON to POST for every page (report and search endpoints that read with POST); GET when undefined. */
  body?: unknown;
}

export interface Page {
  /** 1-based count of pages read. */
  number: number;
  items: unknown[];
}

interface PageState {
  number: number;
  url: URL;
  response: JsonResponse;
  items: unknown[];
}

/**
 * Every page of a paginated collection, in order. When to stop, per style:
 * - page / offset: on an empty page, or on a page shorter than the longest seen so far. Not on "shorter than
 *   the size we asked for": many APIs cap the page size silently, and stopping there would drop people.
 * - cursor: when the cursor at `cursorPath` is missing, null or empty. A cursor that is an absolute URL is
 *   followed as the next URL (HubSpot's `paging.next.link`); one that does not parse ends the read with
 *   SourceError.
 * - link-header: when there is no `Link` header or it has no `rel="next"` link. A header that does not
 *   parse, or whose next link is not a usable URL, ends the read with SourceError: read as "last page" it
 *   would cut the list short, and the people on the missing pages would look gone.
 * An API that repeats itself (same cursor, same link, or a page identical to the one before because it
 * ignores our page parameter) ends the read with SourceError rather than looping or yielding duplicates.
 */
export async function* walkPages(options: WalkPagesOptions, signal?: AbortSignal): AsyncGenerator<Page> {
  const seenUrls = new Set<string>();
  let longest = 0;
  let previousFirst: string | undefined;
  let url: URL | undefined = firstUrl(options.url, options.pagination);
  for (let number = 1; url !== undefined; number++) {
    if (seenUrls.has(url.href)) throw repeating(options, number, 'a next page it already served');
    seenUrls.add(url.href);
    const response = (await options.client.get(url, {
      signal,
      what: `page ${number}`,
      ...(options.body === undefined ? {} : { body: options.body }),
    }))!;
    const items = readItems(options, response.body, number);
    // Compare pages by their first item: a page/offset API that ignores our parameter serves page 1 again.
    const first = items.length > 0 ? JSON.stringify(items[0]) : undefined;
    if (first !== undefined && first === previousFirst)
      throw repeating(options, number, 'the same page twice');
    previousFirst = first;
    yield { number, items };

    longest = Math.max(longest, items.length);
    url = nextUrl(options, { number, url, response, items }, longest);
  }
}

function firstUrl(base: URL, pagination: Pagination): URL {
  switch (pagination.type) {
    case 'page':
      return withParams(base, {
        [pagination.pageParam]: pagination.firstPage,
        [pagination.sizeParam]: pagination.size,
      });
    case 'offset':
      return withParams(base, { [pagination.offsetParam]: 0, [pagination.limitParam]: pagination.limit });
    case 'cursor':
      return pagination.limit === undefined
        ? base
        : withParams(base, { [pagination.limitParam]: pagination.limit });
    default:
      return base;
  }
}

function nextUrl(options: WalkPagesOptions, page: PageState, longest: number): URL | undefined {
  const { pagination } = options;
  const exhausted = page.items.length === 0 || page.items.length < longest;
  switch (pagination.type) {
    case 'none':
      return undefined;
    case 'page': {
      if (exhausted) return undefined;
      const current = Number(page.url.searchParams.get(pagination.pageParam));
      return withParams(page.url, { [pagination.pageParam]: current + 1 });
    }
    case 'offset': {
      if (exhausted) return undefined;
      const current = Number(page.url.searchParams.get(pagination.offsetParam));
      return withParams(page.url, { [pagination.offsetParam]: current + page.items.length });
    }
    case 'cursor': {
      const cursor = readDottedPath(page.response.body, pagination.cursorPath);
      if (cursor === undefined || cursor === null || cursor === '') return undefined;
      if (typeof cursor !== 'string' && typeof cursor !== 'number') {
        throw new SourceError(
          `${options.sourceName}: page ${page.number}: expected a string cursor at cursorPath ` +
            `"${pagination.cursorPath}", found ${jsonTypeOf(cursor)}`,
          { transient: false },
        );
      }
      const text = String(cursor);
      if (/^https?:\/\//i.test(text)) {
        // Not `new URL`: its error carries the whole text in `input` (logged), and paging URLs carry tokens.
        const url = URL.parse(text);
        if (url) return url;
        throw new SourceError(
          `${options.sourceName}: page ${page.number}: the cursor at cursorPath "${pagination.cursorPath}" ` +
            'starts like an http(s) URL but is not a valid one',
          { transient: false },
        );
      }
      return withParams(firstUrl(options.url, pagination), { [pagination.cursorParam]: text });
    }
    case 'link-header': {
      const next = linkHeaderNext(options, page);
      return next === undefined ? undefined : new URL(next, page.url);
    }
  }
}

function linkHeaderNext(options: WalkPagesOptions, page: PageState): string | undefined {
  try {
    return nextLink(page.response.headers.link);
  } catch (err) {
    if (!(err instanceof LinkHeaderError)) throw err;
    // Not transient: the same API answers the same way on a retry, so this needs a person to look.
    throw new SourceError(`${options.sourceName}: page ${page.number}: ${err.message}`, {
      cause: err,
      transient: false,
    });
  }
}

function readItems(options: WalkPagesOptions, body: unknown, number: number): unknown[] {
  const items = readDottedPath(body, options.itemsPath);
  if (Array.isArray(items)) return items;
  const at = options.itemsPath === '' ? 'the top level' : `itemsPath "${options.itemsPath}"`;
  throw new SourceError(
    `${options.sourceName}: page ${number}: expected an array of records at ${at}, found ${jsonTypeOf(items)}`,
    { transient: false },
  );
}

function withParams(base: URL, params: Record<string, string | number>): URL {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  return url;
}

function repeating(options: WalkPagesOptions, number: number, what: string): SourceError {
  return new SourceError(
    `${options.sourceName}: page ${number}: the API served ${what}; check the pagination settings ` +
      `(type "${options.pagination.type}") against the API's documentation`,
    { transient: false },
  );
}

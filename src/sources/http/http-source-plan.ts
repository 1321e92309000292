import type { HttpJsonConnection } from '../../config/sections/source.ts';
import { SourceError, type SourceRecord } from '../types.ts';
import type { HttpAuth } from './auth-headers.ts';

export type Pagination = HttpJsonConnection['pagination'];

/** One request for one record, and where the record sits in the answer. */
export interface ItemRequest {
  url: URL;
  /** JSON to POST (a search endpoint); a GET when undefined. */
  body?: unknown;
  /** Dotted path of the record; empty for the whole body. An array there holds zero or one record. */
  itemPath: string;
}

/**
 * Everything an HTTP source needs to read one system, decided once at start-up: from the generic
 * `http-json` options (`genericPlan`) or from a vendor preset (`src/sources/presets`).
 */
export interface HttpSourcePlan {
  /** The collection: its first URL, how it pages, where the items are, and a POST body if it reads by POST. */
  list: { url: URL; body?: unknown; pagination: Pagination; itemsPath: string };
  /** One record by key; the collection is scanned for the key when undefined. */
  one?: (key: string) => ItemRequest;
  auth: HttpAuth;
  /** Where the auth options live in the config, for messages. */
  authOption: string;
  timeoutMs: number;
  retries: number;
  /** Turns a vendor's item into the record that mappings read; the item itself when undefined. */
  toRecord?: (item: SourceRecord) => SourceRecord;
  /** How long a 429/503 without Retry-After asks us to wait, from the vendor's own rate-limit headers. */
  rateLimitWaitMs?: (headers: Record<string, string | string[] | undefined>, now: Date) => number | undefined;
  /** What to tell an operator per refused status. */
  statusAdvice?: Partial<Record<number, string>>;
  /** What to tell an operator when the host does not resolve. */
  hostNotFoundAdvice?: string;
}

/** The plan for the generic `http-json` source: everything comes from its options. */
export function genericPlan(connection: HttpJsonConnection): HttpSourcePlan {
  const url = new URL(connection.url);
  const { itemUrl } = connection;
  return {
    list: { url, pagination: connection.pagination, itemsPath: connection.itemsPath },
    ...(itemUrl === undefined
      ? {}
      : {
          one: (key: string) => ({
            url: itemUrlFor(itemUrl, url, key),
            itemPath: connection.itemPath,
          }),
        }),
    auth: connection.auth,
    authOption: 'connection.auth',
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
  };
}

/**
 * Refuses a key that cannot be one URL path segment, before any plan's `one` builds its URL (itemUrl and the
 * presets alike): URL parsing resolves "." and ".." (even encoded) as path steps, so such a key would read
 * another resource.
 */
export function checkItemKey(sourceName: string, key: string): void {
  if (key === '' || key === '.' || key === '..') {
    throw new SourceError(`${sourceName}: "${key}" is not a usable record key for a single-record URL`, {
      transient: false,
    });
  }
}

/** `template` with `{key}` replaced by the URL-encoded key, resolved against `base`. */
function itemUrlFor(template: string, base: URL, key: string): URL {
  return new URL(template.replaceAll('{key}', encodeURIComponent(key)), base);
}

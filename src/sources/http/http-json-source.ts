import type { Dispatcher } from 'undici';
import type { HttpJsonConnection } from '../../config/sections/source.ts';
import type { Logger } from '../../log/logger.ts';
import { findByScan } from '../find-by-scan.ts';
import { badRow } from '../record-meta.ts';
import { SourceError, type Source, type SourceRecord } from '../types.ts';
import { authHeaders } from './auth-headers.ts';
import { jsonTypeOf, readDottedPath } from './dotted-path.ts';
import { createJsonClient, type JsonClient, type RetryTiming } from './fetch-json.ts';
import { walkPages } from './walk-pages.ts';

export interface HttpJsonSourceOptions {
  name: string;
  connection: HttpJsonConnection;
  keyOf: (record: SourceRecord) => string | undefined;
  logger: Logger;
  now: () => Date;
  retryTiming?: Partial<RetryTiming>;
  dispatcher?: Dispatcher;
}

/**
 * A generic REST source (BambooHR, HiBob, Personio, HubSpot and the like): the items of every page of a
 * collection, as the API sends them (JSON objects, untouched). An item that is not an object is yielded as a
 * bad row (`not-an-object`). A page that fails after retries, a body that is not JSON, or no array at
 * `itemsPath` throws SourceError from the iterator: the snapshot is incomplete.
 *
 * `fetchOne` GETs `itemUrl` (`{key}` replaced, URL-encoded) when configured: 404 means absent (null); the
 * record is at `itemPath` — an object, or an array of zero (absent) or one records (search endpoints).
 * Without `itemUrl` it reads the collection until the key turns up.
 */
export function createHttpJsonSource(options: HttpJsonSourceOptions): Source {
  const { connection } = options;
  const url = new URL(connection.url);
  const client = createJsonClient({
    sourceName: options.name,
    origin: url.origin,
    headers: () => ({ accept: 'application/json', ...authHeaders(connection.auth) }),
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    timing: options.retryTiming,
    now: options.now,
    logger: options.logger,
    dispatcher: options.dispatcher,
  });
  const stream = (signal?: AbortSignal) => readRecords(options, client, url, signal);
  return {
    name: options.name,
    stream,
    fetchOne: (key, signal) =>
      connection.itemUrl === undefined
        ? findByScan(stream(signal), options.keyOf, key)
        : fetchItem(options, client, itemUrlFor(options.name, connection.itemUrl, url, key), signal),
  };
}

async function* readRecords(
  options: HttpJsonSourceOptions,
  client: JsonClient,
  url: URL,
  signal?: AbortSignal,
): AsyncGenerator<SourceRecord> {
  const { pagination, itemsPath } = options.connection;
  for await (const page of walkPages(
    { sourceName: options.name, client, url, pagination, itemsPath },
    signal,
  )) {
    for (const [index, item] of page.items.entries()) {
      if (isRecord(item)) {
        yield item;
      } else {
        yield badRow({
          rule: 'not-an-object',
          message: `${options.name}: page ${page.number}, item ${index + 1}: expected a JSON object, found ${jsonTypeOf(item)}`,
        });
      }
    }
  }
}

async function fetchItem(
  options: HttpJsonSourceOptions,
  client: JsonClient,
  url: URL,
  signal?: AbortSignal,
): Promise<SourceRecord | null> {
  const response = await client.get(url, { signal, notFoundIsNull: true, what: 'one record' });
  if (response === null) return null;
  const { itemPath } = options.connection;
  const item = readDottedPath(response.body, itemPath);
  if (Array.isArray(item) && item.length <= 1) return item.length === 0 ? null : asRecord(options, item[0]);
  return asRecord(options, item);
}

function asRecord(options: HttpJsonSourceOptions, item: unknown): SourceRecord {
  if (isRecord(item)) return item;
  // Strict on purpose: reading "absent" from a misconfigured itemPath would offboard the person.
  const at =
    options.connection.itemPath === '' ? 'the top level' : `itemPath "${options.connection.itemPath}"`;
  throw new SourceError(
    `${options.name}: expected one record (a JSON object) at ${at} of the itemUrl response, found ${jsonTypeOf(item)}`,
    { transient: false },
  );
}

function itemUrlFor(sourceName: string, template: string, base: URL, key: string): URL {
  // URL parsing resolves "." and ".." (even encoded) as path steps: such a key would read another resource.
  if (key === '' || key === '.' || key === '..') {
    throw new SourceError(`${sourceName}: "${key}" is not a usable record key for itemUrl`, {
      transient: false,
    });
  }
  return new URL(template.replaceAll('{key}', encodeURIComponent(key)), base);
}

function isRecord(value: unknown): value is SourceRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

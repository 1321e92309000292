import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { findByScan } from '../find-by-scan.ts';
import { badRow } from '../record-meta.ts';
import { SourceError, type Source, type SourceRecord } from '../types.ts';
import { jsonTypeOf, readDottedPath } from './dotted-path.ts';
import { createJsonClient, type JsonClient, type RetryTiming } from './fetch-json.ts';
import { checkItemKey, type HttpSourcePlan, type ItemRequest } from './http-source-plan.ts';
import { createRequestAuth } from './request-auth.ts';
import { walkPages } from './walk-pages.ts';

export interface HttpJsonSourceOptions {
  name: string;
  /** What to read and how: `genericPlan(connection)` or a preset's plan. */
  plan: HttpSourcePlan;
  keyOf: (record: SourceRecord) => string | undefined;
  logger: Logger;
  now: () => Date;
  retryTiming?: Partial<RetryTiming>;
  dispatcher?: Dispatcher;
}

/**
 * A generic REST source (and, through presets, BambooHR, HiBob, Personio, Workday and HubSpot): the items of
 * every page of a collection, as the API sends them (JSON objects, untouched unless the plan has a
 * `toRecord`). An item that is not an object is yielded as a bad row (`not-an-object`). A page that fails
 * after retries, a body that is not JSON, or no array at `itemsPath` throws SourceError from the iterator:
 * the snapshot is incomplete.
 *
 * `fetchOne` sends the plan's single-record request when it has one: 404 means absent (null); the record is
 * at `itemPath` — an object, or an array of zero (absent) or one records (search endpoints). Without one it
 * reads the collection until the key turns up.
 */
export function createHttpJsonSource(options: HttpJsonSourceOptions): Source {
  const { plan } = options;
  const auth = createRequestAuth(plan.auth, {
    option: plan.authOption,
    timeoutMs: plan.timeoutMs,
    now: options.now,
    dispatcher: options.dispatcher,
  });
  const client = createJsonClient({
    sourceName: options.name,
    origin: plan.list.url.origin,
    headers: async (signal) => ({ accept: 'application/json', ...(await auth.headers(signal)) }),
    renewCredentials: auth.renew,
    rateLimitWaitMs: plan.rateLimitWaitMs,
    statusAdvice: plan.statusAdvice,
    hostNotFoundAdvice: plan.hostNotFoundAdvice,
    timeoutMs: plan.timeoutMs,
    retries: plan.retries,
    timing: options.retryTiming,
    now: options.now,
    logger: options.logger,
    dispatcher: options.dispatcher,
  });
  const stream = (signal?: AbortSignal) => readRecords(options, client, signal);
  return {
    name: options.name,
    stream,
    fetchOne: async (key, signal) => {
      if (plan.one === undefined) return await findByScan(stream(signal), options.keyOf, key);
      checkItemKey(options.name, key);
      return await fetchItem(options, client, plan.one(key), signal);
    },
  };
}

async function* readRecords(
  options: HttpJsonSourceOptions,
  client: JsonClient,
  signal?: AbortSignal,
): AsyncGenerator<SourceRecord> {
  const { list, toRecord } = options.plan;
  for await (const page of walkPages({ sourceName: options.name, client, ...list }, signal)) {
    for (const [index, item] of page.items.entries()) {
      if (isRecord(item)) {
        yield toRecord ? toRecord(item) : item;
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
  request: ItemRequest,
  signal?: AbortSignal,
): Promise<SourceRecord | null> {
  const response = await client.get(request.url, {
    signal,
    notFoundIsNull: true,
    what: 'one record',
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  if (response === null) return null;
  const item = readDottedPath(response.body, request.itemPath);
  if (Array.isArray(item) && item.length <= 1)
    return item.length === 0 ? null : asRecord(options, request, item[0]);
  return asRecord(options, request, item);
}

function asRecord(options: HttpJsonSourceOptions, request: ItemRequest, item: unknown): SourceRecord {
  if (isRecord(item)) return options.plan.toRecord ? options.plan.toRecord(item) : item;
  // Strict on purpose: reading "absent" from a misconfigured itemPath would offboard the person.
  const at = request.itemPath === '' ? 'the top level' : `itemPath "${request.itemPath}"`;
  throw new SourceError(
    `${options.name}: expected one record (a JSON object) at ${at} of the itemUrl response, found ${jsonTypeOf(item)}`,
    { transient: false },
  );
}

function isRecord(value: unknown): value is SourceRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { Dispatcher } from 'undici';
import type { ScimConnection } from '../../config/sections/source.ts';
import type { Logger } from '../../log/logger.ts';
import { createJsonClient, type JsonClient, type RetryTiming } from '../http/fetch-json.ts';
import { badRow, safeKeyOf } from '../record-meta.ts';
import { SourceError, type Source, type SourceRecord } from '../types.ts';
import { ENTERPRISE_USER_SCHEMA, flattenScimUser } from './flatten-scim-user.ts';
import { parseListResponse, scimString } from './scim-list-response.ts';

export interface ScimSourceOptions {
  name: string;
  connection: ScimConnection;
  keyOf: (record: SourceRecord) => string | undefined;
  logger: Logger;
  now: () => Date;
  retryTiming?: Partial<RetryTiming>;
  dispatcher?: Dispatcher;
}

interface ScimContext extends ScimSourceOptions {
  client: JsonClient;
  usersUrl: URL;
}

const FILTER_ATTRIBUTE: Record<ScimConnection['keyAttribute'], string> = {
  id: 'id',
  externalId: 'externalId',
  userName: 'userName',
  employeeNumber: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`,
};

/**
 * A client of a SCIM 2.0 directory's `/Users` (Okta, Entra ID, JumpCloud, …): records are Users flattened
 * by `flattenScimUser` (its doc lists the shape). Reads page by `startIndex`/`count` until `totalResults`,
 * advancing by what each page really held (servers may return fewer than `count`) and reading the latest
 * `totalResults` each time (it moves while users are added or removed).
 *
 * Offset paging races with changes: a removal while we read shifts a later user onto a page already read.
 * So the read throws a transient SourceError (retried later) when it ends with fewer distinct users than
 * the directory reports, or when `totalResults` dropped during the read; users seen twice (an insertion
 * shifted them) are yielded once.
 *
 * `fetchOne(key)` reads by `connection.keyAttribute`: `GET /Users/{id}` for `id` (404 → null), otherwise
 * — and whenever a `filter` is configured, so lookups see the same population as reads — a filter
 * `(<filter>) and <attribute> eq "<key>"`: no match → null, two → SourceError.
 */
export function createScimSource(options: ScimSourceOptions): Source {
  const { connection } = options;
  const base = connection.baseUrl.endsWith('/') ? connection.baseUrl : `${connection.baseUrl}/`;
  const usersUrl = new URL('Users', base);
  const client = createJsonClient({
    sourceName: options.name,
    origin: usersUrl.origin,
    headers: () => ({
      accept: 'application/scim+json, application/json;q=0.9',
      ...(connection.token ? { authorization: `Bearer ${connection.token.reveal()}` } : {}),
    }),
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    timing: options.retryTiming,
    now: options.now,
    logger: options.logger,
    dispatcher: options.dispatcher,
  });
  const context: ScimContext = { ...options, client, usersUrl };
  return {
    name: options.name,
    stream: (signal) => readUsers(context, signal),
    fetchOne: (key, signal) => fetchUser(context, key, signal),
  };
}

async function* readUsers(context: ScimContext, signal?: AbortSignal): AsyncGenerator<SourceRecord> {
  const { connection, name } = context;
  const seen = new Set<string>();
  let bad = 0;
  let startIndex = 1;
  let firstTotal: number | undefined;
  let total: number;
  for (let page = 1; ; page++) {
    const url = listUrl(context, { startIndex, count: connection.pageSize, filter: connection.filter });
    const what = `page ${page}`;
    const response = (await context.client.get(url, { signal, what }))!;
    const list = parseListResponse(response.body, name, what);
    total = list.totalResults;
    firstTotal ??= total;
    let fresh = 0;
    for (const resource of list.resources) {
      const flat = flattenScimUser(resource);
      if (!flat.ok) {
        bad++;
        fresh++;
        yield badRow({
          ...flat.problem,
          message: `${name}: ${what}, startIndex ${startIndex}: ${flat.problem.message}`,
        });
      } else if (!seen.has(flat.record.id)) {
        seen.add(flat.record.id);
        fresh++;
        yield flat.record;
      }
    }
    if (list.resources.length > 0 && fresh === 0) {
      throw new SourceError(
        `${name}: ${what}: the server served only users already read ` +
          '(it ignores startIndex, or many users were added during the read)',
        { transient: true },
      );
    }
    startIndex += list.resources.length;
    if (list.resources.length === 0 || startIndex > total) break;
  }
  // Users added during the read may be missed (they are new: the next run creates them); users removed
  // may hide others (a miss would read as "left"), and so does a server that stops early.
  const expected = Math.min(total, firstTotal);
  if (seen.size + bad < expected || total < firstTotal) {
    throw new SourceError(
      `${name}: read ${seen.size + bad} users but the directory reports ${total}` +
        (total < firstTotal ? ` (down from ${firstTotal} while paging)` : '') +
        ': users were removed during the read or the server stopped early; the read is incomplete',
      { transient: true },
    );
  }
}

async function fetchUser(
  context: ScimContext,
  key: string,
  signal?: AbortSignal,
): Promise<SourceRecord | null> {
  const { connection, name } = context;
  let resource: unknown;
  if (connection.keyAttribute === 'id' && connection.filter === undefined) {
    if (key === '' || key === '.' || key === '..') {
      // URL parsing resolves "." and ".." (even encoded) as path steps: such a key would read another resource.
      throw new SourceError(`${name}: "${key}" is not a usable user id`, { transient: false });
    }
    const response = await context.client.get(new URL(encodeURIComponent(key), `${context.usersUrl.href}/`), {
      signal,
      notFoundIsNull: true,
      what: 'one user',
    });
    if (response === null) return null;
    resource = response.body;
  } else {
    const byKey = `${FILTER_ATTRIBUTE[connection.keyAttribute]} eq ${scimString(key)}`;
    const filter = connection.filter === undefined ? byKey : `(${connection.filter}) and ${byKey}`;
    const what = `lookup by ${connection.keyAttribute}`;
    const response = (await context.client.get(listUrl(context, { startIndex: 1, count: 2, filter }), {
      signal,
      what,
    }))!;
    const { resources } = parseListResponse(response.body, name, what);
    if (resources.length === 0) return null;
    if (resources.length > 1) {
      throw new SourceError(`${name}: ${resources.length} users have ${connection.keyAttribute} "${key}"`, {
        transient: false,
      });
    }
    resource = resources[0];
  }
  const flat = flattenScimUser(resource);
  if (!flat.ok)
    throw new SourceError(`${name}: user "${key}": ${flat.problem.message}`, { transient: false });
  if (safeKeyOf(context.keyOf, flat.record) !== key) {
    // Otherwise every lookup would miss, and a miss reads as "this person left".
    throw new SourceError(
      `${name}: the user found by ${connection.keyAttribute} "${key}" has another key under mapping.key; ` +
        `set connection.keyAttribute to the attribute mapping.key reads`,
      { transient: false },
    );
  }
  return flat.record;
}

function listUrl(context: ScimContext, params: { startIndex: number; count: number; filter?: string }): URL {
  const url = new URL(context.usersUrl);
  url.searchParams.set('startIndex', String(params.startIndex));
  url.searchParams.set('count', String(params.count));
  if (params.filter !== undefined) url.searchParams.set('filter', params.filter);
  return url;
}

import type { IncomingHttpHeaders } from 'node:http';
import { boundRemoteText } from '../config/remote-text.ts';
import type { KratosConfig } from '../config/sections/kratos.ts';
import { createConnectionPool } from './connection-pool.ts';
import { KratosError, type KratosErrorEnvelope } from './errors.ts';
import { parseJsonArrayItems } from './json-array-items.ts';
import { PreparedJson } from './prepared-json.ts';
import { parseRetryAfterMs } from './retry-after.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One HTTP exchange with Kratos, before retries. */
export interface KratosRequest {
  /** Client operation name: counted, and named in errors. */
  operation: string;
  method: HttpMethod;
  /** Path from the API root (`/admin/identities`, `/schemas`), with its query string. */
  path: string;
  /** Sent as JSON (serialised once; a `PreparedJson` is sent as it was serialised). */
  body?: unknown;
  /** Statuses returned to the caller; any other status throws a `KratosError`. */
  accept: readonly number[];
  /** Which base URL: the admin API (default) or the public API. */
  api?: 'admin' | 'public';
  /** Follow 3xx redirects (Kratos sends admin `/schemas` to the public port). */
  followRedirects?: boolean;
  /** A 2xx body is a JSON array of objects, parsed item by item (see json-array-items.ts): list pages. */
  arrayOfObjects?: boolean;
}

export interface KratosResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined for an empty or non-JSON body. */
  data: unknown;
  /** Whether the body was JSON (a plain-text 404 comes from the router: no such route on this version). */
  json: boolean;
}

export interface KratosHttp {
  send(request: KratosRequest): Promise<KratosResponse>;
  /** Requests sent so far, by operation. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

interface Base {
  origin: string;
  /** A path prefix in front of `/admin/...` (a reverse proxy mount), without trailing slash. */
  prefix: string;
}

/** UTF-8 that drops a byte-order mark, as a fetch-style `text()` does. */
const utf8 = new TextDecoder();
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

/**
 * The transport: one keep-alive connection pool per process (`connection-pool.ts`, on Node's own agents) for
 * the admin and, when set, the public origin, JSON in and out, a hard per-request deadline, and the bearer
 * token in a header — never in a URL. Errors carry the operation, status and Kratos envelope, never headers
 * or bodies we sent.
 */
export function createKratosHttp(options: { config: KratosConfig; now: () => number }): KratosHttp {
  const { config, now } = options;
  // Writes are capped at `concurrency`; reads (list pages, lookups) run beside them, hence the headroom.
  // No separate connect timeout: the request's deadline (`timeoutMs`) starts before connecting.
  const pool = createConnectionPool({ connections: Math.max(4, config.concurrency * 2) });
  const admin = parseBase(config.adminUrl, true);
  const pub = config.publicUrl ? parseBase(config.publicUrl, false) : undefined;
  // Configured headers and the token go to the admin origin only; a redirect elsewhere gets neither.
  const foreign: Record<string, string> = { accept: 'application/json', 'user-agent': 'kratos-sync' };
  const trusted: Record<string, string> = { ...config.headers, ...foreign };
  if (config.adminToken) trusted.authorization = `Bearer ${config.adminToken.reveal()}`;
  const counts = new Map<string, number>();

  async function send(request: KratosRequest): Promise<KratosResponse> {
    counts.set(request.operation, (counts.get(request.operation) ?? 0) + 1);
    const base = request.api === 'public' && pub ? pub : admin;
    const body =
      request.body === undefined
        ? undefined
        : request.body instanceof PreparedJson
          ? request.body.text
          : JSON.stringify(request.body);
    let origin = base.origin;
    let path = base.prefix + request.path;
    for (let hop = 0; ; hop++) {
      const headers = origin === admin.origin ? trusted : foreign;
      const response = await exchange(request, origin, path, body, headers);
      const location = response.headers.location;
      if (request.followRedirects && REDIRECTS.has(response.status) && typeof location === 'string') {
        if (hop >= MAX_REDIRECTS) throw rejected(request, response, 'too many redirects');
        const target = new URL(location, origin + path);
        origin = target.origin;
        path = target.pathname + target.search;
        continue;
      }
      if (request.accept.includes(response.status)) return response;
      throw errorFromResponse(request, response, now());
    }
  }

  async function exchange(
    request: KratosRequest,
    origin: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<KratosResponse> {
    const signal = AbortSignal.timeout(config.timeoutMs);
    let text: string;
    let items: unknown[] | null = null;
    let status: number;
    let responseHeaders: IncomingHttpHeaders;
    try {
      const res = await pool.request({
        origin,
        path,
        method: request.method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body,
        signal,
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      if (request.arrayOfObjects && status >= 200 && status < 300) {
        items = parseJsonArrayItems(res.body);
        text = items === null ? utf8.decode(res.body) : '';
      } else {
        text = utf8.decode(res.body);
      }
    } catch (cause) {
      throw networkError(request, cause, signal.aborted);
    }
    const isJson = String(responseHeaders['content-type'] ?? '').includes('json');
    if (isJson && items !== null) return { status, headers: responseHeaders, data: items, json: true };
    if (!isJson || text.length === 0)
      return { status, headers: responseHeaders, data: undefined, json: false };
    try {
      return { status, headers: responseHeaders, data: JSON.parse(text), json: true };
    } catch (cause) {
      throw new KratosError({
        status,
        operation: request.operation,
        message: `Kratos ${request.operation}: HTTP ${status} with a body that is not valid JSON`,
        cause,
      });
    }
  }

  return {
    send,
    counts: () => Object.fromEntries(counts),
    close: () => pool.close(),
  };
}

function parseBase(url: string, stripAdmin: boolean): Base {
  const parsed = new URL(url);
  let prefix = parsed.pathname.replace(/\/+$/, '');
  // Accept `http://kratos:4434/admin` as well as `http://kratos:4434`: every path we send starts with /admin.
  if (stripAdmin) prefix = prefix.replace(/\/admin$/, '');
  return { origin: parsed.origin, prefix };
}

function networkError(request: KratosRequest, cause: unknown, timedOut: boolean): KratosError {
  const code = (cause as { code?: unknown } | null)?.code;
  const what = timedOut ? 'timed out' : `network error${typeof code === 'string' ? ` (${code})` : ''}`;
  return new KratosError({
    status: undefined,
    network: true,
    operation: request.operation,
    message: `Kratos ${request.operation}: ${what}`,
    cause,
  });
}

function rejected(request: KratosRequest, response: KratosResponse, why: string): KratosError {
  return new KratosError({
    status: response.status,
    operation: request.operation,
    message: `Kratos ${request.operation}: HTTP ${response.status}, ${why}`,
  });
}

export function errorFromResponse(
  request: KratosRequest,
  response: KratosResponse,
  nowMs: number,
): KratosError {
  const envelope = readEnvelope(response.data);
  const detail = envelope.message
    ? ` — ${envelope.message}${envelope.reason ? ` (${envelope.reason})` : ''}`
    : response.json
      ? ''
      : ' (not a Kratos error body: the route does not exist on this server or a proxy answered)';
  return new KratosError({
    status: response.status,
    envelope,
    operation: request.operation,
    message: `Kratos ${request.operation}: HTTP ${response.status}${detail}`,
    retryAfterMs: parseRetryAfterMs(response.headers, nowMs),
  });
}

/** The herodot envelope `{"error":{…}}`; string fields only. */
function readEnvelope(data: unknown): KratosErrorEnvelope {
  const inner = (data as { error?: unknown } | null | undefined)?.error;
  if (inner === null || typeof inner !== 'object') return {};
  const fields = inner as Record<string, unknown>;
  const envelope: KratosErrorEnvelope = {};
  // Kratos' own words, or a gateway's that may echo the request (and our token): scrubbed and bounded once,
  // here, before any message, report or log line is made from them.
  if (typeof fields.id === 'string') envelope.id = boundRemoteText(fields.id, 100);
  if (typeof fields.reason === 'string') envelope.reason = boundRemoteText(fields.reason);
  if (typeof fields.message === 'string') envelope.message = boundRemoteText(fields.message);
  return envelope;
}

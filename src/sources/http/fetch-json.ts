import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { retryAfterMs } from '../../outbound/retry-after.ts';
import { withRetries, type RetryVerdict } from '../../outbound/retry-loop.ts';
import { SourceError } from '../types.ts';
import {
  AttemptFailure,
  failureForBody,
  failureForNetworkError,
  failureForStatus,
} from './attempt-failure.ts';

/** Backoff between attempts. Exposed for tests and benchmarks; production uses the defaults. */
export interface RetryTiming {
  /** Delay before the first retry; doubles each time, times a random 1–2 (jitter). @defaultValue 500 */
  minDelayMs: number;
  /** Ceiling of the backoff. @defaultValue 30_000 */
  maxDelayMs: number;
  /**
   * Longest Retry-After honoured. A server asking for more ends the read with a transient SourceError:
   * the run is retried later instead of holding a worker. @defaultValue 120_000
   */
  maxRetryAfterMs: number;
}

const DEFAULT_RETRY_TIMING: RetryTiming = {
  minDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export interface JsonClientOptions {
  /** Source name, for messages and logs. */
  sourceName: string;
  /** Only this origin gets our credentials: a `next` link elsewhere is refused, not followed. */
  origin: string;
  /** Headers for every request, auth included; called per request so secrets are revealed only there. */
  headers: (signal?: AbortSignal) => Record<string, string> | Promise<Record<string, string>>;
  /**
   * Called when the API answers 401: true when the credentials were renewed (an OAuth2 token dropped), so
   * the request is sent once more at once. At most once per request.
   */
  renewCredentials?: () => boolean;
  /** How long a 429/503 asks us to wait when it has no Retry-After (vendor rate-limit headers), in ms. */
  rateLimitWaitMs?: (headers: Record<string, string | string[] | undefined>, now: Date) => number | undefined;
  /** What to tell an operator per refused status (e.g. a preset's "check connection.subdomain" for 404). */
  statusAdvice?: Partial<Record<number, string>>;
  /** What to tell an operator when the host does not resolve. */
  hostNotFoundAdvice?: string;
  /** Per-attempt limit for the whole exchange (connect, headers and body). */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  timing?: Partial<RetryTiming>;
  now: () => Date;
  logger: Logger;
  /** undici dispatcher; undici's global keep-alive agent when omitted. */
  dispatcher?: Dispatcher;
}

export interface JsonResponse {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface GetJsonOptions {
  signal?: AbortSignal;
  /** Answer a 404 with null instead of an error (a record lookup by key). */
  notFoundIsNull?: boolean;
  /** What is being read, for messages: e.g. `page 3`. */
  what?: string;
  /** POST this JSON body instead of a GET (search and report endpoints that read with POST). */
  body?: unknown;
}

export interface JsonClient {
  /**
   * GET (or POST `options.body`) and parse JSON, retrying transient failures. Throws SourceError (or the
   * abort reason).
   */
  get(url: URL, options?: GetJsonOptions): Promise<JsonResponse | null>;
}

/**
 * The one retrying JSON-over-HTTP helper that every HTTP source (REST, SCIM) uses. Keep-alive connections,
 * a per-attempt timeout, exponential backoff with jitter on network errors, timeouts, 429 and 5xx (the shared
 * loop, `outbound/retry-loop.ts`), Retry-After honoured (seconds or HTTP-date). Error messages name the source, the URL without its query
 * (filters carry personal data; misconfigured URLs carry keys), the status and what to check.
 */
export function createJsonClient(options: JsonClientOptions): JsonClient {
  const timing = { ...DEFAULT_RETRY_TIMING, ...options.timing };
  return {
    async get(url, { signal, notFoundIsNull = false, what, body } = {}) {
      const method = body === undefined ? 'GET' : 'POST';
      const where = `${options.sourceName}: ${method} ${describeUrl(url)}${what ? ` (${what})` : ''}`;
      if (url.origin !== options.origin) {
        throw new SourceError(
          `${where}: refusing to send credentials to another origin than ${options.origin}`,
          {
            transient: false,
          },
        );
      }
      let attempts = 0;
      try {
        return await withRetries(
          () => {
            attempts++;
            return attemptWithRenewal(options, { url, body, notFoundIsNull }, signal);
          },
          {
            retries: options.retries,
            minDelayMs: timing.minDelayMs,
            maxDelayMs: timing.maxDelayMs,
            serverWait: 'at-least',
            ...(signal ? { signal } : {}),
            verdict: (failure) => verdict(timing, failure),
            onRetry: ({ error, attemptNumber, delayMs }) => {
              options.logger.warn(
                {
                  source: options.sourceName,
                  attempt: attemptNumber,
                  status: (error as AttemptFailure).status,
                  waitMs: delayMs,
                },
                `${where}: ${error.message}; retrying`,
              );
            },
          },
        );
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof AttemptFailure) {
          const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
          const tooLong =
            err.retryAfterMs !== undefined && err.retryAfterMs > timing.maxRetryAfterMs
              ? `, asking to wait ${Math.ceil(err.retryAfterMs / 1000)} s (more than we wait; the run is retried later)`
              : '';
          throw new SourceError(`${where}: ${err.message}${tooLong}${tries}`, {
            cause: err,
            transient: err.transient,
          });
        }
        throw new SourceError(`${where}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

interface Attempt {
  url: URL;
  /** JSON to POST; a GET when undefined. */
  body: unknown;
  notFoundIsNull: boolean;
}

/** One attempt; a 401 whose credentials could be renewed (a stale OAuth2 token) is sent once more at once. */
async function attemptWithRenewal(
  options: JsonClientOptions,
  attempt: Attempt,
  signal: AbortSignal | undefined,
): Promise<JsonResponse | null> {
  try {
    return await attemptOnce(options, attempt, signal);
  } catch (err) {
    if (!(err instanceof AttemptFailure) || err.status !== 401 || !options.renewCredentials?.()) throw err;
    return await attemptOnce(options, attempt, signal);
  }
}

async function attemptOnce(
  options: JsonClientOptions,
  attempt: Attempt,
  signal: AbortSignal | undefined,
): Promise<JsonResponse | null> {
  // undici's index (~110 modules) loads with the first request, not with every command that builds sources.
  const { request } = await import('undici');
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const timedOut = () => (timeout.aborted && !signal?.aborted ? options.timeoutMs : undefined);
  const post = attempt.body !== undefined;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(attempt.url, {
      method: post ? 'POST' : 'GET',
      headers: {
        'user-agent': 'kratos-sync',
        ...(post ? { 'content-type': 'application/json' } : {}),
        ...(await options.headers(combined)),
      },
      ...(post ? { body: JSON.stringify(attempt.body) } : {}),
      signal: combined,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  } catch (err) {
    if (err instanceof AttemptFailure) throw err; // the credentials could not be had (token endpoint)
    throw failureForNetworkError(err, timedOut(), options.hostNotFoundAdvice);
  }
  const { statusCode, headers, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    body.dump().catch(() => {}); // free the connection for keep-alive; the content does not matter
    if (statusCode === 404 && attempt.notFoundIsNull) return null;
    const now = options.now();
    const waitMs =
      retryAfterMs(headers['retry-after'], now.getTime()) ?? options.rateLimitWaitMs?.(headers, now);
    throw failureForStatus(statusCode, waitMs, options.statusAdvice);
  }
  let text: string;
  try {
    text = await body.text();
  } catch (err) {
    throw failureForNetworkError(err, timedOut());
  }
  // An empty 2xx body is a server that has nothing to say, not a dropped connection (undici reports those).
  if (text.trim() === '') throw new AttemptFailure('the response body is empty', { transient: false });
  try {
    return { body: JSON.parse(text) as unknown, headers };
  } catch (err) {
    throw failureForBody(err);
  }
}

/**
 * Transient failures are tried again, after at least the wait the server named; a server asking for more
 * than `maxRetryAfterMs` ends the read (the run is retried later instead of holding a worker).
 */
function verdict(timing: RetryTiming, failure: Error): RetryVerdict {
  if (!(failure instanceof AttemptFailure) || !failure.transient) return { retry: false };
  const asked = failure.retryAfterMs;
  if (asked !== undefined && asked > timing.maxRetryAfterMs) return { retry: false };
  return asked === undefined ? { retry: true } : { retry: true, serverWaitMs: asked };
}

/** The URL as messages may show it: origin and path, no query (it may hold filters or misplaced keys). */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/**
 * Why one HTTP attempt failed, decided once, here: transient failures are retried with
 * backoff (honouring Retry-After), the rest end the read at once. The message is safe to show: a status, a
 * reason, an action — never a header, a body, or a query string.
 */
export class AttemptFailure extends Error {
  override name = 'AttemptFailure';
  readonly transient: boolean;
  readonly status: number | undefined;
  /** What the server asked us to wait (Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { transient: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Statuses worth another attempt: the server is busy, limiting us, or briefly broken. */
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524]);

/** What to tell an operator about a status we do not retry. */
const STATUS_ADVICE: Record<number, string> = {
  400: 'the API refused the request; check url, pagination and filter settings',
  401: 'check the source credentials (connection.auth / token)',
  403: 'the credentials lack permission to read this resource',
  404: 'check the configured URL',
  405: 'the URL does not accept GET; check the configured URL',
  410: 'the API endpoint is gone; check the configured URL',
};

/**
 * @param advice what to tell an operator per status, when the caller knows better than the generic table
 *   (a preset knows that BambooHR's 404 means a wrong subdomain)
 */
export function failureForStatus(
  status: number,
  retryAfterMs: number | undefined,
  advice: Partial<Record<number, string>> = {},
): AttemptFailure {
  if (TRANSIENT_STATUSES.has(status)) {
    const label = status === 429 ? 'HTTP 429 (rate limited)' : `HTTP ${status}`;
    return new AttemptFailure(label, { transient: true, status, retryAfterMs });
  }
  if (status >= 300 && status < 400) {
    return new AttemptFailure(`HTTP ${status}: redirected; configure the final URL`, {
      transient: false,
      status,
    });
  }
  const told =
    advice[status] ??
    STATUS_ADVICE[status] ??
    (status >= 500 ? 'the API failed' : 'the API refused the request');
  return new AttemptFailure(`HTTP ${status}: ${told}`, { transient: status >= 500, status });
}

/** A failure below HTTP (connection refused/reset, DNS, TLS, timeout): always worth another attempt. */
export function failureForNetworkError(
  err: unknown,
  timedOutAfterMs: number | undefined,
  hostNotFoundAdvice?: string,
): AttemptFailure {
  if (timedOutAfterMs !== undefined) {
    return new AttemptFailure(`no complete answer within ${timedOutAfterMs} ms (timeoutMs)`, {
      transient: true,
      cause: err,
    });
  }
  const code = (err as { code?: unknown }).code;
  const detail = typeof code === 'string' ? code : (err as Error).name;
  // undici wraps the socket error: a host that does not resolve shows as ENOTFOUND on the cause.
  const causeCode = (err as { cause?: { code?: unknown } }).cause?.code;
  const notFound = code === 'ENOTFOUND' || causeCode === 'ENOTFOUND';
  const advice = notFound && hostNotFoundAdvice ? `: ${hostNotFoundAdvice}` : '';
  return new AttemptFailure(`network error (${notFound ? 'ENOTFOUND' : detail})${advice}`, {
    transient: true,
    cause: err,
  });
}

/** A body that did not parse: cut short (retry) or simply not JSON (an HTML error page: do not). */
export function failureForBody(err: unknown): AttemptFailure {
  const message = (err as Error).message;
  if (/end of JSON input|Unterminated/i.test(message)) {
    return new AttemptFailure('the response ended mid-document (cut short)', { transient: true });
  }
  return new AttemptFailure('the response is not JSON', { transient: false });
}

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** One request as a fake server saw it (for server-side assertions: auth, paging parameters, counts). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** Something to do instead of answering normally. */
export interface FakeFault {
  /** Answer with this status (a JSON error body unless `body` is set). */
  status?: number;
  /** Retry-After header to send with `status`: seconds (`"1"`) or an HTTP-date. */
  retryAfter?: string;
  /** Send this raw body (status 200 unless `status` is set), e.g. an HTML error page. */
  body?: string;
  /** Send this `Link` header with the answer (a paging header an API got wrong). */
  link?: string;
  /** Send the headers and half of the real body, then drop the connection. */
  cutBody?: boolean;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
  /** Drop the connection without answering. */
  reset?: boolean;
}

interface PendingFault {
  fault: FakeFault;
  remaining: number;
  when: (request: RecordedRequest) => boolean;
}

/**
 * A queue of faults shared by the fake servers: `inject` one for the next N matching requests; each request
 * takes the first fault that matches. Keeps the fault logic (and its edge cases) in one place.
 */
export function createFaultQueue() {
  const pending: PendingFault[] = [];
  return {
    inject(fault: FakeFault, options: { times?: number; when?: (request: RecordedRequest) => boolean } = {}) {
      pending.push({ fault, remaining: options.times ?? 1, when: options.when ?? (() => true) });
    },
    /** The fault for this request, if any (consumes one use). */
    take(request: RecordedRequest): FakeFault | undefined {
      const index = pending.findIndex((p) => p.when(request));
      if (index === -1) return undefined;
      const entry = pending[index]!;
      if (--entry.remaining <= 0) pending.splice(index, 1);
      return entry.fault;
    },
  };
}

/** Carry out a fault. `realBody` is what the server would have sent (for `cutBody`). */
export function applyFault(
  fault: FakeFault,
  res: ServerResponse,
  realBody: string,
  contentType: string,
): void {
  if (fault.hang) return;
  if (fault.reset) {
    res.socket?.destroy();
    return;
  }
  if (fault.cutBody) {
    const bytes = Buffer.from(realBody);
    res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
    return;
  }
  const headers: Record<string, string> = { 'content-type': fault.body ? 'text/html' : contentType };
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault.link !== undefined) headers.link = fault.link;
  res.writeHead(fault.status ?? 200, headers);
  res.end(fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
}

export function recordRequest(req: IncomingMessage): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
}

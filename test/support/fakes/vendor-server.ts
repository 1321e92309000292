import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a vendor fake saw it, body included (search and report endpoints read with POST). */
export interface VendorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface VendorAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** An employee as the tests describe them; each fake renders it in its vendor's shape. */
export interface Employee {
  id: string;
  first: string;
  last: string;
  email: string;
  department: string;
  title: string;
  /** The manager's id in the same system. */
  managerId?: string;
  hireDate: string;
  terminationDate?: string;
  active: boolean;
  /** Last change, ISO 8601. */
  updated: string;
}

/**
 * The HTTP part every vendor fake shares: a real local port, a request log, and "answer the next N
 * requests with this" (the vendor's own 429 or error answer, headers and body as its docs show).
 */
export async function startVendorServer(route: (request: VendorRequest) => VendorAnswer) {
  const requests: VendorRequest[] = [];
  const overrides: Array<{
    answer: VendorAnswer;
    remaining: number;
    when: (request: VendorRequest) => boolean;
  }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const request: VendorRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(request);
      const index = overrides.findIndex((o) => o.when(request));
      const override = overrides[index];
      let answer: VendorAnswer;
      if (override) {
        answer = override.answer;
        if (--override.remaining <= 0) overrides.splice(index, 1);
      } else {
        answer = route(request);
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    /** Answer the next `times` (matching) requests with `answer` instead of the route's. */
    answerNext(answer: VendorAnswer, times = 1, when: (request: VendorRequest) => boolean = () => true) {
      overrides.push({ answer, remaining: times, when });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const pair = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  return colon < 0 ? undefined : { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

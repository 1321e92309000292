import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyFault, createFaultQueue, recordRequest, type RecordedRequest } from './fake-http-faults.ts';

export type { FakeFault, RecordedRequest } from './fake-http-faults.ts';

export type Person = Record<string, unknown>;
export type FakePagination = 'none' | 'page' | 'offset' | 'cursor' | 'link-header';
export type FakeAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'header'; name: string; value: string }
  /** Any rule, e.g. "a bearer token the fake OAuth2 server issued and has not revoked". */
  | { type: 'custom'; accepts: (authorization: string | undefined) => boolean };

export interface FakeHrApiOptions {
  people?: Person[];
  /**
   * How `GET /v1/employees` pages (parameter names are the source's defaults):
   * page: `?page=1&per_page=N`; offset: `?offset=0&limit=N`; cursor: `?cursor=…&limit=N`, next cursor at
   * `paging.next.after`; link-header: `?page=&per_page=` plus `Link: <…>; rel="next"`; none: everything.
   * @defaultValue 'page'
   */
  pagination?: FakePagination;
  /** The API serves at most this many per page, whatever is asked (real APIs cap). @defaultValue 100 */
  maxPageSize?: number;
  /** Checked on every request; 401 when it does not match. @defaultValue none */
  auth?: FakeAuth;
  /** Serve page 1 whatever page is asked (an API that ignores the page parameter). */
  ignorePaging?: boolean;
  /** Field of a person that `GET /v1/employees/{key}` matches. @defaultValue 'id' */
  keyField?: string;
}

/**
 * A fake HR/CRM REST API on a real local port (node:http): a paginated collection with items at `data`
 * and one record at `/v1/employees/{key}` (as `{ data: person }`, 404 when unknown), with server-side auth
 * checks, a request log, a count of TCP connections (keep-alive) and injectable faults.
 */
export interface FakeHrApi {
  /** Origin, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** `${url}/v1/employees` */
  readonly collectionUrl: string;
  /** `${url}/v1/employees/{key}` (for `itemUrl`) */
  readonly itemUrlTemplate: string;
  /** The people served; replace or edit freely between reads. */
  people: Person[];
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  inject: ReturnType<typeof createFaultQueue>['inject'];
  close(): Promise<void>;
}

export async function startFakeHrApi(options: FakeHrApiOptions = {}): Promise<FakeHrApi> {
  const faults = createFaultQueue();
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const state = { people: options.people ?? [] };
  const server = createServer((req, res) => {
    const recorded = recordRequest(req);
    requests.push(recorded);
    if (!authorized(req, options.auth ?? { type: 'none' })) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const answer = route(recorded, state.people, options, `http://${req.headers.host}`);
    const fault = faults.take(recorded);
    if (fault) applyFault(fault, res, answer.body, 'application/json');
    else send(res, answer);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    collectionUrl: `${url}/v1/employees`,
    itemUrlTemplate: `${url}/v1/employees/{key}`,
    get people() {
      return state.people;
    },
    set people(people: Person[]) {
      state.people = people;
    },
    requests,
    get connections() {
      return connections;
    },
    inject: faults.inject,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

function route(
  request: RecordedRequest,
  people: Person[],
  options: FakeHrApiOptions,
  origin: string,
): Answer {
  const item = /^\/v1\/employees\/([^/]+)$/.exec(request.path);
  if (item) {
    const key = decodeURIComponent(item[1]!);
    const person = people.find((p) => String(p[options.keyField ?? 'id']) === key);
    return person
      ? { status: 200, body: JSON.stringify({ data: person }) }
      : { status: 404, body: JSON.stringify({ error: 'not found' }) };
  }
  if (request.path !== '/v1/employees') return { status: 404, body: JSON.stringify({ error: 'no route' }) };
  return pageOf(request.query, people, options, origin);
}

function pageOf(query: URLSearchParams, people: Person[], options: FakeHrApiOptions, origin: string): Answer {
  const pagination = options.pagination ?? 'page';
  const cap = options.maxPageSize ?? 100;
  const size = (name: string) => Math.min(Number(query.get(name) ?? cap), cap);
  const json = (data: Person[], extra: object = {}, headers?: Record<string, string>): Answer => ({
    status: 200,
    body: JSON.stringify({ data, meta: { total: people.length }, ...extra }),
    headers,
  });
  switch (pagination) {
    case 'none':
      return json(people);
    case 'page':
    case 'link-header': {
      const perPage = size('per_page');
      const page = options.ignorePaging ? 1 : Number(query.get('page') ?? 1);
      const slice = people.slice((page - 1) * perPage, page * perPage);
      if (pagination === 'page') return json(slice);
      const more = page * perPage < people.length;
      const next = `${origin}/v1/employees?page=${page + 1}&per_page=${perPage}`;
      return json(
        slice,
        {},
        more ? { link: `<${next}>; rel="next", <${origin}/v1/employees?page=1>; rel="first"` } : {},
      );
    }
    case 'offset': {
      const offset = options.ignorePaging ? 0 : Number(query.get('offset') ?? 0);
      return json(people.slice(offset, offset + size('limit')));
    }
    case 'cursor': {
      const offset = Number(Buffer.from(query.get('cursor') ?? '', 'base64url').toString() || 0);
      const end = offset + size('limit');
      const after = end < people.length ? Buffer.from(String(end)).toString('base64url') : null;
      return json(people.slice(offset, end), { paging: { next: after ? { after } : null } });
    }
  }
}

function authorized(req: IncomingMessage, auth: FakeAuth): boolean {
  switch (auth.type) {
    case 'none':
      return true;
    case 'bearer':
      return req.headers.authorization === `Bearer ${auth.token}`;
    case 'basic':
      return (
        req.headers.authorization ===
        `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      );
    case 'header':
      return req.headers[auth.name.toLowerCase()] === auth.value;
    case 'custom':
      return auth.accepts(req.headers.authorization);
  }
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(answer.body);
}

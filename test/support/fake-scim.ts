import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyFault, createFaultQueue, recordRequest, type RecordedRequest } from './fake-http-faults.ts';

export type { FakeFault, RecordedRequest } from './fake-http-faults.ts';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export type ScimResource = Record<string, unknown>;

export interface ScimUserSeed {
  id: string;
  externalId?: string;
  userName?: string;
  givenName?: string;
  familyName?: string;
  active?: boolean;
  emails?: Array<{ value: string; type?: string; primary?: boolean }>;
  title?: string;
  department?: string;
  employeeNumber?: string;
  manager?: { value: string; displayName?: string };
  lastModified?: string;
}

/** A SCIM User resource as directories send it (core + enterprise extension, meta). */
export function scimUser(seed: ScimUserSeed): ScimResource {
  const userName = seed.userName ?? `${seed.id}@example.com`;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    id: seed.id,
    ...(seed.externalId ? { externalId: seed.externalId } : {}),
    userName,
    name: {
      givenName: seed.givenName ?? 'Given',
      familyName: seed.familyName ?? seed.id,
      formatted: 'ignored',
    },
    displayName: `${seed.givenName ?? 'Given'} ${seed.familyName ?? seed.id}`,
    active: seed.active ?? true,
    emails: seed.emails ?? [{ value: userName, type: 'work', primary: true }],
    ...(seed.title ? { title: seed.title } : {}),
    [ENTERPRISE]: {
      ...(seed.employeeNumber ? { employeeNumber: seed.employeeNumber } : {}),
      ...(seed.department ? { department: seed.department } : {}),
      ...(seed.manager ? { manager: { ...seed.manager, $ref: `../Users/${seed.manager.value}` } } : {}),
    },
    meta: {
      resourceType: 'User',
      created: '2024-01-01T00:00:00Z',
      lastModified: seed.lastModified ?? '2024-06-01T00:00:00Z',
      location: `/scim/v2/Users/${seed.id}`,
    },
  };
}

export interface FakeScimOptions {
  users?: ScimResource[];
  /** Required bearer token; 401 without it. */
  token?: string;
  /** The server returns at most this many per page, whatever `count` asks. @defaultValue 50 */
  maxPageSize?: number;
  /** Serve from index 1 whatever `startIndex` says. */
  ignoreStartIndex?: boolean;
  /** Called before each list page is computed, with its startIndex (to change users mid-read). */
  beforePage?: (startIndex: number, users: ScimResource[]) => void;
  /** Pretend there are this many more users than served (a server that stops early). */
  phantomUsers?: number;
}

/**
 * A SCIM 2.0 directory on a real local port: `GET /scim/v2/Users` (startIndex/count paging, `eq` filters
 * joined by `and`, on core attributes and enterprise ones by their URN path) and `GET /scim/v2/Users/{id}`.
 */
export interface FakeScim {
  /** The SCIM base URL: `http://127.0.0.1:<port>/scim/v2` */
  readonly baseUrl: string;
  users: ScimResource[];
  readonly requests: RecordedRequest[];
  inject: ReturnType<typeof createFaultQueue>['inject'];
  close(): Promise<void>;
}

export async function startFakeScim(options: FakeScimOptions = {}): Promise<FakeScim> {
  const faults = createFaultQueue();
  const requests: RecordedRequest[] = [];
  const state = { users: options.users ?? [] };
  const server = createServer((req, res) => {
    const request = recordRequest(req);
    requests.push(request);
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      const fault = faults.take(request);
      if (fault) return applyFault(fault, res, text, 'application/scim+json');
      res.writeHead(status, { 'content-type': 'application/scim+json' });
      res.end(text);
    };
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return reply(401, scimError(401, 'authentication required'));
    }
    const one = /^\/scim\/v2\/Users\/([^/]+)$/.exec(request.path);
    if (one) {
      const user = state.users.find((u) => u.id === decodeURIComponent(one[1]!));
      return user ? reply(200, user) : reply(404, scimError(404, 'user not found'));
    }
    if (request.path !== '/scim/v2/Users') return reply(404, scimError(404, 'no such endpoint'));
    const startIndex = options.ignoreStartIndex
      ? 1
      : Math.max(1, Number(request.query.get('startIndex') ?? 1));
    options.beforePage?.(startIndex, state.users);
    let matching: ScimResource[];
    try {
      matching = state.users.filter(filterFor(request.query.get('filter')));
    } catch (err) {
      return reply(400, { ...scimError(400, (err as Error).message), scimType: 'invalidFilter' });
    }
    const count = Math.min(Number(request.query.get('count') ?? 100), options.maxPageSize ?? 50);
    const page = matching.slice(startIndex - 1, startIndex - 1 + count);
    reply(200, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: matching.length + (options.phantomUsers ?? 0),
      startIndex,
      itemsPerPage: page.length,
      ...(page.length > 0 ? { Resources: page } : {}),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    get users() {
      return state.users;
    },
    set users(users: ScimResource[]) {
      state.users = users;
    },
    requests,
    inject: faults.inject,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function scimError(status: number, detail: string) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail };
}

/** `a eq "x" and (b eq true)`: enough of RFC 7644 §3.4.2.2 for sources' reads and lookups. */
function filterFor(filter: string | null): (user: ScimResource) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const match = /^\(?\s*([\w:.]+)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*\)?$/i.exec(clause.trim());
    if (!match) throw new Error(`unsupported filter clause: ${clause}`);
    return {
      path: match[1]!,
      value: match[2]!.startsWith('"')
        ? (JSON.parse(match[2]!) as unknown)
        : match[2]!.toLowerCase() === 'true',
    };
  });
  return (user) => clauses.every(({ path, value }) => attribute(user, path) === value);
}

function attribute(user: ScimResource, path: string): unknown {
  if (path.startsWith(`${ENTERPRISE}:`)) {
    return (user[ENTERPRISE] as Record<string, unknown> | undefined)?.[path.slice(ENTERPRISE.length + 1)];
  }
  return path
    .split('.')
    .reduce<unknown>((value, step) => (value as Record<string, unknown> | undefined)?.[step], user);
}

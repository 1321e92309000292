import { basicCredentials, startVendorServer, type Employee, type VendorAnswer } from './vendor-server.ts';

/**
 * A fake HiBob API (https://apidocs.hibob.com/reference/post_people-search): `POST /v1/people/search` with
 * `{ fields, filters, showInactive, humanReadable }`, answering `{ employees: [...] }` nested by category
 * (`work.title`, `internal.status`) with only the fields asked for, list fields as item ids and, with
 * `humanReadable: APPEND`, their names under `humanReadable`; a service user as basic auth; errors as `{ key,
 * error }`; 429 with `X-RateLimit-*` headers (Reset as a unix time).
 */
export async function startFakeHiBob(options: {
  serviceUserId: string;
  serviceUserToken: string;
  employees: Employee[];
  /** Field paths the service user's permission group may not see (403). */
  forbiddenFields?: string[];
}) {
  const state = { employees: options.employees };
  const server = await startVendorServer((request) => {
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials?.user !== options.serviceUserId || credentials.password !== options.serviceUserToken) {
      return bobError(401, 'unauthorized', 'Unauthorized');
    }
    if (request.method !== 'POST' || request.path !== '/v1/people/search')
      return bobError(404, 'not.found', 'Not found');
    const query = JSON.parse(request.body) as {
      fields?: string[];
      showInactive?: boolean;
      humanReadable?: 'APPEND' | 'REPLACE';
      filters?: Array<{ fieldPath: string; operator: string; values: string[] }>;
    };
    const fields = query.fields ?? ['root.id', 'root.email'];
    if (fields.some((f) => options.forbiddenFields?.includes(f))) {
      return bobError(
        403,
        'permission.denied',
        `Missing permissions to view field ${fields.find((f) => options.forbiddenFields?.includes(f))}`,
      );
    }
    let people = query.showInactive ? state.employees : state.employees.filter((e) => e.active);
    for (const filter of query.filters ?? []) {
      if (filter.fieldPath !== 'root.id' || filter.operator !== 'equals')
        return bobError(400, 'bad.request', 'Unsupported filter');
      people = people.filter((e) => filter.values.includes(e.id));
    }
    return {
      status: 200,
      body: {
        employees: people.map((e) => {
          const raw = pick(render(e, state.employees), fields);
          // APPEND: list fields also by name, under `humanReadable` (raw values are list item ids).
          return query.humanReadable === 'APPEND' ? { ...raw, humanReadable: names(e, fields) } : raw;
        }),
      },
    };
  });
  return {
    ...server,
    /** The records served: edit them in place between reads. */
    employees: state.employees,
    rateLimitNext(times = 1, resetInSeconds = 1) {
      server.answerNext(
        {
          ...bobError(429, 'too.many.requests', 'Too Many Requests'),
          headers: {
            'x-ratelimit-limit': '50',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
          },
        },
        times,
      );
    },
  };
}

type Nested = Record<string, unknown>;

function render(e: Employee, all: Employee[]): Nested {
  const manager = all.find((m) => m.id === e.managerId);
  return {
    root: {
      id: e.id,
      email: e.email,
      firstName: e.first,
      surname: e.last,
      displayName: `${e.first} ${e.last}`,
    },
    work: {
      employeeIdInCompany: Number(e.id.slice(-3)),
      department: listId(e.department),
      title: listId(e.title),
      site: listId('London'),
      startDate: e.hireDate,
      reportsTo: manager
        ? {
            id: manager.id,
            email: manager.email,
            firstName: manager.first,
            surname: manager.last,
            displayName: `${manager.first} ${manager.last}`,
          }
        : null,
    },
    internal: {
      status: e.active ? 'Active' : 'Inactive',
      lifecycleStatus: e.active ? 'employed' : 'terminated',
      terminationDate: e.terminationDate ?? null,
    },
  };
}

/** HiBob keeps list fields (department, title, site) as ids of the company's list items. */
function listId(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return String(hash);
}

function names(e: Employee, fields: string[]): Nested {
  const work: Nested = {};
  const byName: Record<string, string> = { department: e.department, title: e.title, site: 'London' };
  for (const path of fields) {
    const [category, name] = path.split('.') as [string, string];
    if (category === 'work' && name in byName) work[name] = byName[name];
  }
  return { work };
}

/** Only the asked-for paths, nested as HiBob answers (`root.*` fields sit at the top level). */
function pick(full: Nested, fields: string[]): Nested {
  const out: Nested = {};
  for (const path of fields) {
    const [category, name] = path.split('.') as [string, string];
    const value = (full[category] as Nested | undefined)?.[name];
    if (category === 'root') out[name] = value;
    else ((out[category] ??= {}) as Nested)[name] = value;
  }
  return out;
}

function bobError(status: number, key: string, error: string): VendorAnswer {
  return { status, body: { key, error } };
}

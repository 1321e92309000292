import { startVendorServer, type Employee, type VendorAnswer } from './vendor-server.ts';

/**
 * A fake Personio API (https://developer.personio.de/reference): `POST /v2/auth/token` (OAuth2 client
 * credentials in the form body, answering `{ access_token, token_type, expires_in, scope }`), `GET
 * /v1/company/employees?limit=&offset=` (`{ success, metadata, offset, limit, data: [{ type: "Employee",
 * attributes: { name: { label, value, type, universal_id } } }] }`, at most 200 a page) and `GET
 * /v1/company/employees/{id}`. Errors as `{ success: false, error: { code, message } }`; 429 with
 * `X-RateLimit-*` headers.
 */
export async function startFakePersonio(options: {
  clientId: string;
  clientSecret: string;
  employees: Employee[];
  /** Answer employee reads with 403 (credentials without read access to employees). */
  noEmployeeAccess?: boolean;
}) {
  const state = { employees: options.employees };
  const tokens = new Set<string>();
  let issued = 0;
  const server = await startVendorServer((request) => {
    if (request.method === 'POST' && request.path === '/v2/auth/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'Invalid client credentials.' },
        };
      }
      const token = `personio-token-${++issued}`;
      tokens.add(token);
      return {
        status: 200,
        body: {
          access_token: token,
          token_type: 'Bearer',
          expires_in: 86_400,
          scope: 'personio:persons:read',
        },
      };
    }
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    if (!bearer || !tokens.has(bearer)) return personioError(401, 0, 'The access token is invalid');
    if (options.noEmployeeAccess) return personioError(403, 0, 'Access to this resource is forbidden');
    if (request.method === 'GET' && request.path === '/v1/company/employees') {
      const limit = Math.min(Number(request.query.get('limit') ?? 200), 200);
      const offset = Number(request.query.get('offset') ?? 0);
      const page = state.employees.slice(offset, offset + limit);
      return {
        status: 200,
        body: {
          success: true,
          metadata: {
            total_elements: state.employees.length,
            current_page: Math.floor(offset / limit),
            total_pages: Math.ceil(state.employees.length / limit),
          },
          offset,
          limit,
          data: page.map((e) => render(e, state.employees)),
        },
      };
    }
    const one = /^\/v1\/company\/employees\/(\d+)$/.exec(request.path);
    if (request.method === 'GET' && one) {
      const employee = state.employees.find((e) => e.id === one[1]);
      return employee
        ? { status: 200, body: { success: true, data: render(employee, state.employees) } }
        : personioError(404, 404, 'The employee was not found.');
    }
    return personioError(404, 0, 'Not found');
  });
  return {
    ...server,
    /** The records served: edit them in place between reads. */
    employees: state.employees,
    rateLimitNext(times = 1, resetSeconds = 1) {
      server.answerNext(
        {
          ...personioError(429, 0, 'Too Many Requests'),
          headers: {
            'x-ratelimit-limit': '200',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(resetSeconds),
          },
        },
        times,
        (request) => request.path.startsWith('/v1/'),
      );
    },
  };
}

function attribute(label: string, value: unknown, type: string, universalId?: string) {
  return { label, value, type, ...(universalId ? { universal_id: universalId } : {}) };
}

function render(e: Employee, all: Employee[]) {
  const manager = all.find((m) => m.id === e.managerId);
  return {
    type: 'Employee',
    attributes: {
      id: attribute('ID', Number(e.id), 'integer', 'id'),
      first_name: attribute('First name', e.first, 'standard', 'first_name'),
      last_name: attribute('Last name', e.last, 'standard', 'last_name'),
      preferred_name: attribute('Preferred name', '', 'standard', 'preferred_name'),
      email: attribute('Email', e.email, 'standard', 'email'),
      status: attribute('Status', e.active ? 'active' : 'inactive', 'standard', 'status'),
      position: attribute('Position', e.title, 'standard', 'position'),
      employment_type: attribute('Employment type', 'internal', 'standard', 'employment_type'),
      hire_date: attribute('Hire date', `${e.hireDate}T00:00:00+01:00`, 'date', 'hire_date'),
      termination_date: attribute(
        'Termination date',
        e.terminationDate ? `${e.terminationDate}T00:00:00+01:00` : null,
        'date',
        'termination_date',
      ),
      last_modified_at: attribute(
        'Last modified',
        e.updated.replace('Z', '+00:00'),
        'date',
        'last_modified_at',
      ),
      department: attribute(
        'Department',
        { type: 'Department', attributes: { id: 1200 + e.department.length, name: e.department } },
        'standard',
        'department',
      ),
      office: attribute(
        'Office',
        { type: 'Office', attributes: { id: 1, name: 'Berlin' } },
        'standard',
        'office',
      ),
      supervisor: attribute(
        'Supervisor',
        manager
          ? {
              type: 'Employee',
              attributes: {
                id: attribute('ID', Number(manager.id), 'integer', 'id'),
                first_name: attribute('First name', manager.first, 'standard', 'first_name'),
                last_name: attribute('Last name', manager.last, 'standard', 'last_name'),
                email: attribute('Email', manager.email, 'standard', 'email'),
              },
            }
          : null,
        'standard',
        'supervisor',
      ),
    },
  };
}

function personioError(status: number, code: number, message: string): VendorAnswer {
  return { status, body: { success: false, error: { code, message } } };
}

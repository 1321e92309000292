import { basicCredentials, startVendorServer, type Employee, type VendorAnswer } from './vendor-server.ts';

/**
 * A fake BambooHR API (https://documentation.bamboohr.com/reference) under
 * `/api/gateway.php/{companyDomain}/v1`: the custom report (`POST /reports/custom?format=JSON`, answering
 * `{ title, fields, employees }` with every value a string and empty dates as `0000-00-00`) and one
 * employee (`GET /employees/{id}?fields=…`, flat). The API key is the basic-auth user. Errors are empty
 * bodies with the reason in `X-BambooHR-Error-Message`, as BambooHR sends them; throttling is a 503 with
 * Retry-After.
 */
export async function startFakeBambooHr(options: {
  companyDomain: string;
  apiKey: string;
  employees: Employee[];
  /** Field names the key's user may not read (403, as for a user without access to them). */
  forbiddenFields?: string[];
}) {
  const state = { employees: options.employees };
  const server = await startVendorServer((request) => {
    const prefix = `/api/gateway.php/${options.companyDomain}/v1`;
    if (!request.path.startsWith(`${prefix}/`)) return error(404, 'Company not found');
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials?.user !== options.apiKey) return error(401, 'Invalid API key');
    const path = request.path.slice(prefix.length);
    if (request.method === 'POST' && path === '/reports/custom') {
      if (request.query.get('format') !== 'JSON') return error(400, 'format must be JSON');
      const { fields } = JSON.parse(request.body) as { fields: string[] };
      if (fields.some((f) => options.forbiddenFields?.includes(f))) return error(403, 'Permission denied');
      const shown =
        request.query.get('onlyCurrent') === 'false'
          ? state.employees
          : state.employees.filter((e) => e.active);
      return {
        status: 200,
        body: {
          title: 'kratos-sync',
          fields: fields.map((id) => ({ id, type: 'text', name: id })),
          employees: shown.map((e) => pick(render(e, state.employees), fields)),
        },
      };
    }
    const one = /^\/employees\/(\d+)$/.exec(path);
    if (request.method === 'GET' && one) {
      const employee = state.employees.find((e) => e.id === one[1]);
      if (!employee) return error(404, 'Employee not found');
      const fields = (request.query.get('fields') ?? 'firstName,lastName').split(',');
      return { status: 200, body: pick(render(employee, state.employees), fields) };
    }
    return error(404, 'Not found');
  });
  return {
    ...server,
    /** The records served: edit them in place between reads. */
    employees: state.employees,
    /** BambooHR's throttling answer. */
    throttleNext(times = 1, retryAfterSeconds = 1) {
      server.answerNext(
        {
          status: 503,
          body: '',
          headers: {
            'retry-after': String(retryAfterSeconds),
            'x-bamboohr-error-message': 'Rate limit exceeded',
          },
        },
        times,
      );
    },
  };
}

function error(status: number, message: string): VendorAnswer {
  return { status, body: '', headers: { 'x-bamboohr-error-message': message } };
}

function render(e: Employee, all: Employee[]): Record<string, string | null> {
  const manager = all.find((m) => m.id === e.managerId);
  return {
    id: e.id,
    employeeNumber: `EN-${e.id}`,
    firstName: e.first,
    lastName: e.last,
    preferredName: null,
    workEmail: e.email,
    department: e.department,
    division: 'North America',
    jobTitle: e.title,
    location: 'Remote',
    supervisorEId: manager?.id ?? null,
    supervisorEmail: manager?.email ?? null,
    hireDate: e.hireDate,
    terminationDate: e.terminationDate ?? '0000-00-00',
    status: e.active ? 'Active' : 'Inactive',
    employmentHistoryStatus: e.active ? 'Full-Time' : 'Terminated',
    lastChanged: e.updated.replace('Z', '+00:00'),
  };
}

function pick(record: Record<string, string | null>, fields: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = { id: record.id! };
  for (const field of fields) out[field] = record[field] ?? null;
  return out;
}

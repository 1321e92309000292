import { basicCredentials, startVendorServer, type Employee, type VendorAnswer } from './vendor-server.ts';

/**
 * A fake Workday RaaS endpoint (https://doc.workday.com, "Reports as a Service"):
 * `GET /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json` answering `{ Report_Entry: [...] }`
 * with the columns of the report docs/presets/workday.md describes (every value a string, absent values
 * left out, `Active_Status` as "1"/"0"), a prompt `Employee_ID` that selects one worker, an integration
 * system user as basic auth, and Workday's XML-ish JSON errors (`{ error, errors: [{ error }] }`).
 */
export async function startFakeWorkday(options: {
  tenant: string;
  owner: string;
  report: string;
  username: string;
  password: string;
  employees: Employee[];
  /** The user may not run the report (403). */
  forbidden?: boolean;
  /** An API client for OAuth2 client credentials at `/ccx/oauth2/{tenant}/token` (HTTP Basic client auth). */
  apiClient?: { id: string; secret: string };
}) {
  const tokens = new Set<string>();
  const state = { employees: options.employees };
  const reportPath = `/ccx/service/customreport2/${options.tenant}/${encodeURIComponent(options.owner)}/${options.report}`;
  const server = await startVendorServer((request) => {
    const credentials = basicCredentials(request.headers.authorization);
    if (request.method === 'POST' && request.path === `/ccx/oauth2/${options.tenant}/token`) {
      const client = options.apiClient;
      const form = new URLSearchParams(request.body);
      // RFC 6749 §2.3.1: the client id and secret in Basic auth are form-encoded.
      const decode = (text: string | undefined) =>
        text === undefined ? undefined : decodeURIComponent(text.replaceAll('+', ' '));
      if (
        !client ||
        decode(credentials?.user) !== client.id ||
        decode(credentials?.password) !== client.secret
      ) {
        return { status: 401, body: { error: 'invalid_client' } };
      }
      if (form.get('grant_type') !== 'client_credentials')
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      const token = `wd-token-${tokens.size + 1}`;
      tokens.add(token);
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
    }
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    const authorized =
      (credentials?.user === options.username && credentials.password === options.password) ||
      (bearer !== undefined && tokens.has(bearer));
    if (!authorized) return workdayError(401, 'Invalid username or password');
    if (request.path !== reportPath) return workdayError(404, 'Report not found');
    if (options.forbidden) return workdayError(403, 'The task submitted is not authorized.');
    if (request.query.get('format') !== 'json') return workdayError(400, 'Unsupported format');
    const id = request.query.get('Employee_ID');
    const rows = state.employees.filter((e) => id === null || e.id === id);
    return { status: 200, body: { Report_Entry: rows.map((e) => render(e, state.employees)) } };
  });
  return {
    ...server,
    /** The records served: edit them in place between reads. */
    employees: state.employees,
  };
}

function render(e: Employee, all: Employee[]): Record<string, string> {
  const manager = all.find((m) => m.id === e.managerId);
  return {
    Employee_ID: e.id,
    First_Name: e.first,
    Last_Name: e.last,
    Email_Address: e.email,
    Department: e.department,
    Job_Title: e.title,
    Location: 'Pleasanton',
    Worker_Type: 'Regular',
    Hire_Date: e.hireDate,
    Active_Status: e.active ? '1' : '0',
    ...(manager ? { Manager_Employee_ID: manager.id, Manager_Email: manager.email } : {}),
    ...(e.terminationDate ? { Termination_Date: e.terminationDate } : {}),
  };
}

function workdayError(status: number, message: string): VendorAnswer {
  return { status, body: { error: message, errors: [{ error: message }] } };
}

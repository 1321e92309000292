import { describe, expect, it } from 'vitest';
import { startFakeWorkday } from '../../support/fakes/workday.ts';
import type { Employee } from '../../support/fakes/vendor-server.ts';
import {
  closeAfterEach,
  expectPermanentReadError,
  genericSignedHeaders,
  fullSync,
  kratosState,
  postWebhook,
  presetConnection,
  presetSource,
  startPresetRuntime,
} from './preset-harness.ts';

const REPORT = { tenant: 'acme_tenant1', owner: 'ISU_KratosSync', report: 'Kratos_Workers' };
const USER = 'ISU_KratosSync';
const PASSWORD = 'workday-isu-password-0123456789';
const WEBHOOK_SECRET = 'workday-relay-secret-0123';

const staff = (): Employee[] => [
  {
    id: '21001',
    first: 'Logan',
    last: 'McNeil',
    email: 'logan.mcneil@example.com',
    department: 'Finance',
    title: 'Controller',
    hireDate: '2018-03-01',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
  {
    id: '21002',
    first: 'Teresa',
    last: 'Serrano',
    email: 'teresa.serrano@example.com',
    department: 'Finance',
    title: 'Analyst',
    managerId: '21001',
    hireDate: '2023-09-18',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
];

const cleanup = closeAfterEach();

const connection = presetConnection('workday', {
  host: 'wd2-impl-services1.workday.com',
  tenant: REPORT.tenant,
  reportOwner: REPORT.owner,
  reportName: REPORT.report,
  auth: { type: 'basic', username: USER, password: PASSWORD },
  lookupPrompt: 'Employee_ID',
});

/** The generic signed-webhook format, here with a bare hex signature (no `sha256=` prefix). */
const signed = (body: string) => genericSignedHeaders(WEBHOOK_SECRET, body, { prefix: false });

describe('Workday preset', () => {
  it('syncs the RaaS report, then one worker through the report prompt, to the exact Kratos state', async () => {
    const api = await startFakeWorkday({ ...REPORT, username: USER, password: PASSWORD, employees: staff() });
    cleanup.push(api.close);
    const runtime = await startPresetRuntime({
      connection: connection(api.url),
      webhook: { secret: WEBHOOK_SECRET, personKey: 'worker.id' },
    });
    cleanup.push(runtime.close);
    await fullSync(runtime);
    expect(kratosState(runtime)).toEqual({
      '21001': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'workday-21001',
        traits: {
          email: 'logan.mcneil@example.com',
          name: { first: 'Logan', last: 'McNeil' },
          employee_number: '21001',
          department: 'Finance',
          job_title: 'Controller',
          location: 'Pleasanton',
          start_date: '2018-03-01',
        },
        metadata_admin: { workday: { active: '1', worker_type: 'Regular' } },
      },
      '21002': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'workday-21002',
        traits: {
          email: 'teresa.serrano@example.com',
          name: { first: 'Teresa', last: 'Serrano' },
          employee_number: '21002',
          department: 'Finance',
          job_title: 'Analyst',
          location: 'Pleasanton',
          manager_email: 'logan.mcneil@example.com',
          start_date: '2023-09-18',
        },
        metadata_admin: { workday: { active: '1', worker_type: 'Regular', manager_id: '21001' } },
      },
    });

    // Teresa is terminated; the customer's Workday integration relays the event (generic signature).
    const before = kratosState(runtime)['21002'];
    api.employees[1] = { ...api.employees[1]!, active: false, terminationDate: '2026-11-20' };
    const from = api.requests.length;
    const event = JSON.stringify({ event: 'termination', worker: { id: '21002' } });
    await postWebhook(runtime, event, signed(event));
    expect(api.requests.slice(from).map((r) => r.query.get('Employee_ID'))).toEqual(['21002']);
    expect(kratosState(runtime)['21002']).toEqual({ ...before, state: 'inactive' });
    expect(kratosState(runtime)['21001']!.state).toBe('active');
  });

  it("reads the report with an OAuth2 API client, the token from the tenant's own token URL", async () => {
    const api = await startFakeWorkday({
      ...REPORT,
      username: USER,
      password: PASSWORD,
      employees: staff(),
      apiClient: { id: 'wd-client-id', secret: 'wd-client-secret-0123' },
    });
    cleanup.push(api.close);
    const source = presetSource(
      connection(api.url, {
        auth: {
          type: 'oauth2-client-credentials',
          clientId: 'wd-client-id',
          clientSecret: 'wd-client-secret-0123',
        },
      }),
    );
    const keys = [];
    for await (const record of source.stream()) keys.push(record.Employee_ID);
    expect(keys).toEqual(['21001', '21002']);
    expect(await source.fetchOne('21002')).toMatchObject({
      Employee_ID: '21002',
      Manager_Email: 'logan.mcneil@example.com',
    });
    expect(
      api.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization?.split(' ')[0]}`),
    ).toEqual([
      `POST /ccx/oauth2/${REPORT.tenant}/token Basic`,
      `GET /ccx/service/customreport2/${REPORT.tenant}/${REPORT.owner}/${REPORT.report} Bearer`,
      `GET /ccx/service/customreport2/${REPORT.tenant}/${REPORT.owner}/${REPORT.report} Bearer`,
    ]);
  });

  it.each([
    [
      'a wrong report name',
      { reportName: 'Kratos_Workerz' },
      {},
      'HTTP 404: no such report; check connection.tenant, reportOwner and reportName',
    ],
    [
      'a wrong password',
      { auth: { type: 'basic', username: USER, password: 'wrong-password-000' } },
      {},
      'HTTP 401: Workday refused the credentials',
    ],
    [
      'a user who may not run the report',
      {},
      { forbidden: true },
      'HTTP 403: the account may not run this report',
    ],
  ])('stops with a message that says what to do, given %s', async (_case, override, fakeOptions, message) => {
    const api = await startFakeWorkday({
      ...REPORT,
      username: USER,
      password: PASSWORD,
      employees: staff(),
      ...fakeOptions,
    });
    cleanup.push(api.close);
    await expectPermanentReadError(presetSource(connection(api.url, override)), message, PASSWORD);
  });
});

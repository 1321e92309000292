import { describe, expect, it } from 'vitest';
import { flattenPersonioEmployee } from '../../../src/sources/presets/personio.ts';
import { findLeaks } from '../../lifecycle/support/secret-scan.ts';
import { captureLogs } from '../../support/capture-logs.ts';
import { startFakePersonio } from '../../support/fakes/personio.ts';
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
  writtenText,
} from './preset-harness.ts';

const CLIENT_ID = 'papi-1a2b3c4d-0000-4000-8000-000000000001';
const CLIENT_SECRET = 'papi-secret-never-logged-0123456789';
const WEBHOOK_SECRET = 'personio-webhook-secret-0123';

// 230 people: two pages of 200 (Personio's largest).
const staff = (): Employee[] =>
  Array.from({ length: 230 }, (_, i) => ({
    id: String(9001 + i),
    first: `First${i + 1}`,
    last: `Last${i + 1}`,
    email: `Person${i + 1}@Example.com`,
    department: i % 2 ? 'Sales' : 'Engineering',
    title: 'Specialist',
    ...(i > 0 ? { managerId: '9001' } : {}),
    hireDate: '2022-02-01',
    active: i !== 229,
    ...(i === 229 ? { terminationDate: '2026-09-30' } : {}),
    updated: '2026-11-01T10:00:00Z',
  }));

const cleanup = closeAfterEach();

const connection = presetConnection('personio', {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
});

/** The generic signed-webhook format (Personio events are relayed by the customer's own tooling). */
const signed = (body: string) => genericSignedHeaders(WEBHOOK_SECRET, body, { prefix: true });

describe('Personio preset', () => {
  it('syncs everyone through OAuth2 and limit/offset pages, then one person from a webhook, to the exact Kratos state', async () => {
    const api = await startFakePersonio({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      employees: staff(),
    });
    cleanup.push(api.close);
    const logs = captureLogs('debug');
    const runtime = await startPresetRuntime(
      {
        connection: connection(api.url),
        webhook: { secret: WEBHOOK_SECRET },
      },
      { logger: logs.logger },
    );
    cleanup.push(runtime.close);
    api.rateLimitNext(1, 1);
    await fullSync(runtime);

    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.query.toString()}`)).toEqual([
      'POST /v2/auth/token ',
      'GET /v1/company/employees offset=0&limit=200', // 429, X-RateLimit-Reset: 1
      'GET /v1/company/employees offset=0&limit=200',
      'GET /v1/company/employees offset=200&limit=200',
    ]);
    const state = kratosState(runtime);
    expect(Object.keys(state)).toHaveLength(229); // the leaver who already left is not created
    expect(state['9002']).toEqual({
      state: 'active',
      schema_id: 'employee',
      external_id: 'personio-9002',
      traits: {
        email: 'person2@example.com',
        name: { first: 'First2', last: 'Last2' },
        employee_number: '9002',
        department: 'Sales',
        job_title: 'Specialist',
        location: 'Berlin',
        manager_email: 'person1@example.com',
        start_date: '2022-02-01',
      },
      metadata_admin: { personio: { status: 'active', employment_type: 'internal', manager_id: '9001' } },
    });

    // A department change, announced by a webhook: one token reused, one lookup.
    api.employees[1] = { ...api.employees[1]!, department: 'Engineering', updated: '2026-11-22T08:00:00Z' };
    const before = api.requests.length;
    const event = JSON.stringify({ event: 'employee.updated', data: { employee_id: 9002 } });
    await postWebhook(runtime, event, signed(event));
    expect(api.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/company/employees/9002',
    ]);
    expect(kratosState(runtime)['9002']).toEqual({
      ...state['9002'],
      traits: { ...(state['9002']!.traits as object), department: 'Engineering' },
    });
    // One token for the whole test (reused by the job), and neither it nor the client secret was written.
    expect(api.requests.filter((r) => r.path === '/v2/auth/token')).toHaveLength(1);
    expect(
      findLeaks(await writtenText(runtime, logs), [CLIENT_SECRET, 'personio-token-1', WEBHOOK_SECRET]),
    ).toEqual([]);
  });

  it('hands mappings the values of Personio attributes, nested objects included', () => {
    const record = flattenPersonioEmployee({
      type: 'Employee',
      attributes: {
        id: { label: 'ID', value: 7, type: 'integer', universal_id: 'id' },
        department: {
          label: 'Department',
          value: { type: 'Department', attributes: { id: 3, name: 'Ops' } },
        },
        supervisor: {
          label: 'Supervisor',
          value: { type: 'Employee', attributes: { email: { label: 'Email', value: 'm@x.io' } } },
        },
        cost_centers: {
          label: 'Cost center',
          value: [{ type: 'CostCenter', attributes: { id: 1, name: 'CC1', percentage: 100 } }],
        },
        termination_date: { label: 'Termination date', value: null },
      },
    });
    expect(record).toEqual({
      id: 7,
      department: { id: 3, name: 'Ops' },
      supervisor: { email: 'm@x.io' },
      cost_centers: [{ id: 1, name: 'CC1', percentage: 100 }],
      termination_date: null,
    });
  });

  it.each([
    [
      'wrong API credentials',
      { clientSecret: 'papi-wrong-secret-000' },
      {},
      '(connection.tokenUrl) answered HTTP 401 (invalid_client): check connection.clientId and clientSecret',
    ],
    [
      'credentials without read access to employees',
      {},
      { noEmployeeAccess: true },
      'HTTP 403: the API credentials may not read employees or these attributes',
    ],
  ])('stops with a message that says what to do, given %s', async (_case, override, fakeOptions, message) => {
    const api = await startFakePersonio({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      employees: staff(),
      ...fakeOptions,
    });
    cleanup.push(api.close);
    await expectPermanentReadError(presetSource(connection(api.url, override)), message, CLIENT_SECRET);
  });
});

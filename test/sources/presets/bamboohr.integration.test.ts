import { describe, expect, it } from 'vitest';
import { signBambooHr } from '../../../src/http/webhook-verifiers/bamboohr-signature.ts';
import { findLeaks } from '../../lifecycle/support/secret-scan.ts';
import { captureLogs } from '../../support/capture-logs.ts';
import { startFakeBambooHr } from '../../support/fakes/bamboohr.ts';
import type { Employee } from '../../support/fakes/vendor-server.ts';
import {
  closeAfterEach,
  expectPermanentReadError,
  fullSync,
  kratosState,
  postWebhook,
  presetConnection,
  presetSource,
  startPresetRuntime,
  writtenText,
} from './preset-harness.ts';

const API_KEY = 'bamboo-api-key-0123456789abcdef';
const WEBHOOK_KEY = 'bamboo-webhook-private-key-42';

const staff = (): Employee[] => [
  {
    id: '101',
    first: 'Ada',
    last: 'Lovelace',
    email: 'Ada@Example.com',
    department: 'Engineering',
    title: 'CTO',
    hireDate: '2020-01-06',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
  {
    id: '102',
    first: 'Grace',
    last: 'Hopper',
    email: 'grace@example.com',
    department: 'Engineering',
    title: 'Engineer',
    managerId: '101',
    hireDate: '2021-03-01',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
  {
    id: '103',
    first: 'Alan',
    last: 'Turing',
    email: 'alan@example.com',
    department: 'Research',
    title: 'Researcher',
    managerId: '101',
    hireDate: '2019-05-01',
    terminationDate: '2026-10-31',
    active: false,
    updated: '2026-11-01T10:00:00Z',
  },
];

const cleanup = closeAfterEach();

const connection = presetConnection('bamboohr', {
  subdomain: 'acme',
  apiKey: API_KEY,
});

async function start(logs = captureLogs('debug')) {
  const api = await startFakeBambooHr({ companyDomain: 'acme', apiKey: API_KEY, employees: staff() });
  cleanup.push(api.close);
  const runtime = await startPresetRuntime(
    {
      connection: connection(api.url),
      webhook: { secret: WEBHOOK_KEY },
    },
    { logger: logs.logger },
  );
  cleanup.push(runtime.close);
  return { api, runtime, logs };
}

function bambooHeaders(body: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-bamboohr-timestamp': timestamp,
    'x-bamboohr-signature': signBambooHr(WEBHOOK_KEY, timestamp, body),
  };
}

const employeeTraits = (first: string, last: string, email: string, extra: Record<string, unknown>) => ({
  email,
  name: { first, last },
  ...extra,
});

describe('BambooHR preset', () => {
  it('syncs everyone from the custom report, then one person from a signed webhook, to the exact Kratos state', async () => {
    const { api, runtime, logs } = await start();
    api.throttleNext(1, 1); // BambooHR's 503 + Retry-After on the first read: waited out, not fatal
    await fullSync(runtime);
    expect(kratosState(runtime)).toEqual({
      '101': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'bamboohr-101',
        traits: employeeTraits('Ada', 'Lovelace', 'ada@example.com', {
          employee_number: 'EN-101',
          department: 'Engineering',
          job_title: 'CTO',
          location: 'Remote',
          start_date: '2020-01-06',
        }),
        metadata_admin: { bamboohr: { status: 'Active', employment_status: 'Full-Time' } },
      },
      '102': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'bamboohr-102',
        traits: employeeTraits('Grace', 'Hopper', 'grace@example.com', {
          employee_number: 'EN-102',
          department: 'Engineering',
          job_title: 'Engineer',
          location: 'Remote',
          manager_email: 'ada@example.com',
          start_date: '2021-03-01',
        }),
        metadata_admin: { bamboohr: { status: 'Active', employment_status: 'Full-Time', manager_id: '101' } },
      },
    });
    const report = api.requests.filter((r) => r.path === '/api/gateway.php/acme/v1/reports/custom');
    expect(report).toHaveLength(2); // the throttled one and its retry
    expect(report[1]!.query.get('onlyCurrent')).toBe('false');

    // Grace moves to Research; BambooHR posts an event-based webhook naming her.
    api.employees[1] = { ...api.employees[1]!, department: 'Research', updated: '2026-11-20T09:00:00Z' };
    const before = api.requests.length;
    const event = JSON.stringify({
      type: 'employee.updated',
      timestamp: '2026-11-20T09:00:01+0000',
      data: { companyId: '4711', employeeId: '102', changedFields: ['department'] },
    });
    await postWebhook(runtime, event, bambooHeaders(event));
    // One lookup of that person, not a report of everyone.
    expect(api.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/gateway.php/acme/v1/employees/102',
    ]);
    const state = kratosState(runtime);
    expect((state['102']!.traits as { department: string }).department).toBe('Research');
    expect(state['101']).toEqual(kratosState(runtime)['101']);

    // Grace leaves: the field-based webhook format lists employees; she is deactivated (a deactivation
    // changes the state only, so the rest of her identity stays as it was).
    const graceBefore = kratosState(runtime)['102'];
    api.employees[1] = {
      ...api.employees[1]!,
      active: false,
      terminationDate: '2026-11-19',
      updated: '2026-11-20T10:00:00Z',
    };
    const leaver = JSON.stringify({
      employees: [{ id: '102', action: 'Updated', changedFields: ['status'], fields: {} }],
    });
    await postWebhook(runtime, leaver, bambooHeaders(leaver));
    expect(kratosState(runtime)['102']).toEqual({ ...graceBefore, state: 'inactive' });

    // The API key (and the basic-auth header made of it) and the webhook key were written nowhere.
    const basic = Buffer.from(`${API_KEY}:x`).toString('base64');
    const written = await writtenText(runtime, logs);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(findLeaks(written, [API_KEY, basic, WEBHOOK_KEY])).toEqual([]);
    expect(kratosState(runtime)['101']!.state).toBe('active');
  });

  it('refuses a webhook that BambooHR did not sign', async () => {
    const { runtime } = await start();
    const event = JSON.stringify({ type: 'employee.updated', data: { employeeId: '101' } });
    const headers = {
      ...bambooHeaders(event),
      'x-bamboohr-signature': signBambooHr('another-key', String(Math.floor(Date.now() / 1000)), event),
    };
    const res = await runtime.replica.http!.inject({
      method: 'POST',
      url: '/webhooks/hr',
      payload: event,
      headers,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized', reason: 'signature does not match' });
  });

  it.each([
    [
      'a wrong subdomain',
      { subdomain: 'acne' },
      'HTTP 404: no BambooHR company "acne" (or no such path); check connection.subdomain',
    ],
    [
      'a wrong API key',
      { apiKey: 'not-the-key-000000' },
      'HTTP 401: BambooHR refused the API key; create one (your photo > API Keys) and set connection.apiKey',
    ],
    [
      'a user without access to a field',
      { fields: ['payRate'] },
      "HTTP 403: the API key's user may not read these employees or fields",
    ],
  ])('stops with a message that says what to do, given %s', async (_case, override, message) => {
    const api = await startFakeBambooHr({
      companyDomain: 'acme',
      apiKey: API_KEY,
      employees: staff(),
      forbiddenFields: ['payRate'],
    });
    cleanup.push(api.close);
    await expectPermanentReadError(presetSource(connection(api.url, override)), message, API_KEY);
    expect(api.requests).toHaveLength(1); // not retried
  });
});

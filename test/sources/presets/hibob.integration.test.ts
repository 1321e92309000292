import { describe, expect, it } from 'vitest';
import { signHiBob } from '../../../src/http/webhook-verifiers/hibob-signature.ts';
import { startFakeHiBob } from '../../support/fakes/hibob.ts';
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
} from './preset-harness.ts';

const USER_ID = 'SERVICE-4711';
const TOKEN = 'hibob-service-token-0123456789abcdef';
const WEBHOOK_SECRET = 'hibob-webhook-secret-token-9876';

const staff = (): Employee[] => [
  {
    id: '3332883804594373001',
    first: 'Mia',
    last: 'Wong',
    email: 'mia.wong@example.com',
    department: 'Product',
    title: 'VP Product',
    hireDate: '2021-01-04',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
  {
    id: '3332883804594373002',
    first: 'Noah',
    last: 'Berg',
    email: 'Noah.Berg@Example.com',
    department: 'Product',
    title: 'Designer',
    managerId: '3332883804594373001',
    hireDate: '2024-06-03',
    active: true,
    updated: '2026-11-01T10:00:00Z',
  },
  {
    id: '3332883804594373003',
    first: 'Ola',
    last: 'Nord',
    email: 'ola@example.com',
    department: 'Sales',
    title: 'AE',
    hireDate: '2020-02-03',
    terminationDate: '2026-06-30',
    active: false,
    updated: '2026-11-01T10:00:00Z',
  },
];

const cleanup = closeAfterEach();

const connection = presetConnection('hibob', {
  serviceUserId: USER_ID,
  serviceUserToken: TOKEN,
});

const bobHeaders = (body: string) => ({
  'content-type': 'application/json',
  'bob-signature': signHiBob(WEBHOOK_SECRET, body),
});

describe('HiBob preset', () => {
  it('syncs everyone from people search, then one person from a Bob-Signature webhook, to the exact Kratos state', async () => {
    const api = await startFakeHiBob({ serviceUserId: USER_ID, serviceUserToken: TOKEN, employees: staff() });
    cleanup.push(api.close);
    const runtime = await startPresetRuntime({
      connection: connection(api.url),
      webhook: { secret: WEBHOOK_SECRET },
    });
    cleanup.push(runtime.close);
    api.rateLimitNext(1, 1); // 429 with X-RateLimit-Reset (unix time): waited out
    await fullSync(runtime);
    const searches = api.requests.filter((r) => r.path === '/v1/people/search');
    expect(searches).toHaveLength(2);
    expect(JSON.parse(searches[1]!.body)).toMatchObject({ showInactive: true });
    expect(kratosState(runtime)).toEqual({
      '3332883804594373001': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'hibob-3332883804594373001',
        traits: {
          email: 'mia.wong@example.com',
          name: { first: 'Mia', last: 'Wong' },
          employee_number: '1',
          department: 'Product',
          job_title: 'VP Product',
          location: 'London',
          start_date: '2021-01-04',
        },
        metadata_admin: { hibob: { status: 'Active', lifecycle_status: 'employed' } },
      },
      '3332883804594373002': {
        state: 'active',
        schema_id: 'employee',
        external_id: 'hibob-3332883804594373002',
        traits: {
          email: 'noah.berg@example.com',
          name: { first: 'Noah', last: 'Berg' },
          employee_number: '2',
          department: 'Product',
          job_title: 'Designer',
          location: 'London',
          manager_email: 'mia.wong@example.com',
          start_date: '2024-06-03',
        },
        metadata_admin: {
          hibob: { status: 'Active', lifecycle_status: 'employed', manager_id: '3332883804594373001' },
        },
      },
    });

    // Noah gets a new title; Bob posts employee.updated.
    api.employees[1] = { ...api.employees[1]!, title: 'Lead Designer' };
    const before = api.requests.length;
    const event = JSON.stringify({
      companyId: 640035,
      type: 'employee.updated',
      triggeredBy: '3332883804594373001',
      triggeredAt: '2026-11-23T09:00:00.000Z',
      data: { employeeId: '3332883804594373002' },
      version: 'v2',
    });
    await postWebhook(runtime, event, bobHeaders(event));
    const lookups = api.requests.slice(before);
    expect(lookups).toHaveLength(1);
    expect(JSON.parse(lookups[0]!.body)).toMatchObject({
      filters: [{ fieldPath: 'root.id', operator: 'equals', values: ['3332883804594373002'] }],
    });
    expect((kratosState(runtime)['3332883804594373002']!.traits as { job_title: string }).job_title).toBe(
      'Lead Designer',
    );
  });

  it('refuses an event whose Bob-Signature is not the HMAC-SHA512 of its body', async () => {
    const api = await startFakeHiBob({ serviceUserId: USER_ID, serviceUserToken: TOKEN, employees: [] });
    cleanup.push(api.close);
    const runtime = await startPresetRuntime({
      connection: connection(api.url),
      webhook: { secret: WEBHOOK_SECRET },
    });
    cleanup.push(runtime.close);
    const body = JSON.stringify({ type: 'employee.updated', data: { employeeId: '1' } });
    const res = await runtime.replica.http!.inject({
      method: 'POST',
      url: '/webhooks/hr',
      payload: body,
      headers: { ...bobHeaders(body), 'bob-signature': signHiBob(WEBHOOK_SECRET, `${body} `) },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ reason: string }>().reason).toBe('signature does not match');
  });

  it.each([
    [
      'a wrong service user token',
      { serviceUserToken: 'not-the-token-0000' },
      [],
      'HTTP 401: HiBob refused the service user',
    ],
    [
      'a permission group without a field',
      {},
      ['work.reportsTo'],
      "HTTP 403: the service user's permission group may not see these people or fields",
    ],
  ])(
    'stops with a message that says what to do, given %s',
    async (_case, override, forbiddenFields, message) => {
      const api = await startFakeHiBob({
        serviceUserId: USER_ID,
        serviceUserToken: TOKEN,
        employees: staff(),
        forbiddenFields,
      });
      cleanup.push(api.close);
      await expectPermanentReadError(presetSource(connection(api.url, override)), message);
    },
  );
});

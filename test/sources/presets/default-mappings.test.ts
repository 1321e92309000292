import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/domain/identity.ts';
import { compileMapper } from '../../../src/mapping/compile-mapper.ts';
import { flattenPersonioEmployee } from '../../../src/sources/presets/personio.ts';
import { presetSourceConfig } from './preset-config.ts';

// The identity schemas the presets' defaults are written for: the employee schema this repository ships
// for Kratos (it requires email, name and employee_number) and the email/name quickstart schema.
const schemas = new Map<string, JsonObject>([
  [
    'employee',
    JSON.parse(
      readFileSync(new URL('../../../config/kratos/identity.employee.schema.json', import.meta.url), 'utf8'),
    ) as JsonObject,
  ],
  [
    'default',
    JSON.parse(
      readFileSync(new URL('../../kratos-sim/schemas/email-password.schema.json', import.meta.url), 'utf8'),
    ) as JsonObject,
  ],
]);

function mapperFor(connection: Record<string, unknown>) {
  const source = presetSourceConfig(connection);
  return compileMapper({ sourceName: 'hr', mapping: source.mapping, leaver: source.leaver, schemas });
}

const NOW = new Date('2026-12-01T09:00:00Z');

// Each vendor's record as its API documents it, with the fields a sparse record may lack left out.
describe.each([
  [
    'bamboohr',
    { type: 'http-json', preset: 'bamboohr', subdomain: 'acme', apiKey: 'k' },
    {
      id: '40',
      employeeNumber: '',
      firstName: 'Iris',
      lastName: 'Moss',
      preferredName: null,
      workEmail: 'IRIS@x.io',
      department: '',
      jobTitle: null,
      supervisorEmail: null,
      hireDate: '0000-00-00',
      terminationDate: '2026-11-30',
      status: 'Active',
      employmentHistoryStatus: 'Full-Time',
      lastChanged: '2026-11-30T10:00:00+00:00',
    },
    { email: 'iris@x.io', name: { first: 'Iris', last: 'Moss' }, employee_number: '40' },
  ],
  [
    'hibob',
    { type: 'http-json', preset: 'hibob', serviceUserId: 'S', serviceUserToken: 't' },
    {
      id: '3332883804594373999',
      email: 'iris@x.io',
      firstName: 'Iris',
      surname: 'Moss',
      work: { startDate: '2025-01-06', reportsTo: null },
      internal: { status: 'Active', terminationDate: '2026-11-30' },
    },
    {
      email: 'iris@x.io',
      name: { first: 'Iris', last: 'Moss' },
      employee_number: '3332883804594373999',
      start_date: '2025-01-06',
    },
  ],
  [
    'personio',
    { type: 'http-json', preset: 'personio', clientId: 'i', clientSecret: 's' },
    flattenPersonioEmployee({
      type: 'Employee',
      attributes: {
        id: { label: 'ID', value: 40, type: 'integer' },
        first_name: { label: 'First name', value: 'Iris', type: 'standard' },
        last_name: { label: 'Last name', value: 'Moss', type: 'standard' },
        email: { label: 'Email', value: 'iris@x.io', type: 'standard' },
        status: { label: 'Status', value: 'active', type: 'standard' },
        department: { label: 'Department', value: null, type: 'standard' },
        supervisor: { label: 'Supervisor', value: null, type: 'standard' },
        hire_date: { label: 'Hire date', value: '2025-01-06T00:00:00+01:00', type: 'date' },
        termination_date: { label: 'Termination date', value: '2026-11-30T00:00:00+01:00', type: 'date' },
      },
    }),
    {
      email: 'iris@x.io',
      name: { first: 'Iris', last: 'Moss' },
      employee_number: '40',
      start_date: '2025-01-06',
    },
  ],
  [
    'workday',
    {
      type: 'http-json',
      preset: 'workday',
      host: 'h',
      tenant: 't',
      reportOwner: 'o',
      reportName: 'r',
      auth: { type: 'basic', username: 'u', password: 'p' },
    },
    {
      Employee_ID: '40',
      First_Name: 'Iris',
      Last_Name: 'Moss',
      Email_Address: 'iris@x.io',
      Active_Status: '1',
      Termination_Date: '2026-11-30-08:00',
    },
    { email: 'iris@x.io', name: { first: 'Iris', last: 'Moss' }, employee_number: '40' },
  ],
])('%s default mapping', (_preset, connection, record, traits) => {
  it('maps a sparse record to an identity the schema accepts, leaving empty fields out', async () => {
    const result = await mapperFor(connection).map(record, 1, new Date('2026-11-01T09:00:00Z'));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok !== true) return;
    expect(result.desired.traits).toEqual(traits);
    expect(result.desired.schemaId).toBe('employee');
    expect(result.desired.leaver).toBe(false);
  });

  it('treats a termination date that has passed as a leaver', async () => {
    const result = await mapperFor(connection).map(record, 1, NOW);
    expect(result.ok === true && result.desired.leaver).toBe(true);
  });
});

describe('hubspot default mapping', () => {
  const mapper = mapperFor({ type: 'http-json', preset: 'hubspot', token: 't' });
  it('maps a contact to the email/name schema, and leaves contacts without an e-mail out of scope', async () => {
    const contact = {
      id: '51',
      properties: { email: 'Buyer@Globex.com', firstname: 'Hank', lastname: null },
      updatedAt: '2026-11-01T00:00:00Z',
    };
    const result = await mapper.map(contact, 1, NOW);
    expect(result.ok === true && result.desired).toMatchObject({
      schemaId: 'default',
      externalId: 'hubspot-51',
      traits: { email: 'buyer@globex.com', name: { first: 'Hank' } },
      version: '2026-11-01T00:00:00Z',
    });
    expect(await mapper.map({ id: '52', properties: { email: null } }, 2, NOW)).toEqual({
      ok: 'out-of-scope',
      key: '52',
    });
  });
});

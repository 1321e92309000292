import type { BambooHrConnection } from '../../config/sections/presets/bamboohr.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import { SourceError } from '../types.ts';
import { basicAuthHeader } from './basic-auth.ts';
import { fillPath, presetUrl } from './preset-url.ts';

/** The fields the default mapping reads (BambooHR field names: documentation.bamboohr.com/docs/list-of-field-names). */
const BAMBOOHR_FIELDS = [
  'id',
  'employeeNumber',
  'firstName',
  'lastName',
  'preferredName',
  'workEmail',
  'department',
  'division',
  'jobTitle',
  'location',
  'supervisorEId',
  'supervisorEmail',
  'hireDate',
  'terminationDate',
  'status',
  'employmentHistoryStatus',
  'lastChanged',
];

/**
 * BambooHR: the API key is the basic-auth user (any password; BambooHR documents `x`). Everyone, leavers
 * included (`onlyCurrent=false`, so a terminated person is seen as Inactive rather than missing), comes from
 * one custom report — `POST /v1/reports/custom?format=JSON` with the fields to read; the report is not
 * paged. One person: `GET /v1/employees/{id}?fields=…`. When throttled BambooHR answers 503 with
 * Retry-After, which the client honours.
 */
export function bamboohrPlan(sourceName: string, connection: BambooHrConnection): HttpSourcePlan {
  const fields = [...new Set([...BAMBOOHR_FIELDS, ...connection.fields])];
  const api = (path: string) =>
    presetUrl(
      connection.baseUrl,
      'https://api.bamboohr.com',
      `/api/gateway.php/${encodeURIComponent(connection.subdomain)}/v1${path}`,
    );
  return {
    list: {
      url: api('/reports/custom?format=JSON&onlyCurrent=false'),
      body: { title: 'kratos-sync', fields },
      pagination: { type: 'none' },
      itemsPath: 'employees',
    },
    one: (key) => {
      if (!/^\d+$/.test(key)) {
        throw new SourceError(`${sourceName}: "${key}" is not a BambooHR employee id (digits)`, {
          transient: false,
        });
      }
      return {
        url: api(`${fillPath('/employees/{id}', { id: key })}?fields=${fields.join(',')}`),
        itemPath: '',
      };
    },
    auth: basicAuthHeader(connection.apiKey, 'x'),
    authOption: 'connection.apiKey',
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    statusAdvice: {
      401: 'BambooHR refused the API key; create one (your photo > API Keys) and set connection.apiKey',
      403:
        "the API key's user may not read these employees or fields; use a user with access to all " +
        'employees and to the fields read (see docs/presets/bamboohr.md), or remove custom ones from connection.fields',
      404: `no BambooHR company "${connection.subdomain}" (or no such path); check connection.subdomain (acme for acme.bamboohr.com)`,
    },
    hostNotFoundAdvice: 'check connection.baseUrl',
  };
}

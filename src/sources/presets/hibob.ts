import type { HiBobConnection } from '../../config/sections/presets/hibob.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import { basicAuthHeader } from './basic-auth.ts';
import { presetUrl } from './preset-url.ts';
import { rateLimitResetWaitMs } from './rate-limit-reset.ts';

/** Field paths the default mapping reads (https://apidocs.hibob.com/reference/post_people-search). */
const HIBOB_FIELDS = [
  'root.id',
  'root.email',
  'root.firstName',
  'root.surname',
  'work.employeeIdInCompany',
  'work.department',
  'work.title',
  'work.site',
  'work.startDate',
  'work.reportsTo',
  'internal.status',
  'internal.lifecycleStatus',
  'internal.terminationDate',
];

/**
 * HiBob: a service user's id and token as basic auth. Everyone, inactive people included (so a leaver is
 * seen as Inactive, not as missing): `POST /v1/people/search` with the field paths to read — one answer,
 * not paged. `humanReadable: APPEND` adds a `humanReadable` copy of each person with list fields (department,
 * title, site) as names; the raw values (list item ids, ISO dates) stay where they are. One person: the same search filtered on `root.id` (an empty `employees` means absent).
 */
export function hibobPlan(connection: HiBobConnection): HttpSourcePlan {
  const fields = [...new Set([...HIBOB_FIELDS, ...connection.fields])];
  const url = presetUrl(connection.baseUrl, 'https://api.hibob.com', '/v1/people/search');
  return {
    list: {
      url,
      body: { fields, showInactive: true, humanReadable: 'APPEND' },
      pagination: { type: 'none' },
      itemsPath: 'employees',
    },
    one: (key) => ({
      url,
      body: {
        fields,
        showInactive: true,
        humanReadable: 'APPEND',
        filters: [{ fieldPath: 'root.id', operator: 'equals', values: [key] }],
      },
      itemPath: 'employees',
    }),
    auth: basicAuthHeader(connection.serviceUserId, connection.serviceUserToken),
    authOption: 'connection.serviceUserToken',
    // 429s carry X-RateLimit-Reset (https://apidocs.hibob.com/reference/rate-limiting); search allows 50/min.
    rateLimitWaitMs: rateLimitResetWaitMs,
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    statusAdvice: {
      401:
        'HiBob refused the service user; check connection.serviceUserId and connection.serviceUserToken ' +
        '(Settings > Integrations > Service users)',
      403:
        "the service user's permission group may not see these people or fields; give it view access to " +
        'the fields read (see docs/presets/hibob.md) for all employees, including inactive ones',
      404: 'check connection.baseUrl',
    },
    hostNotFoundAdvice: 'check connection.baseUrl',
  };
}

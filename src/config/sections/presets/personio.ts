import { z } from 'zod';
import { secretOption } from '../secret-option.ts';
import { presetCommon, type PresetDefaults } from './common.ts';
import { employeeTraits, ifSet } from './employee-traits.ts';

/**
 * Personio (https://developer.personio.de): API credentials (client id and secret) exchanged for a bearer
 * token at `POST /v2/auth/token` (OAuth2 client credentials); people from `GET /v1/company/employees` in
 * limit/offset pages, one person from `GET /v1/company/employees/{id}`. Each attribute arrives as
 * `{ label, value, type, universal_id }`; the preset hands mappings the values (`first_name`,
 * `department.name`, `supervisor.email`).
 */
export const personioConnection = z.strictObject({
  ...presetCommon,
  preset: z.literal('personio'),
  clientId: secretOption,
  clientSecret: secretOption,
  /** Page size (`limit`); Personio allows up to 200. */
  pageSize: z.int().positive().max(200).default(200),
});
export type PersonioConnection = z.output<typeof personioConnection>;

const day = (field: string) => `(${field} ? $substring(${field}, 0, 10))`;

export const personioDefaults: PresetDefaults = {
  mapping: {
    key: 'id',
    externalId: '"personio-" & $string(id)',
    schemaId: '"employee"',
    traits: employeeTraits({
      email: '$lowercase(email)',
      first: 'preferred_name ? preferred_name : first_name',
      last: 'last_name',
      employeeNumber: '$string(id)',
      department: ifSet('department.name'),
      jobTitle: ifSet('position'),
      location: ifSet('office.name'),
      managerEmail: 'supervisor.email ? $lowercase(supervisor.email)',
      startDate: day('hire_date'),
    }),
    metadataAdmin: `{
      "personio": {
        "status": status,
        "employment_type": employment_type,
        "manager_id": supervisor.id ? $string(supervisor.id),
        "termination_date": ${day('termination_date')}
      }
    }`,
    version: 'last_modified_at',
  },
  leaver: { when: 'status = "inactive"', terminationDate: day('termination_date') },
  webhook: { personKey: '$string(data.employee_id)' },
};

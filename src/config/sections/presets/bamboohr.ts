import { z } from 'zod';
import { secretOption } from '../secret-option.ts';
import { presetCommon, type PresetDefaults } from './common.ts';
import { employeeTraits, ifSet } from './employee-traits.ts';

/**
 * BambooHR (https://documentation.bamboohr.com/docs): the API key of a user who can see the fields read, as
 * the basic-auth user name; people from a custom report (`POST /v1/reports/custom`), one person from
 * `GET /v1/employees/{id}`.
 */
export const bamboohrConnection = z.strictObject({
  ...presetCommon,
  preset: z.literal('bamboohr'),
  /** The company's BambooHR subdomain: `acme` for https://acme.bamboohr.com. */
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, 'expected the subdomain only, e.g. acme for acme.bamboohr.com'),
  apiKey: secretOption,
  /** More BambooHR field names to read (custom fields: `customShirtSize`, or their numeric ids). */
  fields: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a BambooHR field name')).default([]),
});
export type BambooHrConnection = z.output<typeof bamboohrConnection>;

/** BambooHR writes an empty date as 0000-00-00. */
const date = (field: string) => `(${field} != "0000-00-00" and ${field} != "" ? ${field})`;

export const bamboohrDefaults: PresetDefaults = {
  mapping: {
    key: 'id',
    externalId: '"bamboohr-" & id',
    schemaId: '"employee"',
    traits: employeeTraits({
      email: '$lowercase(workEmail)',
      first: 'preferredName ? preferredName : firstName',
      last: 'lastName',
      employeeNumber: 'employeeNumber ? employeeNumber : id',
      department: ifSet('department'),
      jobTitle: ifSet('jobTitle'),
      location: ifSet('location'),
      managerEmail: 'supervisorEmail ? $lowercase(supervisorEmail)',
      startDate: date('hireDate'),
    }),
    metadataAdmin: `{
      "bamboohr": {
        "status": status,
        "employment_status": employmentHistoryStatus,
        "manager_id": supervisorEId ? supervisorEId,
        "termination_date": ${date('terminationDate')}
      }
    }`,
    version: 'lastChanged',
  },
  leaver: { when: 'status = "Inactive"', terminationDate: date('terminationDate') },
  webhook: {
    format: 'bamboohr',
    // Event-based webhooks name one employee; field-based ones list several.
    personKey: '$exists(data.employeeId) ? data.employeeId : employees.id',
  },
};

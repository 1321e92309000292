import { z } from 'zod';
import { secretOption } from '../secret-option.ts';
import { presetCommon, type PresetDefaults } from './common.ts';
import { employeeTraits, ifSet } from './employee-traits.ts';

/**
 * HiBob (https://apidocs.hibob.com): a service user's id and token as basic auth; people from
 * `POST /v1/people/search` (inactive people included, so leavers are seen as such), one person from the
 * same search filtered on `root.id`.
 */
export const hibobConnection = z.strictObject({
  ...presetCommon,
  preset: z.literal('hibob'),
  serviceUserId: z.string().min(1),
  serviceUserToken: secretOption,
  /** More field paths to read (e.g. `work.site`, `custom.category_1.field_2`). */
  fields: z.array(z.string().regex(/^[A-Za-z0-9_.]+$/, 'expected a HiBob field path')).default([]),
});
export type HiBobConnection = z.output<typeof hibobConnection>;

export const hibobDefaults: PresetDefaults = {
  mapping: {
    key: 'id',
    externalId: '"hibob-" & id',
    schemaId: '"employee"',
    traits: employeeTraits({
      email: '$lowercase(email)',
      first: 'firstName',
      last: 'surname',
      employeeNumber: 'work.employeeIdInCompany ? $string(work.employeeIdInCompany) : id',
      department: ifSet('humanReadable.work.department'),
      jobTitle: ifSet('humanReadable.work.title'),
      location: ifSet('humanReadable.work.site'),
      managerEmail: 'work.reportsTo.email ? $lowercase(work.reportsTo.email)',
      startDate: ifSet('work.startDate'),
    }),
    metadataAdmin: `{
      "hibob": {
        "status": internal.status,
        "lifecycle_status": internal.lifecycleStatus ? internal.lifecycleStatus,
        "manager_id": work.reportsTo.id ? work.reportsTo.id,
        "termination_date": internal.terminationDate ? internal.terminationDate
      }
    }`,
  },
  leaver: {
    when: 'internal.status = "Inactive"',
    terminationDate: 'internal.terminationDate ? internal.terminationDate',
  },
  webhook: { format: 'hibob', personKey: 'data.employeeId' },
};

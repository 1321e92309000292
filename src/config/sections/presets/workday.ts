import { z } from 'zod';
import { secretOption } from '../secret-option.ts';
import { presetCommon, presetOAuth2, type PresetDefaults } from './common.ts';
import { employeeTraits, ifSet } from './employee-traits.ts';

/**
 * Workday through a Report-as-a-Service custom report read as JSON
 * (`/ccx/service/customreport2/{tenant}/{owner}/{report}?format=json`, rows under `Report_Entry`), with an
 * integration system user (basic auth) or an API client (OAuth2 client credentials). The report's column
 * names are the report's own: the default mapping expects the ones docs/presets/workday.md lists.
 */
export const workdayConnection = z.strictObject({
  ...presetCommon,
  preset: z.literal('workday'),
  /** The tenant's web-services host, e.g. `wd2-impl-services1.workday.com`. */
  host: z.string().regex(/^[a-z0-9.-]+$/i, 'expected a host name such as wd2-impl-services1.workday.com'),
  tenant: z.string().min(1),
  /** The report's owner (the user who created it), as in its RaaS URL. */
  reportOwner: z.string().min(1),
  reportName: z.string().min(1),
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: secretOption }),
    presetOAuth2,
  ]),
  /**
   * A prompt of the report that selects one worker by the record key (e.g. `Employee_ID`): single-person
   * syncs then read one row. Without it they read the whole report until the key turns up.
   */
  lookupPrompt: z.string().min(1).optional(),
});
export type WorkdayConnection = z.output<typeof workdayConnection>;

export const workdayDefaults: PresetDefaults = {
  mapping: {
    key: 'Employee_ID',
    externalId: '"workday-" & Employee_ID',
    schemaId: '"employee"',
    traits: employeeTraits({
      email: '$lowercase(Email_Address)',
      first: 'Preferred_First_Name ? Preferred_First_Name : First_Name',
      last: 'Last_Name',
      employeeNumber: 'Employee_ID',
      department: ifSet('Department'),
      jobTitle: ifSet('Job_Title'),
      location: ifSet('Location'),
      managerEmail: 'Manager_Email ? $lowercase(Manager_Email)',
      startDate: 'Hire_Date ? $substring(Hire_Date, 0, 10)',
    }),
    metadataAdmin: `{
      "workday": {
        "active": Active_Status,
        "worker_type": Worker_Type ? Worker_Type,
        "manager_id": Manager_Employee_ID ? Manager_Employee_ID,
        "termination_date": Termination_Date ? $substring(Termination_Date, 0, 10)
      }
    }`,
  },
  leaver: {
    when: 'Active_Status = "0" or Active_Status = false',
    terminationDate: 'Termination_Date ? $substring(Termination_Date, 0, 10)',
  },
};

/**
 * The traits of the employee identity schema this repository ships (config/kratos/identity.employee.schema.json)
 * as a JSONata object, each trait given as an expression over the vendor's record. The HR presets all map onto
 * it, so its trait names are written once here.
 */
export interface EmployeeTraitExpressions {
  email: string;
  first: string;
  last: string;
  employeeNumber: string;
  department: string;
  jobTitle: string;
  location: string;
  managerEmail: string;
  startDate: string;
}

export function employeeTraits(t: EmployeeTraitExpressions): string {
  return `{
      "email": ${t.email},
      "name": { "first": ${t.first}, "last": ${t.last} },
      "employee_number": ${t.employeeNumber},
      "department": ${t.department},
      "job_title": ${t.jobTitle},
      "location": ${t.location},
      "manager_email": ${t.managerEmail},
      "start_date": ${t.startDate}
    }`;
}

/** The field's value where it has one; otherwise the trait is left out (JSONata's `x ? x`). */
export const ifSet = (field: string): string => `${field} ? ${field}`;

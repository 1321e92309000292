/**
 * Source `hr` of the joiners/leavers scenarios: hr.csv (`employee_id,email,first,last,status`), a leaver
 * once `status` is terminated, and signed webhooks naming the person by `employee_id`; `extra` adds the
 * scenario's own options (guard, onboarding).
 */
export function hrWebhookSource(
  secret: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connection: { type: 'csv', path: 'hr.csv' },
    mapping: {
      key: 'employee_id',
      externalId: 'employee_id',
      schemaId: '"employee"',
      traits: '{ "email": email, "name": { "first": first, "last": last } }',
    },
    leaver: { when: 'status = "terminated"' },
    webhook: { secret, personKey: 'employee_id' },
    ...extra,
  };
}

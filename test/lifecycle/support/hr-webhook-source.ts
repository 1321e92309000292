import { signGenericInboundWebhook } from '../../../src/http/webhook-verifiers/generic-inbound-signature.ts';

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

/**
 * What the HR system sends when someone leaves: `employee.terminated` for `key`, signed in the generic
 * format with `secret`, posted to the worker's HTTP role on `port`. Returns the answer (202 when queued).
 */
export async function postLeaverWebhook(port: number, secret: string, key: string): Promise<Response> {
  const body = JSON.stringify({ employee_id: key, event: 'employee.terminated' });
  const t = Math.floor(Date.now() / 1000);
  return fetch(`http://127.0.0.1:${port}/webhooks/hr`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signGenericInboundWebhook(secret, t, body),
      'x-timestamp': String(t),
    },
    body,
  });
}

import type { HubSpotConnection } from '../../config/sections/presets/hubspot.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import { fillPath, presetUrl } from './preset-url.ts';

/** Contact properties the default mapping reads (HubSpot internal names). */
const HUBSPOT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'company',
  'jobtitle',
  'lifecyclestage',
  'hs_object_id',
  'lastmodifieddate',
];

/**
 * HubSpot CRM contacts with a private app's access token (bearer): `GET /crm/v3/objects/contacts` in pages
 * of 100 (the most HubSpot serves), following `paging.next.after` as the `after` parameter; one contact
 * from `GET /crm/v3/objects/contacts/{id}` (404 once deleted or archived).
 *
 * Rate limits (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details): a 429 carries no
 * Retry-After but `X-HubSpot-RateLimit-*` headers; `rateLimitWaitMs` reads them.
 */
export function hubspotPlan(connection: HubSpotConnection): HttpSourcePlan {
  const properties = [...new Set([...HUBSPOT_PROPERTIES, ...connection.properties])].join(',');
  const api = (path: string) => presetUrl(connection.baseUrl, 'https://api.hubapi.com', path);
  return {
    list: {
      url: api(`/crm/v3/objects/contacts?archived=false&properties=${properties}`),
      pagination: {
        type: 'cursor',
        cursorPath: 'paging.next.after',
        cursorParam: 'after',
        limit: 100,
        limitParam: 'limit',
      },
      itemsPath: 'results',
    },
    one: (key) => ({
      url: api(`${fillPath('/crm/v3/objects/contacts/{id}', { id: key })}?properties=${properties}`),
      itemPath: '',
    }),
    auth: { type: 'bearer', token: connection.token },
    authOption: 'connection.token',
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    rateLimitWaitMs: hubspotRateLimitWaitMs,
    statusAdvice: {
      401:
        "HubSpot refused the access token; copy the private app's access token (Settings > Integrations > " +
        'Private Apps) into connection.token',
      403: "the private app lacks the scope crm.objects.contacts.read; add it under the app's Scopes",
      404: 'check connection.baseUrl',
    },
    hostNotFoundAdvice: 'check connection.baseUrl',
  };
}

/**
 * How long a HubSpot 429 asks us to wait: a spent per-second allowance resets within a second, a spent
 * burst allowance after `X-HubSpot-RateLimit-Interval-Milliseconds`, a spent daily one at midnight (more
 * than a run waits: the read ends and the run is retried later).
 */
export function hubspotRateLimitWaitMs(
  headers: Record<string, string | string[] | undefined>,
  now: Date,
): number | undefined {
  const read = (name: string) => {
    const value = headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    return text === undefined || text === '' ? undefined : Number(text);
  };
  if (read('x-hubspot-ratelimit-daily-remaining') === 0) {
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    return midnight.getTime() - now.getTime();
  }
  if (read('x-hubspot-ratelimit-secondly-remaining') === 0) return 1000;
  if (read('x-hubspot-ratelimit-remaining') === 0) {
    const interval = read('x-hubspot-ratelimit-interval-milliseconds');
    return interval !== undefined && Number.isFinite(interval) ? interval : 10_000;
  }
  return undefined;
}

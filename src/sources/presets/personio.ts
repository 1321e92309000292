import type { PersonioConnection } from '../../config/sections/presets/personio.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import type { SourceRecord } from '../types.ts';
import { fillPath, presetUrl } from './preset-url.ts';

const PERSONIO = 'https://api.personio.de';

/**
 * Personio: the API credentials' client id and secret buy a bearer token at `POST /v2/auth/token` (OAuth2
 * client credentials, sent in the body as Personio documents; the token also serves the v1 endpoints).
 * People: `GET /v1/company/employees?limit=&offset=`; one person: `GET /v1/company/employees/{id}` (404
 * when unknown). Records are flattened by `flattenPersonioEmployee`.
 */
export function personioPlan(connection: PersonioConnection): HttpSourcePlan {
  const api = (path: string) => presetUrl(connection.baseUrl, PERSONIO, path);
  return {
    list: {
      url: api('/v1/company/employees'),
      pagination: {
        type: 'offset',
        offsetParam: 'offset',
        limitParam: 'limit',
        limit: connection.pageSize,
      },
      itemsPath: 'data',
    },
    one: (key) => ({ url: api(fillPath('/v1/company/employees/{id}', { id: key })), itemPath: 'data' }),
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: api('/v2/auth/token').href,
      clientId: connection.clientId,
      clientSecret: connection.clientSecret,
      scopes: [],
      params: {},
      clientAuth: 'body',
    },
    authOption: 'connection',
    timeoutMs: connection.timeoutMs,
    retries: connection.retries,
    toRecord: flattenPersonioEmployee,
    rateLimitWaitMs: personioRateLimitWaitMs,
    statusAdvice: {
      401:
        'Personio refused the credentials; create API credentials (Settings > Integrations > API ' +
        'credentials) and set connection.clientId and connection.clientSecret',
      403:
        'the API credentials may not read employees or these attributes; allow "Employees" read access ' +
        "and tick the attributes the mapping reads under the credential's readable attributes",
      404: 'check connection.baseUrl',
    },
    hostNotFoundAdvice: 'check connection.baseUrl',
  };
}

/**
 * A Personio employee (`{ type: "Employee", attributes: { first_name: { label, value, type, universal_id },
 * … } }`) as the plain record mappings read: `{ first_name: "Ada", department: { id, name }, supervisor:
 * { id, first_name, email, … } }`. Nested objects (`{ type, attributes }`: department, office, supervisor)
 * are flattened the same way.
 */
export function flattenPersonioEmployee(item: SourceRecord): SourceRecord {
  return flattenAttributes(item.attributes);
}

function flattenAttributes(attributes: unknown): SourceRecord {
  const record: SourceRecord = {};
  if (!isObject(attributes)) return record;
  for (const [name, attribute] of Object.entries(attributes)) {
    const value = isObject(attribute) && 'value' in attribute ? attribute.value : attribute;
    record[name] = flattenValue(value);
  }
  return record;
}

function flattenValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenValue);
  if (isObject(value) && isObject(value.attributes)) return flattenAttributes(value.attributes);
  return value;
}

/**
 * Personio's 429 (https://developer.personio.de/docs/rate-limiting) carries `X-RateLimit-Reset`, when the
 * allowance comes back: seconds to wait, or a unix time in seconds.
 */
export function personioRateLimitWaitMs(
  headers: Record<string, string | string[] | undefined>,
  now: Date,
): number | undefined {
  const value = headers['x-ratelimit-reset'];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  // A unix time is far beyond any sensible wait in seconds (2001-09-09 is 1e9 s).
  return seconds > 1e9 ? Math.max(0, seconds * 1000 - now.getTime()) : seconds * 1000;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

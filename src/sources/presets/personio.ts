import type { PersonioConnection } from '../../config/sections/presets/personio.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import type { SourceRecord } from '../types.ts';
import { fillPath, presetUrl } from './preset-url.ts';
import { rateLimitResetWaitMs } from './rate-limit-reset.ts';

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
    rateLimitWaitMs: rateLimitResetWaitMs,
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

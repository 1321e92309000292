import { COMMON_ATTRIBUTES, SCHEMA_ATTRIBUTES } from './attribute-defs.ts';
import type { JsonRecord } from './canonical.ts';
import { MAX_PATCH_OPERATIONS } from './patch.ts';
import { GROUP_KIND, USER_KIND } from './resource-kinds.ts';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from './schema-urns.ts';

/**
 * `/ServiceProviderConfig` (RFC 7643 §5): exactly what is supported. PATCH yes; bulk, sort, password change
 * no; ETags are written (`meta.version`) but not used for preconditions; filters up to `maxResults`.
 */
export function serviceProviderConfig(baseUrl: string, maxResults: number): JsonRecord {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: `A bearer token configured for the client (Authorization: Bearer …); at most ${MAX_PATCH_OPERATIONS} operations per PATCH.`,
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string): JsonRecord[] {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: USER_KIND.endpoint,
      description: 'People: each becomes a Kratos identity through the mapping',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: GROUP_KIND.endpoint,
      description: 'Groups of Users: membership reaches the identity through the mapping',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

const SCHEMA_NAMES: Record<string, [string, string]> = {
  [USER_SCHEMA]: ['User', 'User Account'],
  [ENTERPRISE_USER_SCHEMA]: ['EnterpriseUser', 'Enterprise User'],
  [GROUP_SCHEMA]: ['Group', 'Group'],
};

export function schemas(baseUrl: string): JsonRecord[] {
  return Object.entries(SCHEMA_NAMES).map(([id, [name, description]]) => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    description,
    attributes: [
      ...(id === ENTERPRISE_USER_SCHEMA ? [] : COMMON_ATTRIBUTES.filter((a) => a.name === 'externalId')),
      ...(SCHEMA_ATTRIBUTES[id] ?? []),
    ] as unknown as JsonRecord[],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  }));
}

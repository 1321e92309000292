import { resourceTypes, schemas, serviceProviderConfig } from '../../scim/discovery.ts';
import { LIST_RESPONSE_SCHEMA } from '../../scim/schema-urns.ts';
import { notFound, ScimError } from '../../scim/scim-error.ts';
import type { ScimAnswer, ScimCall } from './scim-call.ts';

/** `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]` (RFC 7644 §4), read-only. */
export async function discoveryAnswer(
  call: ScimCall,
  method: string,
  resource: string,
  id: string | undefined,
): Promise<ScimAnswer> {
  const which = resource.toLowerCase();
  const known = ['serviceproviderconfig', 'resourcetypes', 'schemas'];
  if (!known.includes(which)) throw notFound('no SCIM endpoint at this path');
  if (method !== 'GET') throw new ScimError(405, `${method} is not supported here`);
  if (which === 'serviceproviderconfig') {
    if (id !== undefined) throw notFound('no SCIM endpoint at this path');
    return { status: 200, body: serviceProviderConfig(call.baseUrl, call.source.connection.maxResults) };
  }
  const all = which === 'resourcetypes' ? resourceTypes(call.baseUrl) : schemas(call.baseUrl);
  if (id !== undefined) {
    const one = all.find((r) => String(r.id).toLowerCase() === id.toLowerCase());
    if (!one) throw notFound(`no ${resource} has id ${id.slice(0, 120)}`);
    return { status: 200, body: one };
  }
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: all.length,
      startIndex: 1,
      itemsPerPage: all.length,
      Resources: all,
    },
  };
}

import { isRecord, type JsonRecord } from '../../scim/canonical.ts';
import { byCreation, readListQuery, searchParams, type ListQuery } from '../../scim/list-query.ts';
import { applyPatch, readPatchRequest, type PatchOperation } from '../../scim/patch.ts';
import { project, readAttributeList } from '../../scim/projection.ts';
import { GROUP_KIND, USER_KIND, type ResourceKind } from '../../scim/resource-kinds.ts';
import { groupIdsOf } from '../../scim/resource-store.ts';
import { prepareResource, present } from '../../scim/resources.ts';
import { LIST_RESPONSE_SCHEMA } from '../../scim/schema-urns.ts';
import { badRequest, ScimError } from '../../scim/scim-error.ts';
import { createGroup, deleteGroup, readGroup, updateGroup } from './group-writes.ts';
import type { ScimAnswer, ScimCall, ScimDeps } from './scim-call.ts';
import { createUser, deleteUser, readUser, updateUser } from './user-writes.ts';

/**
 * `userName eq "…"` / `displayName eq "…"`: the lookups Okta and Entra ID make before every create,
 * answered from the unique-name index instead of a scan (the filter still runs on the one candidate).
 */
const UNIQUE_NAME_EQ = {
  User: /^\s*userName\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i,
  Group: /^\s*displayName\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i,
};

/** The answer to a method on `/Users[/{id}]` or `/Groups[/{id}]` (and `POST …/.search`). */
export async function handleResource(
  deps: ScimDeps,
  call: ScimCall,
  kind: ResourceKind,
  method: string,
  id: string | undefined,
): Promise<ScimAnswer> {
  if (id === '.search') {
    if (method !== 'POST') throw methodNotAllowed(method);
    return list(deps, call, kind, searchParams(call.body));
  }
  if (id === undefined) {
    if (method === 'GET') return list(deps, call, kind, call.query);
    if (method === 'POST') return create(deps, call, kind);
    throw methodNotAllowed(method);
  }
  switch (method) {
    case 'GET':
      return answer(deps, call, kind, (await read(call, kind, id)).resource, 200);
    case 'PUT':
      return answer(deps, call, kind, await replace(deps, call, kind, id), 200);
    case 'PATCH':
      return answer(deps, call, kind, await patch(deps, call, kind, id), 200);
    case 'DELETE':
      await (kind === USER_KIND ? deleteUser(deps, call, id) : deleteGroup(deps, call, id));
      return { status: 204 };
    default:
      throw methodNotAllowed(method);
  }
}

function methodNotAllowed(method: string): ScimError {
  return new ScimError(405, `${method} is not supported here`);
}

const read = (call: ScimCall, kind: ResourceKind, id: string) =>
  kind === USER_KIND ? readUser(call, id) : readGroup(call, id);

async function create(deps: ScimDeps, call: ScimCall, kind: ResourceKind): Promise<ScimAnswer> {
  const prepared = prepareResource(kind, call.body);
  const created = await (kind === USER_KIND
    ? createUser(deps, call, prepared)
    : createGroup(deps, call, prepared));
  const answered = await answer(deps, call, kind, created, 201);
  const location = (answered.body as JsonRecord).meta as JsonRecord;
  return { ...answered, headers: { ...answered.headers, location: String(location.location) } };
}

function replace(deps: ScimDeps, call: ScimCall, kind: ResourceKind, id: string): Promise<JsonRecord> {
  const prepared = prepareResource(kind, call.body);
  const update = kind === USER_KIND ? updateUser : updateGroup;
  return update(deps, call, id, () => prepared);
}

function patch(deps: ScimDeps, call: ScimCall, kind: ResourceKind, id: string): Promise<JsonRecord> {
  const operations = readPatchRequest(kind, call.body);
  const update = kind === USER_KIND ? updateUser : updateGroup;
  return update(deps, call, id, (current) => {
    const allowed = operations.filter((op) => !restatesId(op, current));
    for (const op of allowed) refuseServerOwned(kind, op);
    return prepareResource(kind, applyPatch(current, allowed));
  });
}

/** Okta renames a group with `replace {id, displayName}`: restating the id is allowed, changing it is not. */
function restatesId(op: PatchOperation, current: JsonRecord): boolean {
  return op.path === 'id' && op.op !== 'remove' && op.value === current.id;
}

function refuseServerOwned(kind: ResourceKind, op: PatchOperation): void {
  const first = op.path?.split(/[.[]/)[0];
  if (first === 'id' || first === 'meta' || (kind === USER_KIND && first === 'groups')) {
    throw badRequest(`${first} is read-only: manage it through the service provider`, 'mutability');
  }
}

async function answer(
  deps: ScimDeps,
  call: ScimCall,
  kind: ResourceKind,
  resource: JsonRecord,
  status: number,
): Promise<ScimAnswer> {
  const include = readAttributeList(kind, stringParam(call.query, 'attributes'));
  const exclude = readAttributeList(kind, stringParam(call.query, 'excludedAttributes'));
  const groups = kind === USER_KIND ? await groupsOf(deps, call, String(resource.id)) : undefined;
  const body = project(present(kind, resource, call.baseUrl, groups), include, exclude);
  const meta = isRecord(resource.meta) ? resource.meta : {};
  return { status, body, headers: typeof meta.version === 'string' ? { etag: meta.version } : {} };
}

async function groupsOf(deps: ScimDeps, call: ScimCall, userId: string) {
  const out: Array<{ id: string; displayName: string }> = [];
  for (const id of await groupIdsOf(deps.redis, deps.keyPrefix, call.source.name, userId)) {
    const group = await call.source.groups.get(id);
    if (group) out.push({ id, displayName: String(group.resource.displayName) });
  }
  return out.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

async function list(
  deps: ScimDeps,
  call: ScimCall,
  kind: ResourceKind,
  params: Record<string, unknown>,
): Promise<ScimAnswer> {
  const query = readListQuery(kind, params, call.source.connection.maxResults);
  const matches = (await candidates(call, kind, query)).filter((r) => !query.filter || query.filter(r));
  matches.sort(byCreation);
  const page = matches.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  const resources: JsonRecord[] = [];
  for (const resource of page) {
    const groups = kind === USER_KIND ? await groupsOf(deps, call, String(resource.id)) : undefined;
    resources.push(project(present(kind, resource, call.baseUrl, groups), query.include, query.exclude));
  }
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: matches.length,
      startIndex: query.startIndex,
      itemsPerPage: resources.length,
      Resources: resources,
    },
  };
}

async function candidates(call: ScimCall, kind: ResourceKind, query: ListQuery): Promise<JsonRecord[]> {
  const store = kind === GROUP_KIND ? call.source.groups : call.source.users;
  const byName = UNIQUE_NAME_EQ[kind.name].exec(query.filterText ?? '');
  if (byName) {
    const id = await store.idByName(String(JSON.parse(byName[1]!)).toLowerCase());
    const stored = id ? await store.get(id) : null;
    return stored ? [stored.resource] : [];
  }
  return store.all();
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : params[key];
  return typeof value === 'string' ? value : undefined;
}

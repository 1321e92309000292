import { randomUUID } from 'node:crypto';
import type { JsonRecord } from '../../scim/canonical.ts';
import { GROUP_KIND } from '../../scim/resource-kinds.ts';
import type { StoredResource } from '../../scim/resource-store.ts';
import { memberIds, stamp, uniqueNameOf } from '../../scim/resources.ts';
import { sameContent } from '../../scim/same-content.ts';
import { badRequest, conflict, notFound } from '../../scim/scim-error.ts';
import { CHANGED_MEANWHILE, retryOnConflict } from './retry-on-conflict.ts';
import type { ScimCall, ScimDeps } from './scim-call.ts';

export async function readGroup(call: ScimCall, id: string): Promise<StoredResource> {
  const stored = await call.source.groups.get(id);
  if (!stored) throw notFound(`no Group has id ${id.slice(0, 64)}`);
  return stored;
}

export async function createGroup(deps: ScimDeps, call: ScimCall, prepared: JsonRecord): Promise<JsonRecord> {
  const name = uniqueNameOf(GROUP_KIND, prepared);
  if (await call.source.groups.idByName(name)) throw conflict('a Group with this displayName already exists');
  const members = memberIds(prepared);
  await requireUsers(call, members);
  const group = stamp(GROUP_KIND, prepared, { id: randomUUID(), now: deps.now() });
  const id = String(group.id);
  const result = await call.source.groups.write({
    id,
    previous: null,
    next: group,
    nextName: name,
    joined: members,
  });
  if (result === 'taken') throw conflict('a Group with this displayName already exists');
  await resyncMembers(deps, call, members);
  return group;
}

/**
 * PUT and PATCH of a group: the new member list is written with the group in one step, and every user who
 * joined or left is synced by a queued job (membership reaches the identity through the mapping).
 */
export async function updateGroup(
  deps: ScimDeps,
  call: ScimCall,
  id: string,
  change: (current: JsonRecord) => JsonRecord,
): Promise<JsonRecord> {
  return retryOnConflict('Group', async () => {
    const stored = await readGroup(call, id);
    const prepared = change(stored.resource);
    if (sameContent(stored.resource, prepared)) return stored.resource;
    const before = new Set(memberIds(stored.resource));
    const after = new Set(memberIds(prepared));
    const joined = [...after].filter((m) => !before.has(m));
    const left = [...before].filter((m) => !after.has(m));
    await requireUsers(call, joined);
    const group = stamp(GROUP_KIND, prepared, { id, now: deps.now(), previous: stored.resource });
    const result = await call.source.groups.write({
      id,
      previous: stored.json,
      next: group,
      previousName: uniqueNameOf(GROUP_KIND, stored.resource),
      nextName: uniqueNameOf(GROUP_KIND, group),
      joined,
      left,
    });
    if (result === 'taken') throw conflict('another Group already has this displayName');
    if (result === 'conflict') return CHANGED_MEANWHILE;
    await resyncMembers(deps, call, [...joined, ...left]);
    return group;
  });
}

export async function deleteGroup(deps: ScimDeps, call: ScimCall, id: string): Promise<void> {
  await retryOnConflict('Group', async () => {
    const stored = await readGroup(call, id);
    const members = memberIds(stored.resource);
    const result = await call.source.groups.write({
      id,
      previous: stored.json,
      next: null,
      previousName: uniqueNameOf(GROUP_KIND, stored.resource),
      left: members,
    });
    if (result === 'conflict') return CHANGED_MEANWHILE;
    await resyncMembers(deps, call, members);
    return undefined;
  });
}

/** Members must be Users of this source (RFC 7643 §4.2); an unknown id is the client's mistake. */
async function requireUsers(call: ScimCall, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    if (!(await call.source.users.get(id))) throw badRequest(`members: no User has id ${id.slice(0, 64)}`);
  }
}

/** One queued `person.sync` per user whose memberships changed (ids only; the job reads the store). */
async function resyncMembers(deps: ScimDeps, call: ScimCall, userIds: readonly string[]): Promise<void> {
  const receivedAt = deps.now().toISOString();
  for (const key of userIds) await deps.enqueuePerson({ source: call.source.name, key, receivedAt });
  call.note(userIds.length > 0 ? `members queued: ${userIds.length}` : 'stored');
}

import { randomUUID } from 'node:crypto';
import type { JsonRecord } from '../../scim/canonical.ts';
import { GROUP_KIND, USER_KIND } from '../../scim/resource-kinds.ts';
import { groupIdsOf, type StoredResource } from '../../scim/resource-store.ts';
import { memberIds, stamp, uniqueNameOf } from '../../scim/resources.ts';
import { sameContent } from '../../scim/same-content.ts';
import { conflict, notFound } from '../../scim/scim-error.ts';
import { CHANGED_MEANWHILE, retryOnConflict } from './retry-on-conflict.ts';
import type { ScimCall, ScimDeps } from './scim-call.ts';
import { syncUserNow } from './scim-engine.ts';

export async function readUser(call: ScimCall, id: string): Promise<StoredResource> {
  const stored = await call.source.users.get(id);
  if (!stored) throw notFound(`no User has id ${id.slice(0, 64)}`);
  return stored;
}

/**
 * Stores a new user, then applies it to Kratos through the engine. A permanent refusal (the mapping or the
 * identity schema rejects it, Kratos reports an identifier in use) removes it again and is the answer.
 */
export async function createUser(deps: ScimDeps, call: ScimCall, prepared: JsonRecord): Promise<JsonRecord> {
  const name = uniqueNameOf(USER_KIND, prepared);
  if (await call.source.users.idByName(name)) throw conflict('a User with this userName already exists');
  const user = stamp(USER_KIND, prepared, { id: randomUUID(), now: deps.now() });
  const result = await call.source.users.write({
    id: String(user.id),
    previous: null,
    next: user,
    nextName: name,
  });
  if (result === 'taken') throw conflict('a User with this userName already exists');
  await applyToKratos(deps, call, String(user.id), async () => {
    await call.source.users.write({
      id: String(user.id),
      previous: JSON.stringify(user),
      next: null,
      previousName: name,
    });
  });
  return user;
}

/**
 * Replaces a user with what `change` makes of the stored one (PUT, PATCH), retrying when another write
 * got in between, then applies it through the engine; a permanent refusal restores the previous version.
 */
export async function updateUser(
  deps: ScimDeps,
  call: ScimCall,
  id: string,
  change: (current: JsonRecord) => JsonRecord,
): Promise<JsonRecord> {
  return retryOnConflict('User', async () => {
    const stored = await readUser(call, id);
    const prepared = change(stored.resource);
    if (sameContent(stored.resource, prepared)) return stored.resource;
    const user = stamp(USER_KIND, prepared, { id, now: deps.now(), previous: stored.resource });
    const previousName = uniqueNameOf(USER_KIND, stored.resource);
    const nextName = uniqueNameOf(USER_KIND, user);
    const result = await call.source.users.write({
      id,
      previous: stored.json,
      next: user,
      previousName,
      nextName,
    });
    if (result === 'taken') throw conflict('another User already has this userName');
    if (result === 'conflict') return CHANGED_MEANWHILE;
    await applyToKratos(deps, call, id, async () => {
      await call.source.users.write({
        id,
        previous: JSON.stringify(user),
        next: stored.resource,
        previousName: nextName,
        nextName: previousName,
      });
    });
    return user;
  });
}

/** Removes a user from its groups and from the store, then offboards it through the engine. */
export async function deleteUser(deps: ScimDeps, call: ScimCall, id: string): Promise<void> {
  await retryOnConflict('User', async () => {
    const stored = await readUser(call, id);
    await leaveAllGroups(deps, call, id);
    const result = await call.source.users.write({
      id,
      previous: stored.json,
      next: null,
      previousName: uniqueNameOf(USER_KIND, stored.resource),
    });
    if (result === 'conflict') return CHANGED_MEANWHILE;
    await applyToKratos(deps, call, id);
    return undefined;
  });
}

/** RFC 7644 §3.6: a deleted user leaves every group it was a member of. */
async function leaveAllGroups(deps: ScimDeps, call: ScimCall, userId: string): Promise<void> {
  for (const groupId of await groupIdsOf(deps.redis, deps.keyPrefix, call.source.name, userId)) {
    await retryOnConflict('Group', async () => {
      const group = await call.source.groups.get(groupId);
      if (!group) return undefined;
      const members = memberIds(group.resource).filter((m) => m !== userId);
      const next = stamp(
        GROUP_KIND,
        { ...group.resource, members: members.map((value) => ({ value })) },
        { id: groupId, now: deps.now(), previous: group.resource },
      );
      const result = await call.source.groups.write({
        id: groupId,
        previous: group.json,
        next,
        left: [userId],
      });
      return result === 'conflict' ? CHANGED_MEANWHILE : undefined;
    });
  }
}

/** Runs the engine for the user; on a permanent refusal, undoes the stored change and answers with it. */
async function applyToKratos(
  deps: ScimDeps,
  call: ScimCall,
  id: string,
  undo?: () => Promise<void>,
): Promise<void> {
  if (!deps.engine) {
    await deps.enqueuePerson({ source: call.source.name, key: id, receivedAt: deps.now().toISOString() });
    call.note('queued');
    return;
  }
  const verdict = await syncUserNow(deps.engine, {
    source: call.source.name,
    id,
    client: call.client,
    timeoutMs: call.source.connection.syncTimeoutMs,
  });
  call.note(verdict.status, verdict.runId);
  // A DELETE has nothing to undo: the user is gone from the directory whatever Kratos said, and the failure
  // is in the run's report and audit (and the next reconcile tries again).
  if (verdict.refusal && undo) {
    await undo();
    throw verdict.refusal;
  }
}

import type { Redis } from 'ioredis';
import { isRecord, type JsonRecord } from '../../scim/canonical.ts';
import { createResourceStore, groupIdsOf } from '../../scim/resource-store.ts';
import { memberIds } from '../../scim/resources.ts';
import { badRow } from '../record-meta.ts';
import { ENTERPRISE_USER_SCHEMA, flattenScimUser } from '../scim/flatten-scim-user.ts';
import type { Source, SourceRecord } from '../types.ts';

/**
 * The records of a `scim-inbound` source: the Users a directory pushed to kratos-sync's SCIM endpoint, as
 * stored in Redis, each flattened exactly like the `scim` (pull) source's records, so one mapping serves
 * both. `groups` holds the display names of the Groups the user is a member of.
 */
export function createScimInboundSource(options: { name: string; redis: Redis; prefix: string }): Source {
  const { name, redis, prefix } = options;
  const users = createResourceStore(redis, prefix, name, 'users');
  const groups = createResourceStore(redis, prefix, name, 'groups');

  const toRecord = (user: JsonRecord, groupNames: string[]): SourceRecord => {
    const flat = flattenScimUser({ ...user, groups: groupNames.map((display) => ({ display })) });
    if (!flat.ok) return badRow(flat.problem);
    // A directory's own extensions (Okta custom attributes) stay under their URN, for a mapping to read
    // as `$lookup($, "urn:…:User").costCode`.
    for (const [key, value] of Object.entries(user)) {
      if (key.startsWith('urn:') && key !== ENTERPRISE_USER_SCHEMA) flat.record[key] = value;
    }
    return flat.record;
  };

  return {
    name,
    async *stream() {
      const namesByUser = new Map<string, string[]>();
      for (const group of await groups.all()) {
        for (const id of memberIds(group)) {
          const list = namesByUser.get(id) ?? [];
          list.push(String(group.displayName));
          namesByUser.set(id, list);
        }
      }
      // Sorted as fetchOne sorts them: a full reconcile and a single person's sync must map alike.
      for (const user of await users.all())
        yield toRecord(user, (namesByUser.get(String(user.id)) ?? []).sort());
    },
    async fetchOne(key) {
      const stored = await users.get(key);
      if (!stored) return null;
      const ids = await groupIdsOf(redis, prefix, name, key);
      const names: string[] = [];
      for (const id of ids) {
        const group = await groups.get(id);
        if (group && isRecord(group.resource)) names.push(String(group.resource.displayName));
      }
      return toRecord(stored.resource, names.sort());
    },
  };
}

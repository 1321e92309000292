/**
 * Where a scim-inbound source keeps what the directory pushed, under the shared hash-tagged prefix (so on a
 * Redis Cluster it sits in the queue's slot and one script can touch several keys).
 */
export function scimKeys(prefix: string, source: string) {
  const base = `${prefix}:scim:${source}`;
  return {
    /** Hash resource id → resource JSON, per resource type (`users`, `groups`). */
    resources: (type: 'users' | 'groups') => `${base}:${type}`,
    /** Hash lower-cased unique name (userName, group displayName) → resource id. */
    names: (type: 'users' | 'groups') => `${base}:${type}:names`,
    /** Set of the group ids a user is a member of. */
    memberOf: (userId: string) => `${base}:member-of:${userId}`,
    /** Capped list of recent requests (JSON, newest first) for the console. */
    requests: () => `${base}:requests`,
    /** Per-client request counter of the current rate-limit window. */
    rate: (client: string) => `${base}:rate:${client}`,
  };
}

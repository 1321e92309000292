import { canonicalise, isRecord, normaliseValues, type Json, type JsonRecord } from './canonical.ts';
import type { ResourceKind } from './resource-kinds.ts';
import { badRequest } from './scim-error.ts';

/** Attributes a client never sets: the service provider assigns them (RFC 7643 §3.1), or derives them. */
const SERVER_OWNED: Record<ResourceKind['name'], string[]> = {
  User: ['id', 'meta', 'groups', 'password'],
  Group: ['id', 'meta'],
};

/**
 * What a client sent for a POST or PUT (or what a PATCH left), made into the resource to store: names in
 * canonical spelling, values checked and normalised, server-owned attributes dropped, required attributes
 * present. `password` is dropped too: kratos-sync never sets credentials (new people get a recovery invite).
 */
export function prepareResource(kind: ResourceKind, body: unknown): JsonRecord {
  if (!isRecord(body)) throw badRequest(`the body must be a ${kind.name} JSON object`, 'invalidSyntax');
  const canonical = canonicalise(kind, body);
  for (const key of SERVER_OWNED[kind.name]) delete canonical[key];
  const resource = normaliseValues(kind, canonical);
  // Listed: the core schema and every extension the resource has an object for, known (enterprise) or a
  // directory's own (Okta's custom extension URNs are kept as sent).
  const schemas = new Set([kind.schema]);
  for (const key of Object.keys(resource)) {
    if (key.toLowerCase().startsWith('urn:') && isRecord(resource[key])) schemas.add(key);
  }
  resource.schemas = [...schemas];
  if (kind.name === 'User') {
    requireText(resource, 'userName');
    resource.active ??= true;
  } else {
    requireText(resource, 'displayName');
    resource.members = readMembers(resource.members);
  }
  return resource;
}

function requireText(resource: JsonRecord, name: string): void {
  const value = resource[name];
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${name} is required`);
  if (value.length > 512) throw badRequest(`${name} is longer than 512 characters`);
}

/** Group members: user ids, each once. Nested groups are not supported (a member must be a User). */
function readMembers(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  const seen = new Set<string>();
  const out: Json[] = [];
  for (const [i, member] of (value as Json[]).entries()) {
    if (!isRecord(member) || typeof member.value !== 'string' || member.value === '') {
      throw badRequest(`members[${i}].value: expected a user id`);
    }
    if (member.type !== undefined && String(member.type).toLowerCase() !== 'user') {
      throw badRequest(`members[${i}].type: only User members are supported (no nested groups)`);
    }
    if (seen.has(member.value)) continue;
    seen.add(member.value);
    out.push({ value: member.value });
  }
  return out;
}

/** The member ids of a stored or prepared group. */
export function memberIds(group: JsonRecord): string[] {
  const members = Array.isArray(group.members) ? group.members : [];
  return members.flatMap((m) => (isRecord(m) && typeof m.value === 'string' ? [m.value] : []));
}

/** The unique name of a resource, lower-cased: userName for Users, displayName for Groups. */
export function uniqueNameOf(kind: ResourceKind, resource: JsonRecord): string {
  return String(kind.name === 'User' ? resource.userName : resource.displayName).toLowerCase();
}

export interface StampOptions {
  id: string;
  now: Date;
  /** The stored resource this one replaces (keeps `created`, counts the version on). */
  previous?: JsonRecord;
}

/** Server-owned attributes: id and meta (created, lastModified, a weak version that changes on each write). */
export function stamp(kind: ResourceKind, resource: JsonRecord, options: StampOptions): JsonRecord {
  const previousMeta = isRecord(options.previous?.meta) ? options.previous.meta : undefined;
  const revision = Number(/^W\/"(\d+)"$/.exec(String(previousMeta?.version ?? ''))?.[1] ?? 0) + 1;
  const now = options.now.toISOString();
  return {
    ...resource,
    id: options.id,
    meta: {
      resourceType: kind.name,
      created: typeof previousMeta?.created === 'string' ? previousMeta.created : now,
      lastModified: now,
      version: `W/"${revision}"`,
    },
  };
}

/** The resource as answered: its location, and (Users) the groups it is a member of. */
export function present(
  kind: ResourceKind,
  resource: JsonRecord,
  baseUrl: string,
  groups?: Array<{ id: string; displayName: string }>,
): JsonRecord {
  const meta = isRecord(resource.meta) ? resource.meta : {};
  const out: JsonRecord = {
    ...resource,
    meta: { ...meta, location: `${baseUrl}${kind.endpoint}/${String(resource.id)}` },
  };
  if (kind.name === 'Group') {
    out.members = memberIds(resource).map((id) => ({
      value: id,
      $ref: `${baseUrl}/Users/${id}`,
      type: 'User',
    }));
  }
  if (groups && groups.length > 0) {
    out.groups = groups.map((g) => ({
      value: g.id,
      $ref: `${baseUrl}/Groups/${g.id}`,
      display: g.displayName,
      type: 'direct',
    }));
  }
  return out;
}

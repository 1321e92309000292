import { z } from 'zod';
import type { SourceRowError } from '../types.ts';

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * A SCIM 2.0 User (RFC 7643 §4.1) flattened for mapping expressions. Absent attributes are left out (no
 * `undefined` keys); `name`, `meta`, `emails`, `phoneNumbers` and `groups` are always there.
 *
 * ```
 * id, externalId, userName, active, displayName, nickName, title, userType,
 * preferredLanguage, locale, timezone, profileUrl,
 * name: { formatted, givenName, familyName, middleName, honorificPrefix, honorificSuffix },
 * email          the primary email (else the first),  emails: string[]  primary first,
 * phoneNumber    the primary phone (else the first),  phoneNumbers: string[]  primary first,
 * employeeNumber, costCenter, organization, division, department     (enterprise extension, top level)
 * manager        the manager's SCIM id (enterprise manager.value),  managerDisplayName,
 * groups: string[]  group display names (else ids),
 * meta: { resourceType, created, lastModified, version }
 * ```
 * So a mapping reads `name.givenName`, `email`, `department`, `manager`, `meta.lastModified`.
 */
export interface ScimUserRecord {
  id: string;
  externalId?: string;
  userName?: string;
  active?: boolean;
  displayName?: string;
  nickName?: string;
  title?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  profileUrl?: string;
  name: Partial<Record<(typeof NAME_PARTS)[number], string>>;
  email?: string;
  emails: string[];
  phoneNumber?: string;
  phoneNumbers: string[];
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  department?: string;
  manager?: string;
  managerDisplayName?: string;
  groups: string[];
  meta: Partial<Record<(typeof META_PARTS)[number], string>>;
  [field: string]: unknown;
}

const NAME_PARTS = [
  'formatted',
  'givenName',
  'familyName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
] as const;
const META_PARTS = ['resourceType', 'created', 'lastModified', 'version'] as const;
const SIMPLE = [
  'externalId', 'userName', 'displayName', 'nickName', 'title', 'userType',
  'preferredLanguage', 'locale', 'timezone', 'profileUrl',
] as const; // prettier-ignore
const ENTERPRISE = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;

const text = z.string().optional();
const multiValued = z
  .array(z.looseObject({ value: z.string().optional(), primary: z.boolean().optional() }))
  .optional();
const strings = <T extends readonly string[]>(keys: T) =>
  Object.fromEntries(keys.map((k) => [k, text])) as Record<T[number], typeof text>;

/** What we read of a User; anything else passes unchecked (vendors add attributes freely). */
const scimUser = z.looseObject({
  id: z.string().min(1),
  active: z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).optional(),
  ...strings(SIMPLE),
  name: z.looseObject(strings(NAME_PARTS)).optional(),
  emails: multiValued,
  phoneNumbers: multiValued,
  groups: z.array(z.looseObject({ value: z.string().optional(), display: z.string().optional() })).optional(),
  meta: z.looseObject(strings(META_PARTS)).optional(),
  [ENTERPRISE_USER_SCHEMA]: z
    .looseObject({
      ...strings(ENTERPRISE),
      manager: z
        .union([z.looseObject({ value: z.string().optional(), displayName: text }), z.string()])
        .optional(),
    })
    .optional(),
});

export type FlattenResult = { ok: true; record: ScimUserRecord } | { ok: false; problem: SourceRowError };

export function flattenScimUser(resource: unknown): FlattenResult {
  const parsed = scimUser.safeParse(resource);
  if (!parsed.success) {
    // Paths and rules only: the values are personal data.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(resource)'}: ${i.message}`);
    return {
      ok: false,
      problem: { rule: 'invalid-resource', message: `not a usable SCIM User (${issues.join('; ')})` },
    };
  }
  const user = parsed.data;
  const enterprise = user[ENTERPRISE_USER_SCHEMA];
  const emails = primaryFirst(user.emails);
  const phones = primaryFirst(user.phoneNumbers);
  const manager =
    typeof enterprise?.manager === 'string' ? { value: enterprise.manager } : enterprise?.manager;
  const record: ScimUserRecord = {
    id: user.id,
    ...pick(user, SIMPLE),
    ...(user.active === undefined
      ? {}
      : { active: user.active === true || /^true$/i.test(String(user.active)) }),
    name: pick(user.name ?? {}, NAME_PARTS),
    ...(emails[0] === undefined ? {} : { email: emails[0] }),
    emails,
    ...(phones[0] === undefined ? {} : { phoneNumber: phones[0] }),
    phoneNumbers: phones,
    ...pick(enterprise ?? {}, ENTERPRISE),
    ...(manager?.value ? { manager: manager.value } : {}),
    ...(manager?.displayName ? { managerDisplayName: manager.displayName } : {}),
    groups: (user.groups ?? []).flatMap((g) => g.display ?? g.value ?? []),
    meta: pick(user.meta ?? {}, META_PARTS),
  };
  return { ok: true, record };
}

/** Values of a multi-valued attribute, the primary one first, then in the server's order. */
function primaryFirst(values: Array<{ value?: string; primary?: boolean }> | undefined): string[] {
  const list = values ?? [];
  const ordered = [...list.filter((v) => v.primary === true), ...list.filter((v) => v.primary !== true)];
  return ordered.flatMap((v) => (v.value ? [v.value] : []));
}

function pick<K extends string>(
  from: Partial<Record<string, unknown>>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = from[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

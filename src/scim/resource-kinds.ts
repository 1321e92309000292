import { COMMON_ATTRIBUTES, SCHEMA_ATTRIBUTES, type AttributeDef } from './attribute-defs.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema-urns.ts';

/** A SCIM resource type served here (RFC 7643 §6): its endpoint, core schema and extensions. */
export interface ResourceKind {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  schema: string;
  extensions: string[];
}

export const USER_KIND: ResourceKind = {
  name: 'User',
  endpoint: '/Users',
  schema: USER_SCHEMA,
  extensions: [ENTERPRISE_USER_SCHEMA],
};
export const GROUP_KIND: ResourceKind = {
  name: 'Group',
  endpoint: '/Groups',
  schema: GROUP_SCHEMA,
  extensions: [],
};

/** Where an attribute path points: the extension it lives in (if any), canonical names, and its definition. */
export interface ResolvedPath {
  /** The extension schema URN for an extension attribute; undefined for core and common attributes. */
  extension?: string;
  /** Canonical attribute names, outermost first (`['name', 'givenName']`); empty for a bare extension URN. */
  names: string[];
  /** The definition of the last name, when it is a known attribute. */
  def?: AttributeDef;
}

/**
 * Resolves an attribute path (`userName`, `Name.GivenName`, `emails.value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`) without regard to case, as
 * RFC 7644 §3.10 asks. A name this service provider does not know keeps the spelling it was sent in.
 */
export function resolvePath(kind: ResourceKind, path: string): ResolvedPath {
  const lower = path.toLowerCase();
  for (const urn of [kind.schema, ...kind.extensions]) {
    const urnLower = urn.toLowerCase();
    if (lower === urnLower) return urn === kind.schema ? { names: [] } : { extension: urn, names: [] };
    if (lower.startsWith(`${urnLower}:`)) {
      const inner = resolveNames(SCHEMA_ATTRIBUTES[urn] ?? [], path.slice(urn.length + 1).split('.'));
      return urn === kind.schema ? inner : { extension: urn, ...inner };
    }
  }
  if (lower.startsWith('urn:')) {
    // An extension this service provider does not know (Okta's custom attributes). Extension URNs end in
    // the resource type (`…:2.0:User`); after that come the attribute names, kept as sent.
    if (isExtensionKey(kind, path)) return { extension: path, names: [] };
    const at = path.lastIndexOf(':');
    return { extension: path.slice(0, at), names: path.slice(at + 1).split('.') };
  }
  return resolveNames([...COMMON_ATTRIBUTES, ...(SCHEMA_ATTRIBUTES[kind.schema] ?? [])], path.split('.'));
}

/** Whether a key names a whole extension (a known one, or an unknown URN ending in the resource type). */
export function isExtensionKey(kind: ResourceKind, key: string): boolean {
  if (!key.toLowerCase().startsWith('urn:')) return false;
  if (extensionOf(kind, key) !== undefined) return true;
  const known = [kind.schema, ...kind.extensions].some((urn) =>
    key.toLowerCase().startsWith(urn.toLowerCase()),
  );
  return !known && key.slice(key.lastIndexOf(':') + 1).toLowerCase() === kind.name.toLowerCase();
}

function resolveNames(defs: AttributeDef[], parts: string[]): { names: string[]; def?: AttributeDef } {
  const names: string[] = [];
  let scope: AttributeDef[] | undefined = defs;
  let def: AttributeDef | undefined;
  for (const part of parts) {
    def = scope ? findDef(scope, part) : undefined;
    names.push(def?.name ?? part);
    scope = def?.subAttributes;
  }
  return def ? { names, def } : { names };
}

export function findDef(defs: readonly AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return defs.find((d) => d.name.toLowerCase() === lower);
}

/** The definitions a resource's top level is read against: common attributes plus the core schema's. */
export function topLevelDefs(kind: ResourceKind): AttributeDef[] {
  return [...COMMON_ATTRIBUTES, ...(SCHEMA_ATTRIBUTES[kind.schema] ?? [])];
}

/** The extension URN a key spells (any case), if it is one of the kind's extensions. */
export function extensionOf(kind: ResourceKind, key: string): string | undefined {
  const lower = key.toLowerCase();
  return kind.extensions.find((urn) => urn.toLowerCase() === lower);
}

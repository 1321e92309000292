import { SCHEMA_ATTRIBUTES, type AttributeDef } from './attribute-defs.ts';
import {
  extensionOf,
  findDef,
  isExtensionKey,
  resolvePath,
  topLevelDefs,
  type ResourceKind,
} from './resource-kinds.ts';
import { badRequest } from './scim-error.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonRecord = { [key: string]: Json };

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The resource with every known attribute name in its canonical spelling (clients differ: Entra ID has sent
 * `UserName`, others `username`), extension attributes sent flat (`urn:…:User:department` as a top-level
 * key, as in some PATCH values) moved into their extension object. Unknown attributes are kept as sent.
 */
export function canonicalise(kind: ResourceKind, input: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(input)) {
    if (isExtensionKey(kind, key) && extensionOf(kind, key) === undefined) {
      // A directory's own extension object: kept whole, under the URN it was sent with.
      out[key] = isRecord(out[key]) && isRecord(value) ? { ...(out[key] as JsonRecord), ...value } : value;
      continue;
    }
    const resolved = resolvePath(kind, key);
    if (resolved.extension) {
      const target = isRecord(out[resolved.extension]) ? (out[resolved.extension] as JsonRecord) : {};
      const defs = SCHEMA_ATTRIBUTES[resolved.extension] ?? [];
      if (resolved.names.length === 0 && isRecord(value)) Object.assign(target, renameKeys(defs, value));
      else if (resolved.names.length > 0) setAt(target, resolved.names, renameValue(resolved.def, value));
      out[resolved.extension] = target;
    } else if (resolved.names.length > 0) {
      setAt(out, resolved.names, renameValue(resolved.def, value));
    }
  }
  return out;
}

function renameKeys(defs: readonly AttributeDef[], value: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, inner] of Object.entries(value)) {
    const def = findDef(defs, key);
    out[def?.name ?? key] = renameValue(def, inner);
  }
  return out;
}

function renameValue(def: AttributeDef | undefined, value: Json): Json {
  const sub = def?.subAttributes;
  if (!sub) return value;
  if (Array.isArray(value)) return value.map((item) => (isRecord(item) ? renameKeys(sub, item) : item));
  return isRecord(value) ? renameKeys(sub, value) : value;
}

function setAt(target: JsonRecord, names: string[], value: Json): void {
  let node = target;
  for (const name of names.slice(0, -1)) {
    if (!isRecord(node[name])) node[name] = {};
    node = node[name] as JsonRecord;
  }
  const last = names[names.length - 1]!;
  node[last] = isRecord(value) && isRecord(node[last]) ? { ...(node[last] as JsonRecord), ...value } : value;
}

/**
 * Checks every known attribute's type and brings the dialects in line: booleans sent as strings (Entra ID
 * sends `"False"`) become booleans, `null` means "no value" (RFC 7644 §3.5.1) and is dropped. Throws a
 * 400 `invalidValue` naming the attribute, never quoting the value.
 */
export function normaliseValues(kind: ResourceKind, resource: JsonRecord): JsonRecord {
  const out = checkObject(topLevelDefs(kind), resource, '');
  for (const urn of kind.extensions) {
    const ext = out[urn];
    if (ext === undefined) continue;
    if (!isRecord(ext)) throw badRequest(`${urn}: expected an object`);
    out[urn] = checkObject(SCHEMA_ATTRIBUTES[urn] ?? [], ext, `${urn}:`);
  }
  return out;
}

function checkObject(defs: readonly AttributeDef[], value: JsonRecord, prefix: string): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null) continue;
    const def = defs.find((d) => d.name === key);
    out[key] = def ? checkValue(def, inner, `${prefix}${key}`) : inner;
  }
  return out;
}

function checkValue(def: AttributeDef, value: Json, where: string): Json {
  if (def.multiValued) {
    if (!Array.isArray(value)) throw badRequest(`${where}: expected an array (a multi-valued attribute)`);
    return value.filter((item) => item !== null).map((item, i) => checkSingle(def, item, `${where}[${i}]`));
  }
  return checkSingle(def, value, where);
}

function checkSingle(def: AttributeDef, value: Json, where: string): Json {
  switch (def.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw badRequest(`${where}: expected a boolean`);
    case 'complex':
      // Entra ID sends the enterprise manager as the bare id: a complex value given as its `value`.
      if (typeof value === 'string' && def.subAttributes?.some((s) => s.name === 'value')) return { value };
      if (!isRecord(value)) throw badRequest(`${where}: expected an object`);
      return checkObject(def.subAttributes ?? [], value, `${where}.`);
    case 'dateTime':
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      throw badRequest(`${where}: expected an xsd:dateTime`);
    default:
      if (typeof value === 'string') return value;
      // Numbers and booleans in a string attribute are a common directory slip (employeeNumber: 1234).
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw badRequest(`${where}: expected a string`);
  }
}

import { scimPatch, type ScimPatchOperation } from 'scim-patch';
import { canonicalise, isRecord, type Json, type JsonRecord } from './canonical.ts';
import { extensionOf, isExtensionKey, resolvePath, type ResourceKind } from './resource-kinds.ts';
import { PATCH_OP_SCHEMA } from './schema-urns.ts';
import { badRequest, ScimError } from './scim-error.ts';

/** Most operations one PATCH may carry (RFC 7644 §3.5.2 sets no limit; an unbounded one is a DoS). */
export const MAX_PATCH_OPERATIONS = 1000;

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: Json;
}

/** Attribute names in a path: a letter or `$` first, then letters, digits, `_`, `-`, `$`. */
const NAME = /^[A-Za-z$][\w$-]*$/;

/**
 * A PatchOp request body (RFC 7644 §3.5.2) read the way real directories write it: `op` in any case
 * (Entra ID sends `"Replace"`), attribute names in any case, no-path operations whose value holds several
 * attributes (Okta's `{"op":"replace","value":{"active":false}}`, Entra ID's `"name.givenName"` keys and
 * enterprise URNs as keys). A no-path value is spread into one operation per attribute, and a complex value
 * into one per sub-attribute, so sub-attributes it does not name are kept as RFC 7644 §3.5.2.3 asks.
 */
export function readPatchRequest(kind: ResourceKind, body: unknown): PatchOperation[] {
  if (!isRecord(body)) throw badRequest('the body must be a PatchOp JSON object', 'invalidSyntax');
  const schemas = body.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(PATCH_OP_SCHEMA))) {
    throw badRequest(`schemas must contain ${PATCH_OP_SCHEMA}`, 'invalidSyntax');
  }
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : body[key];
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest('Operations must be a non-empty array', 'invalidSyntax');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw new ScimError(413, `a PATCH may carry at most ${MAX_PATCH_OPERATIONS} operations`);
  }
  return operations.flatMap((raw, i) => readOperation(kind, raw, i));
}

function readOperation(kind: ResourceKind, raw: Json, index: number): PatchOperation[] {
  const where = `Operations[${index}]`;
  if (!isRecord(raw)) throw badRequest(`${where}: expected an object`, 'invalidSyntax');
  const fields = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
  const op = typeof fields.op === 'string' ? fields.op.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw badRequest(`${where}: op must be "add", "replace" or "remove"`, 'invalidSyntax');
  }
  const path = typeof fields.path === 'string' && fields.path.trim() !== '' ? fields.path.trim() : undefined;
  if (fields.path !== undefined && fields.path !== null && typeof fields.path !== 'string') {
    throw badRequest(`${where}: path must be a string`, 'invalidPath');
  }
  const value = fields.value;
  if (path !== undefined) {
    if (op !== 'remove' && value === undefined) throw badRequest(`${where}: "${op}" needs a value`);
    if (op !== 'remove' && isRecord(value) && !path.includes('[')) {
      // A whole extension, or a single-valued complex attribute: spread so unnamed sub-attributes stay.
      const resolved = resolvePath(kind, path);
      if (resolved.extension && resolved.names.length === 0)
        return spread(kind, op, canonicalise(kind, { [resolved.extension]: value }));
      if (resolved.def?.type === 'complex' && !resolved.def.multiValued)
        return spread(kind, op, canonicalise(kind, { [path]: value }));
    }
    const canonical = canonicalPath(kind, path, where);
    if (op === 'remove' && Array.isArray(value) && !canonical.includes('[')) {
      return removeByValues(canonical, value, where);
    }
    return [{ op, path: canonical, ...(value === undefined ? {} : { value: withoutNulls(value) }) }];
  }
  if (op === 'remove') throw badRequest(`${where}: "remove" needs a path`, 'noTarget');
  if (!isRecord(value)) throw badRequest(`${where}: without a path, the value must be an object`);
  return spread(kind, op, canonicalise(kind, value));
}

/**
 * `remove` with a list of values (Entra ID removes members as `{"path":"members","value":[{"value":"…"}]}`,
 * with `"$ref": null` beside): one removal per listed value, matched by `value` alone.
 */
function removeByValues(path: string, values: Json[], where: string): PatchOperation[] {
  return values.map((item, i) => {
    if (!isRecord(item) || typeof item.value !== 'string') {
      throw badRequest(`${where}.value[${i}]: expected an object with a string "value"`);
    }
    return { op: 'remove' as const, path: `${path}[value eq ${JSON.stringify(item.value)}]` };
  });
}

/** `null` means "no value" (RFC 7644 §3.5.1): dropped inside values, so `"$ref": null` matches nothing. */
function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls);
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/** One operation per attribute (and per sub-attribute of a single-valued complex attribute). */
function spread(kind: ResourceKind, op: 'add' | 'replace', value: JsonRecord): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const [name, inner] of Object.entries(value)) {
    if (isExtensionKey(kind, name) && isRecord(inner)) {
      const extension = extensionOf(kind, name) ?? name;
      for (const [attr, v] of Object.entries(inner)) out.push(...spreadOne(op, `${extension}:${attr}`, v));
    } else {
      out.push(...spreadOne(op, name, inner));
    }
  }
  return out;
}

function spreadOne(op: 'add' | 'replace', path: string, value: Json): PatchOperation[] {
  if (isRecord(value) && Object.keys(value).length > 0) {
    return Object.entries(value).map(([sub, v]) => ({ op, path: `${path}.${sub}`, value: v }));
  }
  return [{ op, path, value }];
}

/**
 * The path with its attribute names in canonical spelling: `attr`, `attr.sub`, `urn:…:attr.sub`,
 * `attr[filter]` or `attr[filter].sub`. Throws `invalidPath` for anything else.
 */
function canonicalPath(kind: ResourceKind, path: string, where = 'path'): string {
  const open = path.indexOf('[');
  if (open === -1) return canonicalAttrPath(kind, path, where);
  const close = path.lastIndexOf(']');
  if (close < open) throw badRequest(`${where}: the value filter in the path is not closed`, 'invalidPath');
  const head = canonicalAttrPath(kind, path.slice(0, open), where);
  const filter = path.slice(open + 1, close);
  const tail = path.slice(close + 1);
  if (filter.trim() === '')
    throw badRequest(`${where}: the value filter in the path is empty`, 'invalidPath');
  if (tail !== '' && !(tail.startsWith('.') && NAME.test(tail.slice(1)))) {
    throw badRequest(`${where}: only a sub-attribute may follow a value filter`, 'invalidPath');
  }
  const resolved = resolvePath(kind, `${path.slice(0, open)}${tail}`);
  const sub = tail === '' ? '' : `.${resolved.names[resolved.names.length - 1] ?? tail.slice(1)}`;
  return `${head}[${filter}]${sub}`;
}

function canonicalAttrPath(kind: ResourceKind, path: string, where: string): string {
  const resolved = resolvePath(kind, path);
  if (resolved.names.length === 0 || !resolved.names.every((n) => NAME.test(n))) {
    throw badRequest(`${where}: "${path.slice(0, 120)}" is not an attribute path`, 'invalidPath');
  }
  const dotted = resolved.names.join('.');
  return resolved.extension ? `${resolved.extension}:${dotted}` : dotted;
}

/**
 * Applies the operations to a copy of the resource with scim-patch (RFC 7644 §3.5.2 semantics: value
 * filters, multi-valued add/replace/remove). Its refusals become 400s with the matching `scimType`;
 * anything else it throws on is still the request's fault (a path into a string, say), so also a 400.
 */
export function applyPatch(resource: JsonRecord, operations: PatchOperation[]): JsonRecord {
  let patched: unknown;
  try {
    patched = scimPatch(structuredClone(resource) as never, operations as ScimPatchOperation[]);
  } catch (err) {
    throw patchError(err);
  }
  if (!isRecord(patched)) throw badRequest('the operations do not leave a resource', 'invalidValue');
  return patched;
}

function patchError(err: unknown): ScimError {
  const name = err instanceof Error ? err.constructor.name : 'Error';
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 200);
  if (name === 'NoTarget' || name === 'FilterArrayTargetNotFound' || name === 'FilterOnEmptyArray') {
    return badRequest(`no attribute matches the path's value filter (${message})`, 'noTarget');
  }
  if (name === 'NoPathInScimPatchOp' || name === 'InvalidRemoveOpPath')
    return badRequest(message, 'noTarget');
  if (name === 'InvalidScimPatchOp' || name === 'InvalidScimPatchRequest')
    return badRequest(message, 'invalidPath');
  return badRequest(`an operation cannot be applied: ${message}`, 'invalidValue');
}

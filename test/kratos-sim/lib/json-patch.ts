import { badRequest, KratosHttpError } from './herodot.ts';
import type { Profile } from './profiles.ts';
import type { JsonObject } from './types.ts';

/**
 * RFC 6902 as ory/x `jsonx.ApplyJSONPatch` applies it for PATCH /admin/identities/{id}: only
 * add/remove/replace, a denylist of paths, `replace` of a missing path becomes `add`, and `add` creates
 * missing parents. v26 matches the denylist as case-insensitive globs and adds `/credentials/oidc/**`;
 * v1.x looks paths up exactly (`jsonx/patch.go:51-67@v0.0.660`).
 */
const DENIED = ['/id', '/stateChangedAt', '/credentials'];
const DENIED_GLOBS = [...DENIED, '/credentials/oidc/**'];
const PATCH_REASON = 'An error occured when applying the JSON patch';

export function applyIdentityPatch(doc: JsonObject, text: string, patch: Profile['patch']): JsonObject {
  if (text.trim() === '') throw new KratosHttpError({ status: 400, message: patch.emptyBodyMessage });
  let ops: unknown;
  try {
    ops = JSON.parse(text);
  } catch (err) {
    throw badRequest(undefined, (err as Error).message);
  }
  if (!Array.isArray(ops))
    throw badRequest(undefined, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of ops as JsonObject[]) {
    const kind = String(op?.op ?? '');
    if (!['add', 'remove', 'replace'].includes(kind))
      throw badRequest(undefined, `unsupported operation: ${kind}`);
    const path = String(op.path ?? '');
    const denied =
      patch.deny === 'glob' ? DENIED_GLOBS.some((glob) => globMatch(glob, path)) : DENIED.includes(path);
    if (denied) throw badRequest(PATCH_REASON, `patch includes denied path: ${path}`);
  }
  const result = structuredClone(doc);
  for (const op of ops as JsonObject[])
    apply(result, String(op.op), String(op.path ?? ''), op.value, patch.deny === 'exact');
  return result;
}

function apply(doc: JsonObject, op: string, path: string, value: unknown, evanphxErrors: boolean): void {
  const parts = parsePointer(path);
  if (parts.length === 0) throw badRequest(undefined, `${op} operation does not apply to the document root`);
  const last = parts[parts.length - 1]!;
  const parent = walk(doc, parts.slice(0, -1), op !== 'remove');
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length - (op === 'add' ? 0 : 1))
      throw badRequest(undefined, `${op} operation does not apply: index out of bounds: ${last}`);
    if (op === 'add') parent.splice(index, 0, structuredClone(value));
    else if (op === 'remove') parent.splice(index, 1);
    else parent[index] = structuredClone(value);
    return;
  }
  if (op === 'remove') {
    if (!(last in parent))
      // v1.x wraps evanphx/json-patch v5's error (`v5/patch.go:558-565,819-837@v5.6.0`).
      throw evanphxErrors
        ? badRequest(
            PATCH_REASON,
            `error in remove for path: '${path}': unable to remove nonexistent key: ${last}: missing value`,
          )
        : badRequest(undefined, `remove operation does not apply: doc is missing path: "${path}"`);
    delete parent[last];
    return;
  }
  // `replace` of a missing key is turned into `add` by Kratos.
  parent[last] = structuredClone(value);
}

function walk(doc: JsonObject, parts: string[], create: boolean): JsonObject | unknown[] {
  let node: unknown = doc;
  for (const part of parts) {
    const container = node as JsonObject | unknown[];
    let next = Array.isArray(container) ? container[Number(part)] : container[part];
    if (next === undefined || next === null) {
      if (!create || Array.isArray(container))
        throw badRequest(undefined, `doc is missing path: "/${parts.join('/')}"`);
      next = container[part] = {};
    }
    if (typeof next !== 'object') throw badRequest(undefined, `doc is missing path: "/${parts.join('/')}"`);
    node = next;
  }
  return node as JsonObject | unknown[];
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/'))
    throw badRequest(undefined, `JSON pointer must be empty or start with a "/": ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Glob with '/' as separator: `*` matches one segment, `**` any number; case-insensitive. */
function globMatch(glob: string, path: string): boolean {
  const re = glob
    .toLowerCase()
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
    .join('/');
  return new RegExp(`^${re}$`).test(path.toLowerCase());
}

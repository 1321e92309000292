import { isRecord, type Json, type JsonRecord } from './canonical.ts';
import { resolvePath, type ResourceKind } from './resource-kinds.ts';

/** Always returned, whatever `attributes` / `excludedAttributes` ask (RFC 7643 §7 `returned: always`). */
const ALWAYS = ['schemas', 'id'];

/** The comma-separated list of a query parameter as canonical name paths (URN first for extensions). */
export function readAttributeList(kind: ResourceKind, text: string | undefined): string[][] {
  if (!text) return [];
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const resolved = resolvePath(kind, part);
      return resolved.extension ? [resolved.extension, ...resolved.names] : resolved.names;
    })
    .filter((names) => names.length > 0);
}

/**
 * `attributes` (only these, RFC 7644 §3.9) or else `excludedAttributes` (all but these), applied to one
 * resource as it is answered.
 */
export function project(resource: JsonRecord, include: string[][], exclude: string[][]): JsonRecord {
  if (include.length > 0) {
    const out: JsonRecord = {};
    for (const key of ALWAYS) if (resource[key] !== undefined) out[key] = resource[key];
    for (const names of include) copyPath(resource, out, names);
    return out;
  }
  if (exclude.length === 0) return resource;
  const out = structuredClone(resource);
  for (const names of exclude) if (!ALWAYS.includes(names[0]!)) deletePath(out, names);
  return out;
}

function copyPath(from: JsonRecord, to: JsonRecord, names: string[]): void {
  const [first, ...rest] = names;
  const value = from[first!];
  if (value === undefined) return;
  if (rest.length === 0) {
    to[first!] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[first!]) ? (to[first!] as Json[]) : value.map(() => ({}) as Json);
    value.forEach((item, i) => {
      if (isRecord(item) && isRecord(existing[i])) copyPath(item, existing[i] as JsonRecord, rest);
    });
    to[first!] = existing;
  } else if (isRecord(value)) {
    const target = isRecord(to[first!]) ? (to[first!] as JsonRecord) : {};
    copyPath(value, target, rest);
    to[first!] = target;
  }
}

function deletePath(node: JsonRecord, names: string[]): void {
  const [first, ...rest] = names;
  if (rest.length === 0) {
    delete node[first!];
    return;
  }
  const value = node[first!];
  for (const item of Array.isArray(value) ? value : [value]) if (isRecord(item)) deletePath(item, rest);
}

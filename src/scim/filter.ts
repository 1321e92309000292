import { parse, type Filter } from 'scim2-parse-filter';
import type { AttributeDef } from './attribute-defs.ts';
import { isRecord, type Json, type JsonRecord } from './canonical.ts';
import { findDef, resolvePath, type ResourceKind } from './resource-kinds.ts';
import { badRequest } from './scim-error.ts';

/** Longest filter accepted: longer ones are refused before parsing (the parser is recursive). */
const MAX_FILTER_LENGTH = 4096;

export type ResourcePredicate = (resource: JsonRecord) => boolean;

/**
 * A SCIM filter (RFC 7644 §3.4.2.2) as a predicate over stored resources. Parsing is done by
 * scim2-parse-filter; evaluation is ours, because it must follow the attribute definitions: attribute names
 * match without regard to case, strings compare without case unless the attribute is `caseExact`
 * (userName and emails do not, id and externalId do), dateTimes (`meta.lastModified gt "…"`) compare as
 * instants, and ordering a boolean is an `invalidFilter` error. `ne` is the negation of `eq` over all of
 * a multi-valued attribute's values. A bad filter throws a 400 `invalidFilter`.
 */
export function compileFilter(kind: ResourceKind, text: string): ResourcePredicate {
  if (text.length > MAX_FILTER_LENGTH) {
    throw badRequest(`the filter is longer than ${MAX_FILTER_LENGTH} characters`, 'invalidFilter');
  }
  const { protectedText, literals } = protectLiterals(text);
  let ast: Filter;
  try {
    ast = restoreLiterals(parse(valuePathComparisons(protectedText)), literals);
  } catch (err) {
    throw badRequest(`the filter cannot be parsed: ${describeParseError(err)}`, 'invalidFilter');
  }
  validate(kind, ast, undefined);
  return (resource) => test(kind, ast, resource, undefined);
}

const LITERAL = /"(?:[^"\\]|\\.)*"/g;
const PLACEHOLDER = /^kssliteral(\d+)$/;

/**
 * Comparison values are JSON strings (RFC 7644 §3.4.2.2 refers to RFC 7159), but the parser reads
 * escapes only in part (`"\\"` and `"\u00e9"` come out wrong). So every string literal is decoded here
 * with JSON.parse and handed to the parser as a plain placeholder word, put back into the tree after.
 */
function protectLiterals(text: string): { protectedText: string; literals: string[] } {
  const literals: string[] = [];
  const protectedText = text.replace(LITERAL, (literal) => {
    try {
      literals.push(JSON.parse(literal) as string);
    } catch {
      throw badRequest('a string in the filter is not a valid JSON string', 'invalidFilter');
    }
    return `"kssliteral${literals.length - 1}"`;
  });
  return { protectedText, literals };
}

const VALUE_PATH_COMPARISON =
  /([A-Za-z$][\w$:.-]*)\[([^[\]]*)\]\.([A-Za-z$][\w$-]*)\s+(?:(pr)\b|(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("kssliteral\d+"|true|false|null|-?\d[\d.eE+-]*))/gi;

/**
 * `emails[type eq "work"].value eq "x"` — a value path with a sub-attribute, as PATCH paths write it — means
 * one work address equal to x. The parser would read it as two separate conditions on any addresses, so it
 * is rewritten to the value filter it stands for: `emails[(type eq "work") and value eq "x"]`.
 */
function valuePathComparisons(text: string): string {
  return text.replace(VALUE_PATH_COMPARISON, (_all, attr, inner, sub, pr, op, value) =>
    pr ? `${attr}[(${inner}) and ${sub} pr]` : `${attr}[(${inner}) and ${sub} ${op} ${value}]`,
  );
}

function restoreLiterals(f: Filter, literals: string[]): Filter {
  switch (f.op) {
    case 'and':
    case 'or':
      return { ...f, filters: f.filters.map((inner) => restoreLiterals(inner, literals)) };
    case 'not':
      return { ...f, filter: restoreLiterals(f.filter, literals) };
    case '[]':
      return { ...f, valFilter: restoreLiterals(f.valFilter, literals) };
    case 'pr':
      return f;
    default: {
      const index = typeof f.compValue === 'string' ? PLACEHOLDER.exec(f.compValue)?.[1] : undefined;
      return index === undefined ? f : { ...f, compValue: literals[Number(index)]! };
    }
  }
}

/** The parser's messages name tokens of the filter; keep them short and on one line. */
function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}

type Scope = AttributeDef | undefined;

function defOf(kind: ResourceKind, path: string, scope: Scope): { names: string[]; def?: AttributeDef } {
  if (scope) {
    const names = path.split('.');
    let defs = scope.subAttributes ?? [];
    let def: AttributeDef | undefined;
    const canonical = names.map((name) => {
      def = findDef(defs, name);
      defs = def?.subAttributes ?? [];
      return def?.name ?? name;
    });
    return def ? { names: canonical, def } : { names: canonical };
  }
  const resolved = resolvePath(kind, path);
  const names = resolved.extension ? [resolved.extension, ...resolved.names] : resolved.names;
  return resolved.def ? { names, def: resolved.def } : { names };
}

function validate(kind: ResourceKind, f: Filter, scope: Scope): void {
  switch (f.op) {
    case 'and':
    case 'or':
      return f.filters.forEach((inner) => validate(kind, inner, scope));
    case 'not':
      return validate(kind, f.filter, scope);
    case '[]': {
      const { def } = defOf(kind, f.attrPath, scope);
      if (def && def.type !== 'complex')
        throw badRequest(`${f.attrPath} is not a complex attribute: it has no value filter`, 'invalidFilter');
      return validate(kind, f.valFilter, def);
    }
    case 'pr':
      return;
    default: {
      const { def } = defOf(kind, f.attrPath, scope);
      const ordering = f.op === 'gt' || f.op === 'ge' || f.op === 'lt' || f.op === 'le';
      if (def?.type === 'boolean' && ordering)
        throw badRequest(`${f.attrPath} is a boolean: "${f.op}" does not apply`, 'invalidFilter');
      if (def?.type === 'complex')
        throw badRequest(`${f.attrPath} is complex: compare one of its sub-attributes`, 'invalidFilter');
    }
  }
}

function test(kind: ResourceKind, f: Filter, resource: JsonRecord, scope: Scope): boolean {
  switch (f.op) {
    case 'and':
      return f.filters.every((inner) => test(kind, inner, resource, scope));
    case 'or':
      return f.filters.some((inner) => test(kind, inner, resource, scope));
    case 'not':
      return !test(kind, f.filter, resource, scope);
    case '[]': {
      const { names, def } = defOf(kind, f.attrPath, scope);
      return valuesAt(resource, names).some((item) => isRecord(item) && test(kind, f.valFilter, item, def));
    }
    case 'pr': {
      const { names } = defOf(kind, f.attrPath, scope);
      return valuesAt(resource, names).some(present);
    }
    case 'ne':
      return !test(kind, { ...f, op: 'eq' }, resource, scope);
    default: {
      const { names, def } = defOf(kind, f.attrPath, scope);
      const values = valuesAt(resource, names);
      return values.some((value) => compare(f.op, value, f.compValue, def));
    }
  }
}

function present(value: Json): boolean {
  if (value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** Every value at the path; arrays on the way are walked through (`emails.value` gives each address). */
function valuesAt(resource: Json, names: readonly string[]): Json[] {
  let current: Json[] = [resource];
  for (const name of names) {
    const next: Json[] = [];
    for (const node of current.flatMap((n) => (Array.isArray(n) ? n : [n]))) {
      if (!isRecord(node)) continue;
      const key = Object.keys(node).find((k) => k.toLowerCase() === name.toLowerCase());
      if (key !== undefined && node[key] !== undefined) next.push(node[key]);
    }
    current = next;
  }
  return current.flatMap((n) => (Array.isArray(n) ? n : [n]));
}

type CompareOp = 'eq' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

function compare(op: string, actual: Json, expected: unknown, def: AttributeDef | undefined): boolean {
  if (expected === null) return op === 'eq' ? actual === null : false;
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    return op === 'eq' && String(actual).toLowerCase() === String(expected).toLowerCase();
  }
  if (typeof actual === 'number' && typeof expected === 'number') return ordered(op, actual - expected);
  if (typeof actual !== 'string') return false;
  const wanted = String(expected);
  if (def?.type === 'dateTime') {
    const a = Date.parse(actual);
    const b = Date.parse(wanted);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return ordered(op, a - b);
  }
  const caseExact = def?.caseExact ?? false;
  const a = caseExact ? actual : actual.toLowerCase();
  const b = caseExact ? wanted : wanted.toLowerCase();
  switch (op as CompareOp) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return ordered(op, a < b ? -1 : a > b ? 1 : 0);
  }
}

function ordered(op: string, diff: number): boolean {
  switch (op) {
    case 'eq':
      return diff === 0;
    case 'gt':
      return diff > 0;
    case 'ge':
      return diff >= 0;
    case 'lt':
      return diff < 0;
    case 'le':
      return diff <= 0;
    default:
      return false;
  }
}

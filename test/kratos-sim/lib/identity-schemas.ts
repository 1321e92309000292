import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from './types.ts';

/**
 * Identity schemas: compiled once at start (never per request), validated with ajv, and scanned for the
 * `ory.sh/kratos` extension that marks credential identifiers and verification/recovery addresses.
 * Validation failures are rendered in the jsonschema library's `I[instance] S[schema] message` form that
 * Kratos puts into `reason` (santhosh-tekuri/jsonschema's error text).
 */
export interface TraitExtension {
  /** Path below `traits`, e.g. ['email'] or ['emails'] with `each` for array items. */
  path: string[];
  each: boolean;
  passwordIdentifier: boolean;
  codeIdentifier: boolean;
  webauthnIdentifier: boolean;
  verificationVia?: string;
  recoveryVia?: string;
}

export interface CompiledSchema {
  id: string;
  schema: JsonObject;
  validate: ValidateFunction;
  extensions: TraitExtension[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

function loadBuiltIn(file: string): JsonObject {
  return JSON.parse(readFileSync(new URL(`../schemas/${file}`, import.meta.url), 'utf8')) as JsonObject;
}

export const BUILT_IN_SCHEMAS: Record<string, JsonObject> = {
  default: loadBuiltIn('email-password.schema.json'),
  employee: loadBuiltIn('employee.schema.json'),
};

export class SchemaRegistry {
  readonly byId = new Map<string, CompiledSchema>();
  readonly #draft7 = makeAjv(new Ajv({ allErrors: true, strict: false, verbose: true }));
  readonly #draft2020 = makeAjv(
    new Ajv2020({ allErrors: true, strict: false, verbose: true }) as unknown as Ajv,
  );

  constructor(schemas: Record<string, object>) {
    for (const [id, schema] of Object.entries(schemas)) this.add(id, schema as JsonObject);
  }

  add(id: string, schema: JsonObject): void {
    const is2020 = String(schema.$schema ?? '').includes('2020-12');
    // Schemas may share an `$id` (e.g. a test registering the same file twice); compile a copy without it.
    const { $id: _ignored, ...withoutId } = schema;
    const validate = (is2020 ? this.#draft2020 : this.#draft7).compile(withoutId);
    this.byId.set(id, { id, schema, validate, extensions: collectExtensions(schema) });
  }

  /** Returns the Kratos-style reason string when `traits` fail the schema, otherwise undefined. */
  validateTraits(compiled: CompiledSchema, traits: unknown): string | undefined {
    if (compiled.validate({ traits })) return undefined;
    return formatReason(compiled.validate.errors ?? []);
  }
}

function makeAjv(ajv: Ajv): Ajv {
  addFormats(ajv);
  // `strict: false` makes ajv ignore the `ory.sh/kratos` keyword (its name is not a valid ajv keyword).
  return ajv;
}

function formatReason(errors: ErrorObject[]): string {
  const lines = errors.map((e) => `I[#${e.instancePath}] S[${e.schemaPath}] ${describe(e)}`);
  if (lines.length === 1) return lines[0]!;
  return `I[#] S[#] validation failed\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** ajv messages reworded into the santhosh-tekuri/jsonschema phrasing Kratos shows. */
function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `expected ${String(p.type)}, but got ${jsonType(e.data)}`;
    case 'required':
      return `missing properties: "${String(p.missingProperty)}"`;
    case 'format':
      return `${JSON.stringify(e.data)} is not valid "${String(p.format)}"`;
    case 'minLength':
      return `length must be >= ${String(p.limit)}, but got ${String((e.data as string).length)}`;
    case 'maxLength':
      return `length must be <= ${String(p.limit)}, but got ${String((e.data as string).length)}`;
    case 'additionalProperties':
      return `additionalProperties "${String(p.additionalProperty)}" not allowed`;
    case 'pattern':
      return `does not match pattern ${JSON.stringify(String(p.pattern))}`;
    case 'enum':
      return `value must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? 'validation failed';
  }
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Walks `properties.traits` (nested objects, array items, local `$ref`s) for `ory.sh/kratos` marks. */
function collectExtensions(root: JsonObject): TraitExtension[] {
  const out: TraitExtension[] = [];
  const traits = resolveRef(root, (root.properties as JsonObject | undefined)?.traits);
  const walk = (node: JsonObject | undefined, path: string[], depth: number): void => {
    if (!node || depth > 16) return;
    const props = node.properties as Record<string, unknown> | undefined;
    for (const [key, raw] of Object.entries(props ?? {})) {
      const child = resolveRef(root, raw);
      if (!child) continue;
      const items = child.type === 'array' ? resolveRef(root, child.items) : undefined;
      const ext = (items ?? child)['ory.sh/kratos'] as JsonObject | undefined;
      if (ext) out.push(toExtension([...path, key], items !== undefined, ext));
      walk(items ?? child, [...path, key], depth + 1);
    }
  };
  walk(traits, [], 0);
  return out;
}

function toExtension(path: string[], each: boolean, ext: JsonObject): TraitExtension {
  const creds = (ext.credentials ?? {}) as Record<string, JsonObject | undefined>;
  const via = (key: string): string | undefined =>
    (ext[key] as JsonObject | undefined)?.via as string | undefined;
  const result: TraitExtension = {
    path,
    each,
    passwordIdentifier: creds.password?.identifier === true,
    codeIdentifier: creds.code?.identifier === true,
    webauthnIdentifier: creds.webauthn?.identifier === true,
  };
  const verificationVia = via('verification');
  const recoveryVia = via('recovery');
  if (verificationVia) result.verificationVia = verificationVia;
  if (recoveryVia) result.recoveryVia = recoveryVia;
  return result;
}

function resolveRef(root: JsonObject, node: unknown): JsonObject | undefined {
  let current = node as JsonObject | undefined;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 8; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) return current;
    current = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((acc, part) => (acc as JsonObject | undefined)?.[part], root) as
      JsonObject | undefined;
  }
  return current;
}

/** Values at an extension's path inside `traits` (strings only, as Kratos only indexes string values). */
export function valuesAt(traits: unknown, ext: TraitExtension): string[] {
  let node: unknown = traits;
  for (const key of ext.path) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
    node = (node as JsonObject)[key];
  }
  const list = ext.each && Array.isArray(node) ? node : [node];
  return list.filter((v): v is string => typeof v === 'string');
}

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PROFILES } from '../lib/profiles.ts';
import type { ApiGeneration } from '../lib/types.ts';

/**
 * The official Kratos OpenAPI 3.0 spec of one release (the profile's `specFile`), loaded from `../openapi/` and turned into ajv
 * validators: `$ref`s are resolved against the spec document itself, and OpenAPI's `nullable: true`
 * becomes JSON Schema's `null` type. Used to check every response the simulator gives in the tests.
 */
type Json = { [key: string]: unknown };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
const SPEC_ID = 'kratos-openapi';

export interface SpecOperation {
  template: string;
  method: string;
  responses: Record<string, Json>;
}

export class OpenApiSpec {
  readonly api: ApiGeneration;
  readonly #doc: Json;
  readonly #ajv: Ajv;
  readonly #paths: Array<{ template: string; segments: string[]; item: Json }>;
  readonly #validators = new Map<string, ValidateFunction | null>();

  constructor(api: ApiGeneration) {
    this.api = api;
    const raw = JSON.parse(
      readFileSync(new URL(`../openapi/${PROFILES[api].specFile}`, import.meta.url), 'utf8'),
    ) as Json;
    this.#doc = toJsonSchema(raw) as Json;
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.#ajv);
    this.#ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.#ajv.addFormat('uuid4', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i);
    this.#ajv.addSchema(this.#doc, SPEC_ID);
    this.#paths = Object.entries(this.#doc.paths as Record<string, Json>).map(([template, item]) => ({
      template,
      segments: template.split('/').slice(1),
      item,
    }));
  }

  /** The documented operation for a concrete path, e.g. `/admin/identities/abc` → `/admin/identities/{id}`. */
  operation(method: string, path: string): SpecOperation | undefined {
    const segments = path.split('/').slice(1);
    // Prefer literal matches over parameter matches, like the routers do.
    const candidates = this.#paths
      .filter((p) => p.segments.length === segments.length)
      .filter((p) => p.segments.every((s, i) => s.startsWith('{') || s === segments[i]))
      .sort((a, b) => literalCount(b.segments) - literalCount(a.segments));
    for (const c of candidates) {
      const op = c.item[method.toLowerCase()] as Json | undefined;
      if (op) return { template: c.template, method, responses: op.responses as Record<string, Json> };
    }
    return undefined;
  }

  /** A validator for the JSON body of `status`, `null` when the response has no JSON body, undefined when undocumented. */
  responseValidator(op: SpecOperation, status: number): ValidateFunction | null | undefined {
    const key = `${op.method} ${op.template} ${status}`;
    if (this.#validators.has(key)) return this.#validators.get(key);
    let response = op.responses[String(status)] ?? op.responses.default;
    if (!response) return undefined;
    response = this.#deref(response);
    const schema = (response.content as Record<string, Json> | undefined)?.['application/json']?.schema as
      Json | undefined;
    const validator = schema ? this.#ajv.compile(schema) : null;
    this.#validators.set(key, validator);
    return validator;
  }

  /** A validator for one `components.schemas` entry. */
  componentValidator(name: string): ValidateFunction {
    const key = `component ${name}`;
    let validator = this.#validators.get(key);
    if (!validator) {
      validator = this.#ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
      this.#validators.set(key, validator);
    }
    return validator;
  }

  describe(op: SpecOperation, status: number): string {
    return `${op.method} ${op.template} → ${status} (documented: ${Object.keys(op.responses).join(', ')})`;
  }

  #deref(node: Json): Json {
    let current = node;
    while (typeof current.$ref === 'string') {
      const pointer = (current.$ref as string).slice(SPEC_ID.length + 2).split('/');
      current = pointer.reduce<unknown>(
        (acc, part) => (acc as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')],
        this.#doc,
      ) as Json;
    }
    return current;
  }
}

function literalCount(segments: string[]): number {
  return segments.filter((s) => !s.startsWith('{')).length;
}

/** OpenAPI 3.0 → JSON Schema: absolute `$ref`s into the registered spec, `nullable` → a null type. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = `${SPEC_ID}${v}`;
    else if (k === 'example' || k === 'examples') continue;
    else out[k] = toJsonSchema(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    if (typeof out.$ref === 'string') return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
  }
  return out;
}

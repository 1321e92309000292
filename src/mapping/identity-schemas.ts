import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from '../domain/identity.ts';
import draft07MetaValidator from './draft07-meta-validator.ts';

// ajv-formats is CommonJS (`module.exports = plugin`); under Node's ESM interop the default import is the plugin.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Why traits failed their identity schema: a trait path, a rule and a message without the value. */
export interface SchemaViolation {
  /** e.g. `traits.email`, `traits.name.first`, `schema_id`. */
  field: string;
  /** `required`, `format:email`, `type`, `unknown-schema`, … */
  rule: string;
  message: string;
}

export interface TraitsCheck {
  violation?: SchemaViolation;
  /** The email identifier's value, when the schema marks one and traits have it. */
  email?: string;
}

/**
 * Kratos identity schemas (from GET /schemas), each compiled once, on first use — a broken schema nobody
 * maps to must not stop the others. Validation mirrors Kratos, which validates `{ traits }` against the
 * whole identity schema: Kratos' own `ory.sh/kratos` keyword (and any other unknown keyword) is an
 * annotation. Ajv refuses to register a keyword whose name has `.` or `/`, so the instances run with
 * `strict: false` instead — the same leniency Kratos' validator has.
 */
export interface IdentitySchemas {
  check(schemaId: string, traits: JsonObject): TraitsCheck;
  has(schemaId: string): boolean;
}

interface CompiledSchema {
  validate?: ValidateFunction;
  compileError?: string;
  emailPath?: string[];
}

export function createIdentitySchemas(schemas: ReadonlyMap<string, JsonObject>): IdentitySchemas {
  const compiled = new Map<string, CompiledSchema>();
  const validators = new ValidatorFactory();
  const get = (schemaId: string): CompiledSchema | undefined => {
    const cached = compiled.get(schemaId);
    if (cached !== undefined) return cached;
    const schema = schemas.get(schemaId);
    if (schema === undefined) return undefined;
    const entry = validators.compile(schema);
    compiled.set(schemaId, entry);
    return entry;
  };
  return {
    has: (schemaId) => schemas.has(schemaId),
    check(schemaId, traits) {
      const entry = get(schemaId);
      if (entry === undefined) {
        const known = [...schemas.keys()].sort().join(', ') || 'none';
        return {
          violation: {
            field: 'schema_id',
            rule: 'unknown-schema',
            message: `identity schema "${schemaId}" does not exist in Kratos (known: ${known})`,
          },
        };
      }
      if (entry.validate === undefined) {
        return {
          violation: {
            field: 'schema_id',
            rule: 'schema-invalid',
            message: `identity schema "${schemaId}" cannot be used: ${entry.compileError}`,
          },
        };
      }
      if (!entry.validate({ traits })) {
        const error = entry.validate.errors?.[0];
        return {
          violation: error === undefined ? genericViolation(schemaId) : describeViolation(error, schemaId),
        };
      }
      const email = entry.emailPath === undefined ? undefined : readString(traits, entry.emailPath);
      return email === undefined ? {} : { email };
    },
  };
}

class ValidatorFactory {
  #draft07?: Ajv;
  #draft2019?: Ajv2019;
  #draft2020?: Ajv2020;

  compile(schema: JsonObject): CompiledSchema {
    const emailPath = findEmailIdentifier(schema);
    try {
      // `$id` is dropped: two Kratos schemas copied from one template often share it, and Ajv refuses a
      // second schema with a known id. Local `#/…` references do not need it.
      const { $id: _id, ...rest } = schema;
      return { validate: this.#instanceFor(schema.$schema).compile(rest), emailPath };
    } catch (err) {
      return { compileError: err instanceof Error ? err.message : String(err), emailPath };
    }
  }

  #instanceFor(dialect: unknown): Ajv | Ajv2019 | Ajv2020 {
    const text = typeof dialect === 'string' ? dialect : '';
    if (text.includes('2020-12')) return (this.#draft2020 ??= withFormats(new Ajv2020(OPTIONS)));
    if (text.includes('2019-09')) return (this.#draft2019 ??= withFormats(new Ajv2019(OPTIONS)));
    return (this.#draft07 ??= withFormats(new Draft07Ajv({ ...OPTIONS, schemaId: '$id' })));
  }
}

const checkDraft07Schema = draft07MetaValidator as unknown as ValidateFunction;
const DRAFT07 = new Set([
  'http://json-schema.org/draft-07/schema',
  'http://json-schema.org/draft-07/schema#',
]);

/**
 * Ajv checks every schema against its meta-schema before compiling it, and compiles the draft-07 meta-schema
 * for that in every process (~20-45 ms of a sync's start-up, profiled). This instance checks schemas
 * that are draft-07 (or name no `$schema`, Ajv's default here) with the same check compiled ahead of time
 * (scripts/generate-meta-validator.ts), at the same point and with the same error; any other `$schema`
 * goes through Ajv as before.
 */
class Draft07Ajv extends Ajv {
  override validateSchema(schema: AnySchema, throwOrLogError?: boolean): boolean | Promise<unknown> {
    const declared = typeof schema === 'object' ? (schema.$schema as unknown) : undefined;
    if (typeof schema === 'boolean' || (declared !== undefined && !DRAFT07.has(declared as string)))
      return super.validateSchema(schema, throwOrLogError);
    const valid = checkDraft07Schema(schema);
    this.errors = checkDraft07Schema.errors ?? null;
    if (!valid && throwOrLogError) throw new Error(`schema is invalid: ${this.errorsText()}`);
    return valid;
  }
}

const OPTIONS = { strict: false, allErrors: false, logger: false } as const;

function withFormats<T extends Ajv>(ajv: T): T {
  addFormats(ajv);
  // Kratos' phone-number format; deliberately lenient (Kratos parses with libphonenumber and has the last word).
  ajv.addFormat('tel', /^\+?[0-9][0-9 ().-]{3,30}$/);
  return ajv;
}

/** The trait Kratos uses as the password (or code) login identifier; `email` when none is marked. */
export function findEmailIdentifier(schema: JsonObject): string[] | undefined {
  const traits = childSchema(schema, 'traits');
  if (traits === undefined) return undefined;
  const marked: Array<{ path: string[]; email: boolean }> = [];
  walkProperties(traits, [], (path, property) => {
    const extension = property['ory.sh/kratos'] as
      { credentials?: Record<string, { identifier?: unknown }> } | undefined;
    const credentials = extension?.credentials;
    if (credentials?.password?.identifier === true || credentials?.code?.identifier === true) {
      marked.push({ path, email: property.format === 'email' });
    }
  });
  const best = marked.find((entry) => entry.email) ?? marked[0];
  if (best !== undefined) return best.path;
  return childSchema(traits, 'email') === undefined ? undefined : ['email'];
}

function walkProperties(
  schema: JsonObject,
  path: string[],
  visit: (path: string[], property: JsonObject) => void,
): void {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return;
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    if (typeof property !== 'object' || property === null) continue;
    visit([...path, name], property as JsonObject);
    if (path.length < 4) walkProperties(property as JsonObject, [...path, name], visit);
  }
}

function childSchema(schema: JsonObject, name: string): JsonObject | undefined {
  const child = (schema.properties as Record<string, unknown> | undefined)?.[name];
  return typeof child === 'object' && child !== null ? (child as JsonObject) : undefined;
}

function readString(traits: JsonObject, path: string[]): string | undefined {
  let node: unknown = traits;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'string' && node !== '' ? node : undefined;
}

/** Ajv's error as a field path and a message that names the rule, never the value. */
function describeViolation(error: ErrorObject, schemaId: string): SchemaViolation {
  const path = pointerToPath(error.instancePath);
  const base = path || 'traits';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = joinPath(path, String(params.missingProperty));
      return { field, rule: 'required', message: `${field} is required by identity schema "${schemaId}"` };
    }
    case 'additionalProperties': {
      const field = joinPath(path, String(params.additionalProperty));
      return {
        field,
        rule: 'additionalProperties',
        message: `${field} is not allowed by identity schema "${schemaId}"`,
      };
    }
    case 'format':
      return {
        field: base,
        rule: `format:${String(params.format)}`,
        message: `${base} is not a valid ${String(params.format)}`,
      };
    case 'type':
      return { field: base, rule: 'type', message: `${base} must be of type ${String(params.type)}` };
    case 'enum':
      return {
        field: base,
        rule: 'enum',
        message: `${base} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      // Ajv's messages describe the rule from the schema ("must NOT have more than 100 characters").
      return {
        field: base,
        rule: error.keyword,
        message: `${base} ${error.message ?? 'is invalid'} (identity schema "${schemaId}")`,
      };
  }
}

function genericViolation(schemaId: string): SchemaViolation {
  return { field: 'traits', rule: 'schema', message: `traits do not match identity schema "${schemaId}"` };
}

/** `/traits/name/first` → `traits.name.first` (RFC 6901 unescaped); `` for the root. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

function joinPath(base: string, name: string): string {
  return base === '' ? name : `${base}.${name}`;
}

import type { ErrorObject } from 'ajv';
import type { JsonObject } from '../domain/identity.ts';

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

/** A compiled identity schema: Ajv's function, or one of its standalone modules (the same code). */
export type SchemaValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** What compiling one schema gave: its validator, or why it could not be compiled. */
export interface CompiledSchema {
  validate?: SchemaValidator;
  compileError?: string;
}

export type CompileSchema = (schema: JsonObject) => CompiledSchema | Promise<CompiledSchema>;

interface Entry extends CompiledSchema {
  emailPath?: string[];
}

/**
 * The checks behind every identity-schema verdict, whoever compiles the schemas: each schema is compiled
 * once, on first use — a broken schema nobody maps to must not stop the others. `check` answers at once
 * when its schema is compiled (or `compile` answers at once), else with a promise; calls that arrive while
 * a schema compiles share that one compile.
 */
export function createSchemaChecker(schemas: ReadonlyMap<string, JsonObject>, compile: CompileSchema) {
  const entries = new Map<string, Entry | Promise<Entry>>();
  const entryFor = (schemaId: string, schema: JsonObject): Entry | Promise<Entry> => {
    const known = entries.get(schemaId);
    if (known !== undefined) return known;
    const emailPath = findEmailIdentifier(schema);
    const compiled = compile(schema);
    const entry =
      compiled instanceof Promise
        ? compiled.then((done) => {
            const settled = { ...done, emailPath };
            entries.set(schemaId, settled);
            return settled;
          })
        : { ...compiled, emailPath };
    entries.set(schemaId, entry);
    return entry;
  };
  return {
    has: (schemaId: string) => schemas.has(schemaId),
    check(schemaId: string, traits: JsonObject): TraitsCheck | Promise<TraitsCheck> {
      const schema = schemas.get(schemaId);
      if (schema === undefined) {
        const known = [...schemas.keys()].sort().join(', ') || 'none';
        return {
          violation: {
            field: 'schema_id',
            rule: 'unknown-schema',
            message: `identity schema "${schemaId}" does not exist in Kratos (known: ${known})`,
          },
        };
      }
      const entry = entryFor(schemaId, schema);
      return entry instanceof Promise
        ? entry.then((done) => verdict(schemaId, done, traits))
        : verdict(schemaId, entry, traits);
    },
  };
}

function verdict(schemaId: string, entry: Entry, traits: JsonObject): TraitsCheck {
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

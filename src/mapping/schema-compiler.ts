import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from '../domain/identity.ts';
import draft07MetaValidator from './draft07-meta-validator.ts';
import type { CompiledSchema } from './schema-checker.ts';

// ajv-formats is CommonJS (`module.exports = plugin`); under Node's ESM interop the default import is the plugin.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
// Ajv's standalone module is CommonJS whose module.exports is the function (as scripts/generate-meta-validator.ts).
const standaloneCode = createRequire(import.meta.url)('ajv/dist/standalone') as (
  ajv: Ajv,
  validate: ValidateFunction,
) => string;

/** A compiled schema and, when asked for, its validator as an Ajv standalone CommonJS module. */
export interface CompiledWithCode extends CompiledSchema {
  code?: string;
}

/**
 * A compiler of Kratos identity schemas with one Ajv instance per dialect, made on first use. Validation
 * mirrors Kratos, which validates `{ traits }` against the whole identity schema: Kratos' own
 * `ory.sh/kratos` keyword (and any other unknown keyword) is an annotation. Ajv refuses to register a
 * keyword whose name has `.` or `/`, so the instances run with `strict: false` instead — the same leniency
 * Kratos' validator has. With `standalone`, each compiled validator also comes as Ajv's standalone code
 * (the same generated function, `code.source` kept; formats referenced from ajv-formats, the `tel` pattern
 * inline) for validator-cache.ts.
 */
export function createSchemaCompiler(options: {
  standalone: boolean;
}): (schema: JsonObject) => CompiledWithCode {
  const factory = new ValidatorFactory(options.standalone ? { ...OPTIONS, code: { source: true } } : OPTIONS);
  return (schema) => factory.compile(schema, options.standalone);
}

class ValidatorFactory {
  #draft07?: Ajv;
  #draft2019?: Ajv2019;
  #draft2020?: Ajv2020;

  readonly options: Options;

  constructor(options: Options) {
    this.options = options;
  }

  compile(schema: JsonObject, withCode: boolean): CompiledWithCode {
    let validate: ValidateFunction;
    try {
      // `$id` is dropped: two Kratos schemas copied from one template often share it, and Ajv refuses a
      // second schema with a known id. Local `#/…` references do not need it.
      const { $id: _id, ...rest } = schema;
      const ajv = this.#instanceFor(schema.$schema);
      validate = ajv.compile(rest);
      return withCode ? { validate, code: standaloneCode(ajv, validate) } : { validate };
    } catch (err) {
      return { compileError: err instanceof Error ? err.message : String(err) };
    }
  }

  #instanceFor(dialect: unknown): Ajv | Ajv2019 | Ajv2020 {
    const text = typeof dialect === 'string' ? dialect : '';
    if (text.includes('2020-12')) return (this.#draft2020 ??= withFormats(new Ajv2020(this.options)));
    if (text.includes('2019-09')) return (this.#draft2019 ??= withFormats(new Ajv2019(this.options)));
    return (this.#draft07 ??= withFormats(new Draft07Ajv({ ...this.options, schemaId: '$id' })));
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

import type { JsonObject } from '../domain/identity.ts';
import { createSchemaChecker, type TraitsCheck } from './schema-checker.ts';
import type { CompiledWithCode } from './schema-compiler.ts';
import { openValidatorCache, type ValidatorCache } from './validator-cache.ts';

export type Compiler = (schema: JsonObject) => CompiledWithCode;

export interface CachedIdentitySchemas {
  /** At once when the schema's validator is loaded; a promise the first time it must be read or compiled. */
  check(schemaId: string, traits: JsonObject): TraitsCheck | Promise<TraitsCheck>;
  has(schemaId: string): boolean;
}

export interface CachedIdentitySchemasOptions {
  /** The validator cache; `null` for none. Default: the user's cache folder (validator-cache.ts). */
  cache?: ValidatorCache | null;
  /** Loads the Ajv compiler (tests count its calls). Default: imports schema-compiler.ts. */
  loadCompiler?: () => Promise<Compiler>;
}

/**
 * The identity schemas as the sync engine checks them: the same verdicts as identity-schemas.ts, with each
 * schema's validator taken from the validator cache when it is there, and Ajv (its modules, instances and
 * compile) loaded only for a schema that is not — after which the validator is stored for the next process.
 */
export function createCachedIdentitySchemas(
  schemas: ReadonlyMap<string, JsonObject>,
  options: CachedIdentitySchemasOptions = {},
): CachedIdentitySchemas {
  const cache = options.cache === undefined ? openValidatorCache() : (options.cache ?? undefined);
  const loadCompiler =
    options.loadCompiler ??
    (async () =>
      (await import('./schema-compiler.ts')).createSchemaCompiler({ standalone: cache !== undefined }));
  let compiler: Promise<Compiler> | undefined;
  return createSchemaChecker(schemas, (schema) => {
    const cached = cache?.load(schema);
    if (cached !== undefined) return { validate: cached };
    compiler ??= loadCompiler();
    return compiler.then((compile) => {
      const { code, ...compiled } = compile(schema);
      if (code !== undefined) cache?.store(schema, code);
      return compiled;
    });
  });
}

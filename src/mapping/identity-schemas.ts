import type { JsonObject } from '../domain/identity.ts';
import { createSchemaChecker, type TraitsCheck } from './schema-checker.ts';
import { createSchemaCompiler } from './schema-compiler.ts';

export { findEmailIdentifier, type SchemaViolation, type TraitsCheck } from './schema-checker.ts';

/**
 * Kratos identity schemas (from GET /schemas), each compiled with Ajv once, on first use, and checked at
 * once (schema-checker.ts has the verdicts, schema-compiler.ts the Ajv instances). The sync engine uses
 * cached-identity-schemas.ts instead, which loads Ajv only when a schema is not in the validator cache.
 */
export interface IdentitySchemas {
  check(schemaId: string, traits: JsonObject): TraitsCheck;
  has(schemaId: string): boolean;
}

export function createIdentitySchemas(schemas: ReadonlyMap<string, JsonObject>): IdentitySchemas {
  // The compiler answers at once, so every check does.
  return createSchemaChecker(schemas, createSchemaCompiler({ standalone: false })) as IdentitySchemas;
}

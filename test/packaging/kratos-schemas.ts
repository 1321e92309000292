import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Validators built from Kratos's own schemas (copied unchanged from ory/kratos v26.2.0, see
 * fixtures/kratos-v26.2.0/README.md), so the files we ship for compose are checked the way `kratos serve`
 * checks them.
 */
const SCHEMAS = new URL('./fixtures/kratos-v26.2.0/', import.meta.url);

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(file, SCHEMAS), 'utf8')) as Record<string, unknown>;
}

function newAjv(): Ajv {
  // strict: false because Kratos's schemas carry annotation keywords ajv does not know
  // (`deprecationMessage`, `ory.sh/kratos`), which Kratos's own validator ignores too.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats Kratos accepts in identity schemas beyond the JSON Schema set (identity_meta lists them).
  ajv.addFormat('tel', /^\+?[0-9 ()-]{3,}$/);
  ajv.addFormat('no-validate', () => true);
  return ajv;
}

/** Validates a kratos.yml (already parsed) against `embedx/config.schema.json` of Kratos v26.2.0. */
export function kratosConfigValidator(): ValidateFunction {
  const ajv = newAjv();
  // The config schema's single external reference. Kratos resolves it to the ory/x OpenTelemetry schema;
  // we do not configure tracing, and the test asserts that, so an object placeholder loses nothing.
  ajv.addSchema({ $id: 'ory://tracing-config', type: 'object' });
  return ajv.compile(readSchema('config.schema.json'));
}

/** Validates an identity schema against `identity_meta` + the `ory.sh/kratos` extension, as Kratos does on load. */
export function identitySchemaValidator(): ValidateFunction {
  const ajv = newAjv();
  ajv.addSchema(readSchema('identity_extension.schema.json'));
  return ajv.compile(readSchema('identity_meta.schema.json'));
}

/** Validates identity data (`{ traits }`) against an identity schema. */
export function identityDataValidator(identitySchema: object): ValidateFunction {
  return newAjv().compile(identitySchema);
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n');
}

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DRAFT07_META_VALIDATOR, draft07MetaValidatorSource } from '../../scripts/generate-meta-validator.ts';
import type { JsonObject } from '../../src/domain/identity.ts';
import { createIdentitySchemas } from '../../src/mapping/identity-schemas.ts';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const employee = JSON.parse(
  readFileSync(new URL('../../config/kratos/identity.employee.schema.json', import.meta.url), 'utf8'),
) as JsonObject;

const withTraits = (traits: Record<string, unknown>, $schema?: string): JsonObject => ({
  ...($schema === undefined ? {} : { $schema }),
  type: 'object',
  properties: { traits: { type: 'object', ...traits } },
});

// Schemas Kratos could serve, valid and broken, under every $schema spelling that takes the draft-07 path,
// plus one Ajv does not know (draft-04), which keeps Ajv's own path.
const DRAFT07 = 'http://json-schema.org/draft-07/schema#';
const CASES: Record<string, JsonObject> = {
  employee,
  'valid, no $schema': withTraits({ properties: { email: { type: 'string', format: 'email' } } }),
  'valid, $schema without #': withTraits({ required: ['email'] }, 'http://json-schema.org/draft-07/schema'),
  'unknown type name': withTraits({ properties: { email: { type: 'strin' } } }, DRAFT07),
  'minLength as a string': withTraits({ properties: { email: { type: 'string', minLength: '3' } } }, DRAFT07),
  'required as a string': withTraits({ required: 'email' }),
  'properties as an array': withTraits({ properties: [] }, DRAFT07),
  'enum with duplicates': withTraits({ properties: { role: { enum: ['a', 'a'] } } }),
  'negative maxItems': withTraits({ properties: { tags: { type: 'array', maxItems: -1 } } }),
  'draft-04 $schema': withTraits({}, 'http://json-schema.org/draft-04/schema#'),
};

/** What the schema check said before: a plain Ajv instance that compiles the meta-schema itself. */
function ajvVerdict(schema: JsonObject): string | undefined {
  const ajv = addFormats(new Ajv({ strict: false, allErrors: false, logger: false, schemaId: '$id' }));
  ajv.addFormat('tel', /^\+?[0-9][0-9 ().-]{3,30}$/);
  try {
    ajv.compile(schema);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** What identity-schemas says now, with the draft-07 check compiled ahead of time. */
function identitySchemasVerdict(schema: JsonObject): string | undefined {
  const violation = createIdentitySchemas(new Map([['s', schema]])).check('s', {}).violation;
  if (violation?.rule !== 'schema-invalid') return undefined;
  return violation.message.replace('identity schema "s" cannot be used: ', '');
}

describe('the draft-07 meta-schema check compiled ahead of time', () => {
  it('is the code scripts/generate-meta-validator.ts writes for the installed Ajv', async () => {
    expect(readFileSync(DRAFT07_META_VALIDATOR, 'utf8')).toBe(await draft07MetaValidatorSource());
  });

  it.each(Object.keys(CASES))('gives the verdict and message Ajv gives: %s', (name) => {
    const schema = CASES[name]!;
    const before = ajvVerdict(schema);
    expect(identitySchemasVerdict(schema)).toBe(before);
    if (name !== 'employee' && !name.startsWith('valid')) expect(before).toBeDefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/identity.ts';
import { createIdentitySchemas, findEmailIdentifier } from '../../src/mapping/identity-schemas.ts';

const kratosEmail = { credentials: { password: { identifier: true } }, recovery: { via: 'email' } };
const draft07: JsonObject = {
  $id: 'https://example.com/person.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', 'ory.sh/kratos': kratosEmail },
        phone: { type: 'string', format: 'tel' },
        role: { type: 'string', enum: ['staff', 'admin'] },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
};
const draft2020: JsonObject = {
  $id: 'https://example.com/person.json', // the same $id: Kratos setups copied from one template often share it
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        login: {
          type: 'object',
          properties: { work: { type: 'string', format: 'email', 'ory.sh/kratos': kratosEmail } },
        },
        tags: { type: 'array', prefixItems: [{ type: 'string' }], items: false },
      },
    },
  },
};

describe('identity schemas', () => {
  const schemas = createIdentitySchemas(
    new Map([
      ['person', draft07],
      ['partner', draft2020],
      ['broken', { type: 'object', properties: { traits: { type: 'nonsense' } } }],
    ]),
  );

  it('accepts valid traits and reads the email identifier marked with ory.sh/kratos', () => {
    expect(schemas.check('person', { email: 'a@example.com', phone: '+49 30 123456' })).toEqual({
      email: 'a@example.com',
    });
    expect(schemas.check('partner', { login: { work: 'p@example.com' }, tags: ['x'] })).toEqual({
      email: 'p@example.com',
    });
  });

  it('validates 2020-12 keywords with the 2020-12 dialect', () => {
    expect(schemas.check('partner', { tags: ['x', 'y'] }).violation).toMatchObject({
      field: 'traits.tags',
      rule: 'items',
    });
  });

  it('describes each kind of violation by trait path and rule', () => {
    expect(schemas.check('person', {}).violation).toEqual({
      field: 'traits.email',
      rule: 'required',
      message: 'traits.email is required by identity schema "person"',
    });
    expect(schemas.check('person', { email: 'a@example.com', nick: 'x' }).violation).toEqual({
      field: 'traits.nick',
      rule: 'additionalProperties',
      message: 'traits.nick is not allowed by identity schema "person"',
    });
    expect(schemas.check('person', { email: 'a@example.com', phone: 'call me' }).violation).toEqual({
      field: 'traits.phone',
      rule: 'format:tel',
      message: 'traits.phone is not a valid tel',
    });
    expect(schemas.check('person', { email: 42 }).violation).toMatchObject({
      field: 'traits.email',
      rule: 'type',
    });
    expect(schemas.check('person', { email: 'a@example.com', role: 'root' }).violation).toEqual({
      field: 'traits.role',
      rule: 'enum',
      message: 'traits.role must be one of "staff", "admin"',
    });
  });

  it('never puts the offending value in the message', () => {
    const violation = schemas.check('person', { email: 'jane.doe.private@' }).violation;
    expect(violation?.message).not.toContain('jane');
  });

  it('reports a schema Ajv cannot compile as unusable, per record, without stopping the others', () => {
    expect(schemas.check('broken', {}).violation).toMatchObject({
      field: 'schema_id',
      rule: 'schema-invalid',
    });
    expect(schemas.check('person', { email: 'a@example.com' }).violation).toBeUndefined();
  });

  it('finds traits.email when no identifier is marked', () => {
    expect(
      findEmailIdentifier({ properties: { traits: { properties: { email: { type: 'string' } } } } }),
    ).toEqual(['email']);
    expect(
      findEmailIdentifier({ properties: { traits: { properties: { name: { type: 'string' } } } } }),
    ).toBeUndefined();
  });
});

import { globSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeErrors,
  identityDataValidator,
  identitySchemaValidator,
  kratosConfigValidator,
} from './kratos-schemas.ts';
import { readRepoJson, readRepoYaml, REPO_ROOT } from './repo-files.ts';

type Json = Record<string, any>;

const KRATOS_YML = 'config/kratos/kratos.yml';
const EMPLOYEE_SCHEMA = 'config/kratos/identity.employee.schema.json';

describe('config/kratos/kratos.yml', () => {
  const validate = kratosConfigValidator();
  const config = readRepoYaml<Json>(KRATOS_YML);

  it('is a valid Kratos v26.2.0 configuration', () => {
    expect(validate(config), describeErrors(validate.errors)).toBe(true);
    expect(config.version).toBe('v26.2.0');
  });

  it('would be rejected if it were wrong (the validator is not a rubber stamp)', () => {
    const broken = structuredClone(config);
    broken.secrets.cipher = ['too-short'];
    broken.selfservice.flows.recovery.use = 'magic-link';
    delete broken.identity;
    expect(validate(broken)).toBe(false);
    const problems = describeErrors(validate.errors);
    expect(problems).toContain('/secrets/cipher/0');
    expect(problems).toContain('/selfservice/flows/recovery/use');
    expect(problems).toContain("must have required property 'identity'");
  });

  it('does not configure tracing (its external schema is stubbed in this check)', () => {
    expect(config).not.toHaveProperty('tracing');
  });

  it('enables recovery and both admin recovery methods kratos-sync onboards with', () => {
    const selfservice = config.selfservice;
    expect(selfservice.flows.recovery.enabled).toBe(true);
    // POST /admin/recovery/link and /admin/recovery/code are gated by these method flags (docs/kratos-behaviour.md).
    expect(selfservice.methods.link.enabled).toBe(true);
    expect(selfservice.methods.code.enabled).toBe(true);
    expect(selfservice.flows.verification.enabled).toBe(true);
    // Employees come from HR, not from self sign-up.
    expect(selfservice.flows.registration.enabled).toBe(false);
  });

  it('sends courier mail over SMTP and uses the employee schema by default', () => {
    expect(config.courier.smtp.connection_uri).toMatch(/^smtp:\/\/mailpit:1025\//);
    expect(config.identity.default_schema_id).toBe('employee');
    const employee = config.identity.schemas.find((schema: Json) => schema.id === 'employee');
    expect(employee.url).toBe('file:///etc/config/kratos/identity.employee.schema.json');
  });
});

describe('identity schemas shipped under config/', () => {
  const validateSchema = identitySchemaValidator();
  const files = globSync('config/**/*.schema.json', { cwd: REPO_ROOT });

  it('finds the compose employee schema among them', () => {
    expect(files).toContain(EMPLOYEE_SCHEMA);
  });

  it.each(files)('%s is a valid Kratos identity schema', (file) => {
    const schema = readRepoJson(file);
    expect(validateSchema(schema), describeErrors(validateSchema.errors)).toBe(true);
  });

  it('rejects a schema with a misspelt ory.sh/kratos extension, however deep', () => {
    const schema = readRepoJson<Json>(EMPLOYEE_SCHEMA);
    schema.properties.traits.properties.name.properties.first['ory.sh/kratos'] = {
      credentials: { password: { identifer: true } },
    };
    expect(validateSchema(schema)).toBe(false);
    expect(describeErrors(validateSchema.errors)).toContain('identifer');
  });
});

describe('the employee identity schema', () => {
  const schema = readRepoJson<Json>(EMPLOYEE_SCHEMA);
  const traits = schema.properties.traits;
  const validate = identityDataValidator(schema);
  const ada = {
    email: 'ada.lovelace@example.com',
    name: { first: 'Ada', last: 'Lovelace' },
    employee_number: 'E1001',
    department: 'Engineering',
  };

  it('makes the work e-mail the password and code identifier, and the recovery and verification address', () => {
    expect(traits.properties.email['ory.sh/kratos']).toEqual({
      credentials: { password: { identifier: true }, code: { identifier: true, via: 'email' } },
      verification: { via: 'email' },
      recovery: { via: 'email' },
    });
  });

  it('accepts an employee record and rejects incomplete or unknown traits', () => {
    expect(validate({ traits: ada }), describeErrors(validate.errors)).toBe(true);
    expect(validate({ traits: { ...ada, email: 'not-an-email' } })).toBe(false);
    expect(validate({ traits: { ...ada, name: { first: 'Ada' } } })).toBe(false);
    expect(validate({ traits: { email: ada.email, name: ada.name } })).toBe(false);
    expect(validate({ traits: { ...ada, salary: 1 } })).toBe(false);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { JsonObject } from '../../src/domain/identity.ts';
import { compileMapper } from '../../src/mapping/compile-mapper.ts';
import { flattenScimUser } from '../../src/sources/scim/flatten-scim-user.ts';
import { describeErrors, identityDataValidator, identitySchemaValidator } from './kratos-schemas.ts';
import { readRepoJson, readRepoYaml, repoPath } from './repo-files.ts';

type Json = Record<string, any>;

const compose = readRepoYaml<Json>('docker-compose.yml');
const kratosYml = readRepoYaml<Json>('config/kratos/kratos.yml');
const example = readRepoYaml<Json>('config/examples/scim-inbound.yaml');

function composeEnv(): Record<string, string> {
  const env = compose.services['kratos-sync'].environment as Record<string, string>;
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
  );
}

/** The repository file a path inside the kratos container comes from (bind mounts of docker-compose.yml). */
function kratosHostPath(containerPath: string): string | undefined {
  for (const entry of compose.services.kratos.volumes as string[]) {
    const [source, target] = entry.split(':') as [string, string];
    if (!source.startsWith('./')) continue;
    if (containerPath === target) return path.join(source);
    if (containerPath.startsWith(`${target}/`))
      return path.join(source, path.relative(target, containerPath));
  }
  return undefined;
}

describe('the compose stack exposes the SCIM endpoint', () => {
  const env = composeEnv();
  const { config } = loadConfig({ file: repoPath('config/compose/config.yaml'), env });
  const directory = config.sources.directory!;

  it('serves one scim-inbound source on the published HTTP port, its token from SCIM_TOKEN', () => {
    expect(directory.connection.type).toBe('scim-inbound');
    if (directory.connection.type !== 'scim-inbound') return;
    expect(directory.connection.clients[0]!.tokens[0]!.reveal()).toBe(env.SCIM_TOKEN);
    expect(compose.services['kratos-sync'].ports).toContain(
      `127.0.0.1:${config.http.port}:${config.http.port}`,
    );
    // The same mapping as the documented example, so the README's walkthrough holds for the stack.
    expect(directory.mapping).toEqual(loadExampleMapping());
  });

  it('gives Kratos the example identity schema as "scim-user", and a pushed user maps to valid traits', async () => {
    const ref = (kratosYml.identity.schemas as Json[]).find((s) => s.id === 'scim-user')!;
    expect(kratosHostPath(new URL(ref.url).pathname)).toBe('config/examples/scim-inbound.schema.json');
    const schema = readRepoJson<JsonObject>('config/examples/scim-inbound.schema.json');
    const validSchema = identitySchemaValidator();
    expect(validSchema(schema), describeErrors(validSchema.errors)).toBe(true);
    const mapper = compileMapper({
      sourceName: 'directory',
      mapping: directory.mapping,
      leaver: directory.leaver,
      schemas: new Map([['scim-user', schema]]),
    });
    const flat = flattenScimUser({
      id: '2819c223-7f76-453a-919d-413861904646',
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
      active: true,
      groups: [{ display: 'Sales' }],
      meta: { lastModified: '2026-11-27T09:00:00.000Z' },
    });
    if (!flat.ok) throw new Error(flat.problem.message);
    const mapped = await mapper.map(flat.record, 1, new Date('2026-11-27T09:00:00Z'));
    if (mapped.ok !== true) throw new Error(JSON.stringify(mapped));
    const validate = identityDataValidator(schema);
    expect(validate({ traits: mapped.desired.traits }), describeErrors(validate.errors)).toBe(true);
    expect(mapped.desired.traits).toMatchObject({
      username: 'bjensen@example.com',
      name: { given: 'Barbara' },
    });
    expect(mapped.desired.metadataPublic).toEqual({ groups: ['Sales'] });
  });
});

function loadExampleMapping() {
  const { config } = loadConfig({
    object: example,
    env: { SCIM_TOKEN: 'x'.repeat(32) },
  });
  return config.sources.directory!.mapping;
}

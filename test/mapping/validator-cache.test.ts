import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/identity.ts';
import { createCachedIdentitySchemas } from '../../src/mapping/cached-identity-schemas.ts';
import { createIdentitySchemas } from '../../src/mapping/identity-schemas.ts';
import { createSchemaCompiler } from '../../src/mapping/schema-compiler.ts';
import { defaultValidatorCacheDir, openValidatorCache } from '../../src/mapping/validator-cache.ts';

const kratosEmail = { credentials: { password: { identifier: true } }, recovery: { via: 'email' } };
const person: JsonObject = {
  $id: 'https://example.com/person.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', 'ory.sh/kratos': kratosEmail },
        phone: { type: 'string', format: 'tel' },
        name: { type: 'string', maxLength: 5 },
        role: { type: 'string', enum: ['staff', 'admin'] },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
};
const partner: JsonObject = {
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
const broken: JsonObject = { type: 'object', properties: { traits: { type: 'nonsense' } } };
const schemas = new Map([
  ['person', person],
  ['partner', partner],
  ['broken', broken],
]);

/** Traits that pass, and traits that break each kind of rule. */
const cases: Array<[string, JsonObject]> = [
  ['person', { email: 'a@example.com', phone: '+49 30 123456', role: 'staff' }],
  ['person', {}],
  ['person', { email: 'not an address' }],
  ['person', { email: 'a@example.com', phone: 'call me' }],
  ['person', { email: 'a@example.com', name: 'far too long' }],
  ['person', { email: 'a@example.com', role: 'root' }],
  ['person', { email: 'a@example.com', nick: 'x' }],
  ['person', { email: 42 }],
  ['partner', { login: { work: 'p@example.com' }, tags: ['x'] }],
  ['partner', { tags: ['x', 'y'] }],
  ['broken', {}],
  ['nobody', {}],
];

describe('identity-schema validators cached between processes', () => {
  let dir: string;
  let loads: number;
  const loadCompiler = async () => {
    loads++;
    return createSchemaCompiler({ standalone: true });
  };
  const checker = (cacheDir = dir) =>
    createCachedIdentitySchemas(schemas, { cache: openValidatorCache(cacheDir) ?? null, loadCompiler });
  const verdicts = async (checks: ReturnType<typeof checker>) =>
    Promise.all(cases.map(async ([id, traits]) => await checks.check(id, traits)));
  const reference = createIdentitySchemas(schemas);
  const expected = cases.map(([id, traits]) => reference.check(id, traits));
  const files = () => readdirSync(dir).filter((name) => name.endsWith('.cjs'));

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'ks-validators-')), 'cache');
    loads = 0;
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('a later process takes every compiled schema from the cache, with the same verdicts, and never loads Ajv', async () => {
    expect(await verdicts(checker())).toEqual(expected);
    expect(loads).toBe(1);
    // One file per schema that compiled (not the broken one, not the unknown one), for this user alone.
    expect(files()).toHaveLength(2);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of files()) expect(statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
    loads = 0;
    const later = checker();
    const usable = cases.flatMap(([id, traits], i) =>
      id === 'broken' ? [] : [[id, traits, expected[i]] as const],
    );
    for (const [id, traits, verdict] of usable) expect(await later.check(id, traits)).toEqual(verdict);
    expect(loads).toBe(0);
    // Once loaded, a check answers at once.
    expect(later.check('person', { email: 'a@example.com' })).toEqual({ email: 'a@example.com' });
    // A schema that does not compile is not cached: Ajv is loaded to say why, each time.
    expect(await later.check('broken', {})).toEqual(expected[cases.findIndex(([id]) => id === 'broken')]);
    expect(loads).toBe(1);
  });

  it('a changed schema is compiled again under a new name; the old file is not used for it', async () => {
    await verdicts(checker());
    const changed = new Map(schemas);
    changed.set('person', { ...person, title: 'changed' });
    loads = 0;
    const checks = createCachedIdentitySchemas(changed, { cache: openValidatorCache(dir)!, loadCompiler });
    expect(await checks.check('person', { email: 'a@example.com', nick: 'x' })).toEqual(expected[6]);
    expect(loads).toBe(1);
    expect(files()).toHaveLength(3);
  });

  it('a cached file that others may write, that is not valid code, or that loads anything but Ajv runtime helpers is compiled again', async () => {
    await verdicts(checker());
    const [first, second] = files().map((name) => path.join(dir, name));
    chmodSync(first!, 0o666);
    writeFileSync(second!, 'this is not javascript');
    loads = 0;
    expect(await verdicts(checker())).toEqual(expected);
    expect(loads).toBe(1);
    // The broken file was replaced by a working one.
    expect(readFileSync(second!, 'utf8')).toContain('module.exports');

    writeFileSync(second!, 'require("node:child_process"); module.exports = () => true;', { mode: 0o600 });
    chmodSync(first!, 0o600);
    loads = 0;
    expect(await verdicts(checker())).toEqual(expected);
    expect(loads).toBe(1);
  });

  it('a cache folder that others may write is neither read nor written', async () => {
    await verdicts(checker());
    chmodSync(dir, 0o777);
    loads = 0;
    expect(await verdicts(checker())).toEqual(expected);
    expect(loads).toBe(1);
    const open = path.join(path.dirname(dir), 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(await verdicts(checker(open))).toEqual(expected);
    expect(readdirSync(open)).toEqual([]);
  });

  it('a folder and files that are not the user’s own are neither read nor written', async () => {
    await verdicts(checker());
    const before = files().map((name) => readFileSync(path.join(dir, name), 'utf8'));
    loads = 0;
    const someoneElse = (process.getuid?.() ?? 0) + 1;
    const foreign = createCachedIdentitySchemas(schemas, {
      cache: openValidatorCache(dir, someoneElse)!,
      loadCompiler,
    });
    expect(await verdicts(foreign)).toEqual(expected);
    expect(loads).toBe(1);
    expect(files().map((name) => readFileSync(path.join(dir, name), 'utf8'))).toEqual(before);
  });

  it('where the cache folder cannot be made, every checker compiles, with the same verdicts', async () => {
    const underAFile = path.join(path.dirname(dir), 'a-file');
    writeFileSync(underAFile, '');
    const unusable = path.join(underAFile, 'cache');
    expect(await verdicts(checker(unusable))).toEqual(expected);
    expect(await verdicts(checker(unusable))).toEqual(expected);
    expect(loads).toBe(2);
  });

  it('with no cache, every checker compiles, with the same verdicts', async () => {
    const uncached = () => createCachedIdentitySchemas(schemas, { cache: null, loadCompiler });
    expect(await verdicts(uncached())).toEqual(expected);
    expect(await verdicts(uncached())).toEqual(expected);
    expect(loads).toBe(2);
  });

  it('the default folder is the XDG cache, else ~/.cache', () => {
    expect(defaultValidatorCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(
      '/x/cache/kratos-sync/identity-schemas',
    );
    expect(defaultValidatorCacheDir({})).toMatch(/\.cache\/kratos-sync\/identity-schemas$/);
  });
});

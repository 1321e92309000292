import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { JsonObject } from '../domain/identity.ts';
import type { SchemaValidator } from './schema-checker.ts';

/**
 * Compiled identity-schema validators kept between processes, so a sync whose schemas have not changed loads
 * neither Ajv nor compiles anything (Ajv's load, instances and compile: ~40 ms of every sync's start-up,
 * bench/RESULTS.md "Start-up: Kratos client on Node's http, cached schema validators").
 *
 * - A file per schema: Ajv's standalone CommonJS code for it, named by the SHA-256 of the schema's JSON,
 *   the installed Ajv's version and this format's version — a changed schema or Ajv is a new name, never a
 *   stale validator.
 * - The files are code this process runs, so they live only in a folder of the user's own (XDG cache, else
 *   `~/.cache/kratos-sync/identity-schemas`, made with mode 700), and a folder or file that is not owned by
 *   this user or that others may write is not read (nor written). Where no such folder can be had (no home,
 *   read-only image), every process compiles, as without a cache.
 * - The code may load only Ajv's runtime helpers and ajv-formats' format table, which is all Ajv's standalone
 *   output for these instances refers to.
 * - Nothing here is fatal: a file that cannot be read, parsed or run is compiled again and replaced.
 */
export interface ValidatorCache {
  load(schema: JsonObject): SchemaValidator | undefined;
  store(schema: JsonObject, code: string): void;
}

/** Bumped when the generated code's shape or the compiler's options change. */
const FORMAT = 1;
const RUNTIME_MODULES = /^(ajv\/dist\/runtime\/[a-z0-9_]+|ajv-formats\/dist\/formats)$/;

export function defaultValidatorCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), '.cache') : undefined);
  return base === undefined ? undefined : path.join(base, 'kratos-sync', 'identity-schemas');
}

export function openValidatorCache(
  dir: string | undefined = defaultValidatorCacheDir(),
  /** Whose files count as our own: this process's user (tests pass another to see others' files refused). */
  uid: number | undefined = process.getuid?.(),
): ValidatorCache | undefined {
  if (dir === undefined || uid === undefined) return undefined;
  const require = createRequire(import.meta.url);
  let ajvVersion: string;
  try {
    ajvVersion = (require('ajv/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
  const ours = (stats: Stats) => stats.uid === uid && (stats.mode & 0o022) === 0;
  const fileFor = (schema: JsonObject) =>
    path.join(
      dir,
      `${createHash('sha256')
        .update(`${FORMAT}\n${ajvVersion}\n${JSON.stringify(schema)}`)
        .digest('hex')}.cjs`,
    );
  const runtimeRequire = (id: string): unknown => {
    if (!RUNTIME_MODULES.test(id)) throw new Error(`a cached validator may not load ${id}`);
    return require(id);
  };

  return {
    load(schema) {
      try {
        const file = fileFor(schema);
        if (!ours(statSync(dir)) || !ours(statSync(file))) return undefined;
        const module = { exports: {} as { default?: unknown } };
        // Ajv's own generated code, from a folder only this user can write (checked above).
        new Function('require', 'module', 'exports', readFileSync(file, 'utf8'))(
          runtimeRequire,
          module,
          module.exports,
        );
        const validate = module.exports.default ?? module.exports;
        return typeof validate === 'function' ? (validate as SchemaValidator) : undefined;
      } catch {
        return undefined;
      }
    },
    store(schema, code) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!ours(statSync(dir))) return;
        const file = fileFor(schema);
        // Written whole, then renamed: a process reading at the same time sees the old file or the new one.
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, code, { mode: 0o600 });
        renameSync(partial, file);
      } catch {
        // No cache this time: the next process compiles again.
      }
    },
  };
}

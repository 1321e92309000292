import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { ConfigError } from './config-error.ts';
import { withSecretEnv } from './sections/secret-option.ts';

export { ConfigError };

/**
 * Plain environment overrides, each also readable from a file through `<NAME>_FILE` (mounted secrets).
 * Only these are read: nothing else in kratos-sync looks at `process.env`.
 */
const ENV_OVERRIDES: Array<{ env: string; path: [string, string]; secret?: boolean; integer?: boolean }> = [
  { env: 'KRATOS_ADMIN_URL', path: ['kratos', 'adminUrl'] },
  { env: 'KRATOS_PUBLIC_URL', path: ['kratos', 'publicUrl'] },
  { env: 'KRATOS_ADMIN_TOKEN', path: ['kratos', 'adminToken'], secret: true },
  { env: 'REDIS_URL', path: ['redis', 'url'] },
  { env: 'LOG_LEVEL', path: ['log', 'level'] },
  { env: 'HTTP_PORT', path: ['http', 'port'], integer: true },
];

export interface LoadConfigOptions {
  /** YAML file path; relative paths inside it (CSV files, templates) resolve against its folder. */
  file?: string;
  /** Already-parsed config object (tests, the demo). */
  object?: unknown;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Config;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
}

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const env = options.env ?? process.env;
  let raw: unknown = options.object ?? {};
  let baseDir = process.cwd();
  if (options.file) {
    baseDir = path.dirname(path.resolve(options.file));
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(err as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${options.file} is not valid YAML: ${(err as Error).message}`);
    }
  }
  const merged = applyEnvOverrides(structuredClone(raw) as Record<string, unknown>, env);
  const result = withSecretEnv(env, () => configSchema.safeParse(merged));
  if (!result.success) throw new ConfigError(formatConfigIssues(result.error, options.file));
  return { config: deepFreeze(result.data), baseDir };
}

function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  for (const override of ENV_OVERRIDES) {
    let value = env[override.env];
    const file = env[`${override.env}_FILE`];
    if (!value && file) {
      try {
        value = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(`${override.env}_FILE: cannot read ${file}: ${(err as Error).message}`);
      }
    }
    if (!value) continue;
    const [section, key] = override.path;
    const target = (raw[section] ??= {}) as Record<string, unknown>;
    // A port given as text is read as a number; anything else is left for the schema to name as invalid.
    target[key] = override.integer && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  }
  return raw;
}

/** One line per problem: `kratos.adminUrl: expected a URL (got "foo")`. */
export function formatConfigIssues(error: z.ZodError, file?: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    // zod reports a bad record key generically; the key's own issues say what a valid key looks like.
    if (issue.code === 'invalid_key')
      return `${where}: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    return `${where}: ${issue.message}`;
  });
  return `invalid configuration${file ? ` in ${file}` : ''}:\n  - ${lines.join('\n  - ')}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

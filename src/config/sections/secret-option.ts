import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Secret } from '../secret.ts';

/**
 * The environment `{ fromEnv }` references resolve against. `loadConfig` sets it around its (synchronous)
 * parse so tests can pass an environment of their own.
 */
let activeEnv: NodeJS.ProcessEnv = process.env;
export function withSecretEnv<T>(env: NodeJS.ProcessEnv, parse: () => T): T {
  const previous = activeEnv;
  activeEnv = env;
  try {
    return parse();
  } finally {
    activeEnv = previous;
  }
}

/**
 * A secret-marked option. In YAML it may be written three ways:
 *   token: "literal"                 (fine for local demos, not for production)
 *   token: { fromEnv: ORY_TOKEN }    (read from an environment variable at start-up)
 *   token: { fromFile: /run/secrets/ory-token }   (a mounted secret file; trailing newline trimmed)
 * Whatever the form, the parsed value is a `Secret`, which never prints.
 */
export const secretOption = z
  .union([
    z.string().min(1),
    z.strictObject({ fromEnv: z.string().min(1) }),
    z.strictObject({ fromFile: z.string().min(1) }),
  ])
  .transform((value, ctx) => {
    if (typeof value === 'string') return Secret.fromConfig(value);
    if ('fromEnv' in value) {
      const fromEnv = activeEnv[value.fromEnv];
      if (!fromEnv) {
        ctx.addIssue({
          code: 'custom',
          message: `environment variable ${value.fromEnv} is not set or empty`,
        });
        return z.NEVER;
      }
      return Secret.fromConfig(fromEnv);
    }
    try {
      return Secret.fromConfig(readFileSync(value.fromFile, 'utf8').trim());
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read secret file ${value.fromFile}: ${(err as Error).message}`,
      });
      return z.NEVER;
    }
  })
  .meta({ secret: true });

/** A Go-style duration as Kratos and our config use it: `90s`, `15m`, `72h`, `1h30m`. */
export const durationOption = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d))+$/, 'expected a duration such as 90s, 15m, 72h or 7d')
  .transform((text) => parseDurationMs(text));

export function parseDurationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}

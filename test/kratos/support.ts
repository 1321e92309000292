import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { kratosSection, type KratosConfig } from '../../src/config/sections/kratos.ts';
import { createKratosClient, type CreateKratosClientOptions } from '../../src/kratos/client.ts';
import type { CreateIdentityBody, KratosClient } from '../../src/kratos/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { KratosSim } from '../kratos-sim/index.ts';

export const GENERATIONS = ['v26', 'v0.10'] as const;

/** Client config for a simulator, with short retry delays so fault tests stay quick. */
export function configFor(
  sim: KratosSim,
  overrides: Partial<z.input<typeof kratosSection>> = {},
): KratosConfig {
  return kratosSection.parse({
    adminUrl: sim.adminUrl,
    ...overrides,
    retry: { retries: 4, minDelayMs: 10, maxDelayMs: 100, ...overrides.retry },
  });
}

export function clientFor(
  sim: KratosSim,
  overrides: Partial<z.input<typeof kratosSection>> = {},
  options: Partial<CreateKratosClientOptions> = {},
): Promise<KratosClient> {
  return createKratosClient({ config: configFor(sim, overrides), logger: silentLogger(), ...options });
}

/** A unique tag per test, so tests sharing a simulator never collide on emails or external ids. */
export function tag(): string {
  return randomUUID().slice(0, 8);
}

/** An `employee`-schema identity; `n` keeps emails unique within a tag. */
export function employee(t: string, n: number, extra: Partial<CreateIdentityBody> = {}): CreateIdentityBody {
  return {
    schema_id: 'employee',
    traits: { email: `p${n}-${t}@example.com`, name: { first: 'Pat', last: `Doe${n}` } },
    ...extra,
  };
}

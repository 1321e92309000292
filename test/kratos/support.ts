import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { kratosSection, type KratosConfig } from '../../src/config/sections/kratos.ts';
import { createKratosClient, type CreateKratosClientOptions } from '../../src/kratos/client.ts';
import { capabilitiesFor } from '../../src/kratos/detect.ts';
import type {
  ApiGeneration,
  CreateIdentityBody,
  KratosCapabilities,
  KratosClient,
} from '../../src/kratos/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { KratosSim } from '../kratos-sim/index.ts';

/** Every simulator profile: the client's contract tests run against each (see kratos-sim/lib/profiles.ts). */
export const GENERATIONS = ['v26', 'v25.4', 'v1', 'v1.0', 'v0.10'] as const;
export type Profile = (typeof GENERATIONS)[number];

/**
 * What detection must find on each profile. `v25.4` is the v26 line for the client (nothing it uses differs);
 * `v1` is v1.3.1, whose per-entry batch answers the probe sees, where a pinned `v1` assumes all-or-nothing.
 */
export const EXPECTED_CAPABILITIES: Record<Profile, KratosCapabilities> = {
  v26: capabilitiesFor('v26'),
  'v25.4': capabilitiesFor('v26'),
  v1: { ...capabilitiesFor('v1'), batchPerItemResults: true },
  'v1.0': capabilitiesFor('v1.0'),
  'v0.10': capabilitiesFor('v0.10'),
};

/** The `kratos.apiVersion` that pins each profile's line. */
export const PINNED: Record<Profile, ApiGeneration> = {
  v26: 'v26',
  'v25.4': 'v26',
  v1: 'v1',
  'v1.0': 'v1.0',
  'v0.10': 'v0.10',
};

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

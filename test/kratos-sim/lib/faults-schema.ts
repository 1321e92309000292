import { z } from 'zod';
import type { Faults } from './types.ts';

/**
 * The closed shape of `Faults`, so a typo in a test (`errorrate`) or a wrong type fails loudly instead of
 * silently injecting nothing.
 */
const rate = z.number().min(0).max(1);

const faultsSchema = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  errorRate: rate.optional(),
  errorStatus: z.number().int().min(500).max(599).optional(),
  rateLimitRate: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  inflightLimit: z.boolean().optional(),
  writeBudget: z.strictObject({ perMinute: z.number().int().min(0) }).optional(),
  hangRate: rate.optional(),
  dropRate: rate.optional(),
  unavailable: z.boolean().optional(),
  databaseDown: z.boolean().optional(),
  routes: z.array(z.string().min(1)).optional(),
});

/** Returns the faults, or throws an Error naming each bad field. */
export function parseFaults(input: unknown): Faults {
  const result = faultsSchema.safeParse(input);
  if (result.success) return result.data as Faults;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid kratos-sim faults: ${problems.join('; ')}`);
}

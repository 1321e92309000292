import { z } from 'zod';
import { secretOption } from './secret-option.ts';

/** How to reach Kratos and how hard to push it. */
export const kratosSection = z.strictObject({
  /** Admin API base URL (env KRATOS_ADMIN_URL). */
  adminUrl: z.url({ error: 'expected an absolute http(s) URL' }),
  /** Public API base URL (env KRATOS_PUBLIC_URL); used for whoami checks and shown in links. */
  publicUrl: z.url({ error: 'expected an absolute http(s) URL' }).optional(),
  /** Bearer token for Ory Network (env KRATOS_ADMIN_TOKEN or KRATOS_ADMIN_TOKEN_FILE). */
  adminToken: secretOption.optional(),
  /** Extra headers sent with every admin request (not secrets: use adminToken for those). */
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * API line: probed at start-up when `auto`. Pin it only when the probes cannot run: `v26` (v25.4+),
   * `v1` (v1.1–v1.3), `v1.0` (v1.0.0) or `v0.10`.
   */
  apiVersion: z.enum(['auto', 'v26', 'v1', 'v1.0', 'v0.10']).default('auto'),
  /** Per-request timeout. */
  timeoutMs: z.int().positive().default(10_000),
  /** Single writes (PUT/PATCH/DELETE) in flight at once. */
  concurrency: z.int().min(1).max(256).default(16),
  /** Ory Network: one POST/PATCH on /admin/identities in flight per project, bearer auth, rate-limit buckets. */
  oryNetwork: z.boolean().default(false),
  /**
   * Identities per batch create request. Unset: as many as the server accepts (2000 up to v1.3, 1000 from
   * v25.4); a larger value is lowered to the server's limit.
   */
  batchSize: z.int().min(1).max(2000).optional(),
  /**
   * Identities per list page. Servers clamp it: 500 from v25.4, 1000 on v0.10 and v1.0; v1.1–v1.3 have no
   * cap, so larger pages mean fewer requests there.
   */
  pageSize: z.int().min(1).max(5000).default(500),
  retry: z
    .strictObject({
      /** Retries after the first attempt for transient failures. */
      retries: z.int().min(0).max(20).default(6),
      minDelayMs: z.int().min(0).default(200),
      /** Ory asks for backoff capped at 30 s. */
      maxDelayMs: z.int().min(1).default(30_000),
    })
    .prefault({}),
});
export type KratosConfig = z.output<typeof kratosSection>;

import { z } from 'zod';
import { secretOption } from './secret-option.ts';

/** Shortest bearer token accepted: a guessable token would open the whole directory to writes. */
const SCIM_TOKEN_MIN_LENGTH = 24;

const scimToken = secretOption.refine((secret) => secret.reveal().length >= SCIM_TOKEN_MIN_LENGTH, {
  message: `a SCIM bearer token needs at least ${SCIM_TOKEN_MIN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
});

const scimClient = z.strictObject({
  /** Names the directory in the audit, the request log and the console (e.g. `okta`, `entra`). */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'client names are lowercase letters, digits and dashes'),
  /**
   * Bearer tokens this client may present. Several are valid at once so a token is rotated without
   * downtime: add the new one, switch the directory over, then remove the old one.
   */
  tokens: z.array(scimToken).min(1, 'give at least one token'),
  /** Requests this client may make per window; beyond it the answer is 429 with Retry-After. */
  rateLimit: z
    .strictObject({
      requests: z.int().positive().default(600),
      windowSeconds: z.int().positive().max(3600).default(60),
    })
    .prefault({}),
});

/**
 * `type: scim-inbound`: kratos-sync is the SCIM 2.0 service provider (RFC 7643/7644) a directory (Okta,
 * Entra ID, …) provisions into, at `/scim/v2/<source>/`. The directory's Users and Groups are kept in Redis
 * and are this source's records.
 */
export const scimInboundConnection = z.strictObject({
  type: z.literal('scim-inbound'),
  clients: z
    .array(scimClient)
    .min(1, 'configure at least one SCIM client')
    .refine((clients) => new Set(clients.map((c) => c.name)).size === clients.length, {
      message: 'SCIM client names must be unique within a source',
    }),
  /**
   * How long a write waits for Kratos before answering. Past it the directory gets its answer and a queued
   * job finishes the Kratos side; keep it under the directory's own timeout.
   */
  syncTimeoutMs: z.int().positive().max(120_000).default(20_000),
  /** Largest page a list answers (`count` above it is lowered, RFC 7644 §3.4.2.4). */
  maxResults: z.int().positive().max(1000).default(200),
  /** Largest request body accepted. */
  maxBodyBytes: z
    .int()
    .positive()
    .default(256 * 1024),
});
export type ScimInboundConnection = z.output<typeof scimInboundConnection>;
export type ScimClientConfig = ScimInboundConnection['clients'][number];

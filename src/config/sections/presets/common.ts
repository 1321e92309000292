import { z } from 'zod';
import { httpsUrl } from '../https-url.ts';
import { secretOption } from '../secret-option.ts';

/**
 * Options every preset connection has: the vendor's address can be overridden (a proxy, a regional host, a
 * test fake), and the request limits are those of the generic HTTP source.
 */
export const presetCommon = {
  type: z.literal('http-json'),
  /** Replaces the vendor's scheme and host (and any path prefix before the API's own paths). */
  baseUrl: httpsUrl().optional(),
  timeoutMs: z.int().positive().default(30_000),
  retries: z.int().min(0).max(20).default(5),
};

/** OAuth2 client credentials as the presets that use it take them (the token URL is the vendor's). */
export const presetOAuth2 = z.strictObject({
  type: z.literal('oauth2-client-credentials'),
  /** The vendor's token URL; override only for a proxy or a test fake. */
  tokenUrl: httpsUrl().optional(),
  clientId: secretOption,
  clientSecret: secretOption,
  scopes: z.array(z.string().min(1)).default([]),
  /**
   * HTTP Basic (RFC 6749 §2.3.1: id and secret form-encoded first) or `client_id`/`client_secret` in the body,
   * for servers that do not decode Basic credentials.
   */
  clientAuth: z.enum(['basic', 'body']).default('basic'),
});

/**
 * What a preset puts under the user's own settings: mapping expressions, leaver rules and webhook options.
 * Each key the user writes wins over the preset's (expression by expression, not merged inside one).
 */
export interface PresetDefaults {
  mapping: Record<string, unknown>;
  leaver?: Record<string, unknown>;
  webhook?: Record<string, unknown>;
}

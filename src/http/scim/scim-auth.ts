import { createHash, timingSafeEqual } from 'node:crypto';
import type { ScimClientConfig } from '../../config/sections/scim-inbound.ts';

/** Which configured client a request's bearer token belongs to (its name), or null. */
export type ScimAuthenticator = (authorization: string | undefined) => string | null;

/**
 * Bearer-token authentication (RFC 6750) for one source's SCIM clients. Tokens are compared as SHA-256
 * digests with `timingSafeEqual`, so neither the token's length nor the position of the first differing
 * byte shows in the answer time, and every configured token is compared on every request for the same
 * reason. Several tokens per client are valid at once (rotation without downtime).
 */
export function createScimAuthenticator(clients: readonly ScimClientConfig[]): ScimAuthenticator {
  const known = clients.flatMap((client) =>
    client.tokens.map((token) => ({ client: client.name, digest: digest(token.reveal()) })),
  );
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const presented = digest(match[1]!);
    let found: string | null = null;
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, presented) && found === null) found = entry.client;
    }
    return found;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

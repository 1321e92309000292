import type { FastifyRequest } from 'fastify';

/**
 * The scheme and host (and any path prefix) a client reached this service at, for absolute URLs we hand
 * back (SCIM `meta.location`). Behind a trusted proxy (`http.trustProxy`) fastify reads them from the
 * proxy's `X-Forwarded-Proto` / `X-Forwarded-Host`, so the client's own address comes back. Otherwise those
 * headers could be anyone's: the configured `http.publicUrl` is used, and without it the request's own
 * scheme and `Host`.
 */
export function requestOrigin(http: {
  trustProxy?: unknown;
  publicUrl?: string | undefined;
}): (request: Pick<FastifyRequest, 'protocol' | 'host'>) => string {
  const configured = http.publicUrl?.replace(/\/+$/, '');
  if (http.trustProxy === undefined && configured) return () => configured;
  return (request) => `${request.protocol}://${request.host}`;
}

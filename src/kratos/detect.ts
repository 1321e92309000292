import { randomUUID } from 'node:crypto';
import type { KratosConfig } from '../config/sections/kratos.ts';
import type { Logger } from '../log/logger.ts';
import { AvailabilityMonitor } from './availability.ts';
import { KratosError } from './errors.ts';
import { createKratosHttp } from './http.ts';
import { createRequester, type Requester } from './requester.ts';
import type { ApiGeneration, KratosCapabilities } from './types.ts';
import { createWriteGate } from './write-gate.ts';

/** What each generation can do (BEHAVIOUR.md §0). */
export function capabilitiesFor(generation: ApiGeneration): KratosCapabilities {
  const v26 = generation === 'v26';
  return {
    generation,
    externalIdLookup: v26,
    batchCreate: v26,
    keysetPages: v26,
    credentialsIdentifierFilter: v26,
    recoveryCodes: v26,
    singleSessionRevoke: v26,
    jsonPatch: v26,
    listIncludesAdminMetadata: v26,
  };
}

/**
 * Finds the API generation by how the server answers, not by /version (source builds say "master"),
 * with two read-only probes (BEHAVIOUR.md §11), sent in parallel:
 * 1. `GET /admin/identities?page_size=1&per_page=1` — keyset servers (≥ v1) answer with a Link header
 *    holding `page_token`; v0.10 ignores `page_size` and sends `X-Total-Count`.
 * 2. `GET /admin/identities/by/external/<random>` — v25.4+ answers a JSON 404 envelope; older routers
 *    answer a plain-text `404 page not found`.
 * Write probes (`PATCH /admin/identities` → 405) are avoided: on Ory Network they would spend the write
 * rate-limit bucket. Batch create, JSON Patch, recovery codes and session revoke all predate keyset pages.
 */
export async function probeCapabilities(call: Requester, logger: Logger): Promise<KratosCapabilities> {
  const [list, byExternal] = await Promise.all([
    call({
      operation: 'detect',
      method: 'GET',
      path: '/admin/identities?page_size=1&per_page=1',
      accept: [200],
      gate: { kind: 'read' },
      repeatable: true,
    }),
    call({
      operation: 'detect',
      method: 'GET',
      path: `/admin/identities/by/external/kratos-sync-probe-${randomUUID()}`,
      accept: [200, 404],
      gate: { kind: 'read' },
      repeatable: true,
    }),
  ]).catch((err: unknown) => {
    if (err instanceof KratosError && (err.status === 401 || err.status === 403)) {
      throw new KratosError({
        status: err.status,
        envelope: err.envelope,
        operation: 'detect',
        message: `${err.message}; check kratos.adminToken (Ory Network needs an API key)`,
      });
    }
    throw err;
  });
  const link = [list.headers.link].flat().join(',');
  const keyset = link.includes('page_token');
  if (!keyset && list.headers['x-total-count'] === undefined) {
    throw new KratosError({
      status: list.status,
      operation: 'detect',
      message:
        'Kratos detect: GET /admin/identities answered with neither a page_token Link nor X-Total-Count, so ' +
        'the API generation is unknown; set kratos.apiVersion to v26 or v0.10',
    });
  }
  const capabilities = capabilitiesFor(keyset ? 'v26' : 'v0.10');
  // A v1.x–v25.3 server pages by keyset but has no external_id yet.
  capabilities.externalIdLookup = keyset && byExternal.json;
  logger.info({ capabilities }, 'kratos API generation detected');
  return capabilities;
}

/** Probes a server once with a throwaway connection pool (tests, `check-config`). */
export async function detectCapabilities(options: {
  config: KratosConfig;
  logger: Logger;
  now?: () => number;
}): Promise<KratosCapabilities> {
  const http = createKratosHttp({ config: options.config, now: options.now ?? Date.now });
  try {
    const call = createRequester({
      http,
      gate: createWriteGate({ concurrency: 1, oryNetwork: false }),
      retry: options.config.retry,
      availability: new AvailabilityMonitor({ threshold: 3, logger: options.logger }),
      logger: options.logger,
    });
    return await probeCapabilities(call, options.logger);
  } finally {
    await http.close();
  }
}

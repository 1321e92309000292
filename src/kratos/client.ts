import type { KratosConfig } from '../config/sections/kratos.ts';
import type { Logger } from '../log/logger.ts';
import { AvailabilityMonitor } from './availability.ts';
import { batchCreateIdentities } from './batch-create.ts';
import type { KratosContext } from './context.ts';
import { capabilitiesFor, probeCapabilities } from './detect.ts';
import { KratosError } from './errors.ts';
import { createKratosHttp } from './http.ts';
import { identityOperations } from './identities.ts';
import { listIdentities } from './list-identities.ts';
import { createRecoveryCode, createRecoveryLink } from './recovery.ts';
import { createRateLimitPacer } from './rate-limit-pacer.ts';
import { createRequester } from './requester.ts';
import { getIdentitySchema, listIdentitySchemas } from './schemas.ts';
import { listIdentitySessions, revokeIdentitySessions } from './sessions.ts';
import type { KratosClient } from './types.ts';
import { createWriteLimiter } from './write-limiter.ts';

export interface CreateKratosClientOptions {
  config: KratosConfig;
  logger: Logger;
  /** Clock for Retry-After HTTP dates. @defaultValue Date.now */
  now?: () => number;
  /**
   * Consecutive failed requests (no answer, 502/503/504) before the `unavailable` event.
   * @defaultValue 3
   */
  unavailableAfter?: number;
}

/**
 * Builds the Kratos admin client: one connection pool, the write limiter, retries, and the API generation —
 * probed now unless `config.apiVersion` pins it. Call `close()` when done (it also releases the pool when
 * the probe fails).
 */
export async function createKratosClient(options: CreateKratosClientOptions): Promise<KratosClient> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'kratos' });
  const http = createKratosHttp({ config, now });
  const availability = new AvailabilityMonitor({ threshold: options.unavailableAfter ?? 3, logger });
  const call = createRequester({
    http,
    limiter: createWriteLimiter({ concurrency: config.concurrency, oryNetwork: config.oryNetwork }),
    retry: config.retry,
    availability,
    logger,
    pacer: createRateLimitPacer({ now }),
  });
  let capabilities;
  try {
    capabilities =
      config.apiVersion === 'auto'
        ? await probeCapabilities(call, logger)
        : capabilitiesFor(config.apiVersion);
  } catch (err) {
    await http.close();
    throw err;
  }
  const ctx: KratosContext = { call, capabilities, config, logger, now };
  const identities = identityOperations(ctx);

  return {
    capabilities,
    events: availability.events,
    get available() {
      return availability.available;
    },
    ...identities,
    listIdentities: (listOptions) => listIdentities(ctx, listOptions),
    batchCreateIdentities: (bodies) => batchCreateIdentities(ctx, bodies),
    createRecoveryLink: (identityId, expiresIn) => createRecoveryLink(ctx, identityId, expiresIn),
    createRecoveryCode: (identityId, expiresIn) => createRecoveryCode(ctx, identityId, expiresIn),
    listIdentitySessions: (identityId, sessionOptions) =>
      listIdentitySessions(ctx, identityId, sessionOptions),
    revokeIdentitySessions: (identityId) => revokeIdentitySessions(ctx, identityId),
    listIdentitySchemas: () => listIdentitySchemas(ctx),
    getIdentitySchema: (id) => getIdentitySchema(ctx, id),
    /**
     * One attempt, no retries: readiness is a question about now. It feeds the availability monitor, so a
     * runtime that paused on `unavailable` can poll `ready()` and get `recovered` when Kratos is back.
     */
    async ready() {
      try {
        await http.send({ operation: 'ready', method: 'GET', path: '/admin/health/ready', accept: [200] });
        availability.answered();
        return true;
      } catch (err) {
        if (err instanceof KratosError && err.code === 'SYNC_ERR_KRATOS_UNAVAILABLE')
          availability.failed(err);
        return false;
      }
    },
    callCounts: () => http.counts(),
    close: () => http.close(),
  };
}

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { kratosSection } from '../../../src/config/sections/kratos.ts';
import { createKratosClient } from '../../../src/kratos/index.ts';
import type { Identity } from '../../../src/domain/identity.ts';
import type { KratosClient } from '../../../src/kratos/types.ts';
import { createLogger, type Logger } from '../../../src/log/logger.ts';
import { startKratosSim, type KratosSim } from '../../kratos-sim/index.ts';

/** Every JSON line a logger wrote, for secret scans and assertions. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

export interface Harness {
  sim: KratosSim;
  kratos: KratosClient;
  redis: Redis;
  prefix: string;
  logger: Logger;
  logLines: string[];
  close(): Promise<void>;
}

/** A Kratos simulator, the real admin client against it over HTTP, and a Redis connection with a fresh prefix. */
export async function startHarness(options: {
  api?: 'v26' | 'v0.10';
  redisUrl: string;
  latencyMs?: number;
  simNow?: () => number;
  retries?: number;
}): Promise<Harness> {
  const sim = await startKratosSim({
    api: options.api ?? 'v26',
    defaultSchemaId: 'employee',
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.simNow ? { now: options.simNow } : {}),
  });
  const { logger, lines } = captureLogger();
  const kratos = await createKratosClient({
    config: kratosSection.parse({
      adminUrl: sim.adminUrl,
      publicUrl: sim.publicUrl,
      concurrency: 32,
      retry: { retries: options.retries ?? 8, minDelayMs: 5, maxDelayMs: 200 },
    }),
    logger,
  });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  return {
    sim,
    kratos,
    redis,
    prefix: `{t-${randomUUID().slice(0, 8)}}`,
    logger,
    logLines: lines,
    async close() {
      await kratos.close();
      redis.disconnect();
      await sim.stop();
    },
  };
}

let counter = 0;

/** A managed employee: carries `metadata_admin.kratos_sync` for `source`/`key`. */
export async function createManagedIdentity(
  kratos: KratosClient,
  options: { source?: string; key?: string; email?: string; marker?: boolean } = {},
): Promise<Identity> {
  counter++;
  const key = options.key ?? `E${process.pid}-${counter}`;
  const email = options.email ?? `person.${key.toLowerCase()}@example.com`;
  return kratos.createIdentity({
    schema_id: 'employee',
    traits: { email, name: { first: 'Pat', last: `Person ${counter}` } },
    metadata_admin:
      options.marker === false
        ? { note: 'self-registered' }
        : { kratos_sync: { source: options.source ?? 'hr', key } },
    ...(kratos.capabilities.externalIdLookup ? { external_id: key } : {}),
  });
}

/** A login, as the simulator's test route mints it (the product never calls /_sim). */
export async function mintSession(sim: KratosSim, identityId: string): Promise<string> {
  const response = await fetch(`${sim.url}/_sim/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity_id: identityId }),
  });
  if (response.status !== 201) throw new Error(`/_sim/sessions answered ${response.status}`);
  return ((await response.json()) as { session_token: string }).session_token;
}

export async function whoamiStatus(sim: KratosSim, token: string): Promise<number> {
  const response = await fetch(`${sim.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': token } });
  await response.body?.cancel();
  return response.status;
}

import type { FastifyInstance } from 'fastify';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { buildHttpApp } from '../http/build-http-app.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { ProcessEngine } from './process-engine.ts';
import type { ProcessParts } from './process-parts.ts';

/**
 * The `http` role: webhooks, /healthz, /readyz, /metrics and the queue dashboard; with an engine context,
 * the operations console and the SCIM endpoint too (taking the engine's person locks, as its jobs do).
 * Listens on `config.http`.
 */
export async function startHttpRole(
  parts: ProcessParts,
  kratos: KratosClient,
  engine: Pick<ProcessEngine, 'ctx' | 'locks'> | undefined,
): Promise<FastifyInstance> {
  const { config, queue } = parts;
  const http = await buildHttpApp({
    config,
    logger: parts.logger,
    redis: parts.producer,
    queue,
    enqueuePerson: (request) => enqueuePersonSync(queue, request),
    kratosReady: () => kratos.ready(),
    metrics: parts.metrics,
    now: parts.now,
    ...(engine ? { ctx: engine.ctx, personLocks: engine.locks } : {}),
  });
  // Released first on shutdown: stop accepting webhooks before the queue side goes away.
  parts.releases.defer('http server', () => http.close());
  await http.listen({ host: config.http.host, port: config.http.port });
  return http;
}

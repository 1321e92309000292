import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** `GET /metrics` in the Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance, deps: { registry: Registry }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const body = await deps.registry.metrics();
    return reply.header('content-type', deps.registry.contentType).send(body);
  });
}

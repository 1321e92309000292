import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../queue/redis-connection.ts';

export interface HealthDeps {
  redis: RedisClient;
  /** Kratos readiness (GET /health/ready through the client). */
  kratosReady: () => Promise<boolean>;
  /** Per check. @defaultValue 2 000 ms */
  timeoutMs?: number;
}

/**
 * `GET /healthz`: the process is up and serving (a liveness probe: no dependency is checked, so a Redis
 * outage does not get every replica restarted). `GET /readyz`: Redis answers PING and Kratos says ready;
 * 503 with each check's result otherwise.
 */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [redis, kratos] = await Promise.all([
      check(async () => (await deps.redis.ping()) === 'PONG', timeoutMs),
      check(deps.kratosReady, timeoutMs),
    ]);
    const ready = redis === 'ok' && kratos === 'ok';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: { redis, kratos } });
  });
}

async function check(probe: () => Promise<boolean>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ok = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return ok ? 'ok' : 'not ready';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

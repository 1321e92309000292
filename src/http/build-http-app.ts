import type { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { createPersonLocks, type PersonLocks } from '../queue/person-locks.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { SyncContext } from '../sync/context.ts';
import { coalesceRedisWrites } from '../queue/coalesce-redis-writes.ts';
import { failedJobAccessOf } from './console/failed-job-access.ts';
import { registerConsole } from './console/register-console.ts';
import { DASHBOARD_PATH, dashboardRoutes } from './dashboard.ts';
import { lazyRequestLogger } from './lazy-request-logger.ts';
import { loginThrottleFor } from './login-throttle.ts';
import { createReplayGuard } from './replay-guard.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { webhookRoutes, type EnqueuePerson } from './routes/webhooks.ts';
import { scimRoutes } from './scim/scim-routes.ts';

export interface HttpAppDeps {
  config: Config;
  logger: Logger;
  /** A `producer` connection: replay ids, readiness PING. */
  redis: RedisClient;
  /** The queue (producer side), for the dashboard. */
  queue: Queue;
  enqueuePerson: EnqueuePerson;
  kratosReady: () => Promise<boolean>;
  metrics: Metrics;
  now?: () => Date;
  /** The engine context: with it (and `http.auth`) the operations console is served at /console. */
  ctx?: SyncContext;
  /** The process's person locks (its jobs take them too); ones of this app's own by default. */
  personLocks?: PersonLocks;
}

/**
 * The HTTP side of `kratos-sync worker --role http`, built apart from listening so tests
 * drive it with `inject()` or a real socket: webhooks, health and readiness, /metrics, and the queue
 * dashboard when `http.auth` is configured.
 */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ role: 'http' });
  // Concurrent webhooks' replay checks and job adds leave together: one socket write, not one each.
  coalesceRedisWrites(deps.redis);
  // Request logs carry method, URL and status only: never headers (signatures) or bodies (personal data).
  const { headersTimeout, requestTimeout, idleTimeout, trustProxy } = deps.config.http;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Each request's child logger (its request id bound) is built only when the request logs something.
    childLoggerFactory: lazyRequestLogger,
    return503OnClosing: true,
    // Only the configured proxies' X-Forwarded-* headers make request.ip / protocol / host (throttles, SCIM).
    ...(trustProxy === undefined ? {} : { trustProxy }),
    // A client that sends its headers or body slowly (a byte every few seconds) holds a socket and a
    // parser for as long as it likes unless these are set; Node checks them every `connectionsCheckingInterval`.
    connectionTimeout: idleTimeout,
    requestTimeout,
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, headersTimeout / 2)),
    },
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: 'too-large', reason: 'body is larger than the limit' });
    }
    if (status >= 500) {
      // Redis away (fail-fast producer connection) or a bug: the sender should retry later.
      request.log.error({ err }, 'request failed');
      return reply
        .code(503)
        .send({ error: 'unavailable', reason: 'could not accept the request now; retry later' });
    }
    return reply.code(status).send({ error: err.code ?? 'bad-request', reason: err.message });
  });
  await app.register(healthRoutes, { redis: deps.redis, kratosReady: deps.kratosReady });
  await app.register(metricsRoutes, { registry: deps.metrics.registry });
  await app.register(webhookRoutes, {
    config: deps.config,
    logger,
    replay: createReplayGuard(deps.redis, deps.config.redis.prefix),
    enqueuePerson: deps.enqueuePerson,
    now,
  });
  // SCIM writes and the console's Retry take the same person locks as the process's jobs.
  const personLocks =
    deps.personLocks ??
    createPersonLocks({
      redis: deps.redis,
      prefix: deps.config.redis.prefix,
      logger,
      ttlMs: deps.config.queue.lockDuration,
    });
  // SCIM 2.0 for scim-inbound sources; writes go through the engine when this role has a context.
  const engineRedis = deps.redis as never;
  await app.register(scimRoutes, {
    config: deps.config,
    redis: engineRedis,
    keyPrefix: deps.config.redis.prefix,
    now,
    logger,
    enqueuePerson: deps.enqueuePerson,
    ...(deps.ctx
      ? {
          engine: {
            ctx: deps.ctx,
            locks: personLocks,
            enqueuePerson: deps.enqueuePerson,
            logger,
          },
        }
      : {}),
  });
  const auth = deps.config.http.auth;
  // One count of failed logins for the console and the dashboard: both take the same password.
  const loginThrottle = auth ? loginThrottleFor(auth, () => now().getTime()) : undefined;
  if (auth && loginThrottle) {
    await app.register(dashboardRoutes, { queue: deps.queue, auth, throttle: loginThrottle });
  } else {
    logger.warn(`http.auth is not configured: the queue dashboard (${DASHBOARD_PATH}) is not served`);
  }
  if (deps.ctx) {
    await registerConsole(app, {
      ctx: deps.ctx,
      failedJobs: failedJobAccessOf(deps.queue),
      queueDashboardPath: DASHBOARD_PATH,
      personLocks,
      ...(loginThrottle ? { loginThrottle } : {}),
    });
  }
  return app;
}

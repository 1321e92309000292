import fastify, { type FastifyInstance } from 'fastify';
import { Secret } from '../../src/config/secret.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import type { FailedJobAccess } from '../../src/http/console/failed-job-access.ts';
import { registerConsole } from '../../src/http/console/register-console.ts';

export const CONSOLE_USER = 'ops';
export const CONSOLE_PASSWORD = 'correct horse battery staple';

/** The engine context with HTTP Basic credentials configured (the engine harness's config has none). */
export function withConsoleAuth(ctx: SyncContext): SyncContext {
  return {
    ...ctx,
    config: {
      ...ctx.config,
      http: {
        ...ctx.config.http,
        auth: {
          username: CONSOLE_USER,
          password: new Secret(CONSOLE_PASSWORD),
          allowExamplePassword: false,
          // Tests here try many wrong passwords on purpose; the throttle has its own test (http-edges).
          maxFailedLogins: 1000,
          failedLoginWindow: 15 * 60_000,
        },
      },
    },
  };
}

/** A fastify app with only the console on it, listening on loopback. */
export async function startConsoleServer(
  ctx: SyncContext,
  failedJobs?: FailedJobAccess,
): Promise<{ app: FastifyInstance; url: string; mounted: boolean }> {
  const app = fastify({ logger: false });
  const mounted = await registerConsole(app, { ctx, ...(failedJobs ? { failedJobs } : {}) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address, mounted };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

import { timingSafeEqual } from 'node:crypto';
import fastifyBasicAuth from '@fastify/basic-auth';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Secret } from '../config/secret.ts';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, behind HTTP Basic auth with `http.auth`. Job data
 * holds identifiers only, but the dashboard can retry and remove jobs, so it is never served without auth.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  deps: { queue: Queue; auth: { username: string; password: Secret } },
): Promise<void> {
  await app.register(fastifyBasicAuth, {
    authenticate: { realm: 'kratos-sync' },
    async validate(username, password) {
      if (!(sameText(username, deps.auth.username) && sameText(password, deps.auth.password.reveal()))) {
        return new Error('wrong username or password');
      }
      return undefined;
    },
  });
  app.addHook('onRequest', app.basicAuth);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(deps.queue)],
    // @bull-board/fastify 9.10.1 brings its own copy of @bull-board/api (9.10.1, ours is 9.10.2): the same
    // adapter at runtime, two declarations of it for the compiler.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}

/** Constant-time comparison of two strings of any length. */
function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

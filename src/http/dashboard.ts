import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { basicAuthCheck } from './basic-auth-check.ts';
import type { BasicCredentials } from './console/auth.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { DASHBOARD_SECURITY_HEADERS } from './security-headers.ts';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, behind the console's HTTP Basic check, to look at jobs
 * only. bull-board can add, retry, promote, clean and remove jobs, and a job added there would skip the
 * guard, the audit trail and the record of who did it (an `offboard.person` with `deleteNow` deletes at
 * once). So the queue is shown in bull-board's `readOnlyMode` (its UI hides the buttons, its API answers
 * 405), and, should a bull-board release add a route that forgets that check, every request other than GET
 * or HEAD is refused here before bull-board sees it. Changes go through the console (CSRF, audited with the
 * operator) or the CLI.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  deps: { queue: Queue; auth: BasicCredentials; throttle: LoginThrottle },
): Promise<void> {
  const checkAuth = basicAuthCheck(deps.auth, deps.throttle, DASHBOARD_SECURITY_HEADERS);
  app.addHook('onRequest', async (request, reply) => {
    if (checkAuth(request, reply) === null) return reply;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .send({ error: 'read-only', reason: 'the queue dashboard is read-only; use the console or the CLI' });
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(DASHBOARD_SECURITY_HEADERS);
    return payload;
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(deps.queue, { readOnlyMode: true })],
    // @bull-board/fastify 9.10.1 brings its own copy of @bull-board/api (9.10.1, ours is 9.10.2): the same
    // adapter at runtime, two declarations of it for the compiler.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scrubSecrets } from '../../config/secret.ts';
import { SyncError } from '../../errors/catalogue.ts';
import { createPersonLocks, type PersonLocks } from '../../queue/person-locks.ts';
import { createReceiptStore } from '../../store/receipt-store.ts';
import { createRunStore } from '../../store/run-store.ts';
import { isRunId } from '../../store/run-id.ts';
import { approveRun, rejectRun } from '../../sync/approve.ts';
import { CONSOLE_SECURITY_HEADERS } from '../security-headers.ts';
import type { SyncContext } from '../../sync/context.ts';
import { basicAuthCheck } from '../basic-auth-check.ts';
import type { BasicCredentials } from './auth.ts';
import { loginThrottleFor, type LoginThrottle } from '../login-throttle.ts';
import { CONSOLE_JS } from './client-script.ts';
import { createCsrfTokens, CSRF_FIELD } from './csrf.ts';
import type { FailedJobAccess } from './failed-job-access.ts';
import type { SafeHtml } from './html.ts';
import { failedJobsPage } from './pages/failed-jobs.ts';
import { heldPage } from './pages/held.ts';
import { operatorRoutes } from './operator-routes.ts';
import { messagePage } from './pages/message.ts';
import { overviewPage } from './pages/overview.ts';
import { quarantinePage } from './pages/quarantine.ts';
import { receiptsPage } from './pages/receipts.ts';
import { runPage } from './pages/run.ts';
import { scimPage } from './pages/scim.ts';
import { CONSOLE_CSS } from './styles.ts';
import type { ConsoleView } from './view.ts';

export interface ConsoleDeps {
  /** The engine context: stores, Kratos client, the same `approveRun`/`rejectRun` the CLI calls. */
  ctx: SyncContext;
  /** Failed jobs of the queue; the page says the queue is not connected when absent. */
  failedJobs?: FailedJobAccess;
  /** Where the queue dashboard is mounted. @defaultValue '/admin/queues' */
  queueDashboardPath?: string;
  /** Where the console is mounted. @defaultValue '/console' */
  prefix?: string;
  /** Failed-login counts shared with the queue dashboard; one of its own by default. */
  loginThrottle?: LoginThrottle;
  /** CSRF key; a fresh random one per process by default. */
  csrfKey?: Buffer;
  /** The process's person locks (app wiring); by default ones of its own with `queue.lockDuration`. */
  personLocks?: PersonLocks;
}

/**
 * Mount the operations console on a fastify app (the HTTP role): server-rendered pages behind the same
 * HTTP Basic credentials as the queue dashboard (`config.http.auth`). Without credentials it is not mounted
 * at all — an operations page that can approve deletions must never be open — and a log line says so.
 * Resolves whether it was mounted.
 */
export async function registerConsole(app: FastifyInstance, deps: ConsoleDeps): Promise<boolean> {
  const prefix = deps.prefix ?? '/console';
  const logger = deps.ctx.logger.child({ component: 'console' });
  const auth = deps.ctx.config.http.auth;
  if (!auth) {
    logger.warn(
      { path: prefix },
      'operations console not mounted: http.auth (username and password) is not configured',
    );
    return false;
  }
  // Page views are not logged (a receipts search URL can hold an email); decisions and retries are, below.
  await app.register((scope) => consoleRoutes(scope, deps, auth, prefix), { prefix, logLevel: 'warn' });
  logger.info({ path: prefix }, 'operations console mounted');
  return true;
}

const ASSET_VERSION = createHash('sha256').update(CONSOLE_CSS).update(CONSOLE_JS).digest('hex').slice(0, 10);

async function consoleRoutes(
  app: FastifyInstance,
  deps: ConsoleDeps,
  auth: BasicCredentials & { maxFailedLogins?: number; failedLoginWindow?: number },
  prefix: string,
): Promise<void> {
  const { ctx } = deps;
  const csrf = createCsrfTokens(deps.csrfKey);
  const runs = createRunStore(ctx.redis, ctx.config.redis.prefix);
  const receipts = createReceiptStore({ redis: ctx.redis, prefix: ctx.config.redis.prefix });
  const users = new WeakMap<FastifyRequest, string>();
  const viewFor = (request: FastifyRequest): ConsoleView => {
    const user = users.get(request) ?? '';
    return {
      ctx,
      runs,
      receipts,
      failedJobs: deps.failedJobs,
      frame: {
        user,
        base: prefix,
        queueDashboard: deps.queueDashboardPath ?? '/admin/queues',
        assetVersion: ASSET_VERSION,
      },
      csrfToken: csrf.tokenFor(user),
      now: ctx.now(),
    };
  };
  // Pages show stored text (reports, audit, receipts, failure reasons) and live Kratos answers: the same
  // scrubbing as everything stored, once more on the way out.
  const send = (reply: FastifyReply, body: SafeHtml, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').send(scrubSecrets(body.value));

  // Forms post urlencoded bodies; parsed here (scoped to the console), small and flat.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const checkAuth = basicAuthCheck(
    auth,
    deps.loginThrottle ?? loginThrottleFor(auth, () => ctx.now().getTime()),
    CONSOLE_SECURITY_HEADERS,
  );
  app.addHook('onRequest', async (request, reply) => {
    const user = checkAuth(request, reply);
    if (user === null) return reply;
    users.set(request, user);
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    if (!csrf.verify(users.get(request) ?? '', formField(request, CSRF_FIELD))) {
      return send(
        reply,
        messagePage(
          viewFor(request),
          'Refused',
          'The form was missing its security token or it has expired (the console restarted). Reload the page and try again.',
          'bad',
        ),
        403,
      );
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(CONSOLE_SECURITY_HEADERS);
    return payload;
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, messagePage(viewFor(request), 'Not found', 'There is no such page in the console.'), 404),
  );
  app.setErrorHandler((err, request, reply) => {
    // fastify's own refusals of a request (a body type the console does not read, a body too large, bad
    // JSON) are the client's mistake: answered with their status, not as a failure of ours.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const why =
        status === 415
          ? 'The console reads forms sent as application/x-www-form-urlencoded only.'
          : 'The request could not be read.';
      return send(reply, messagePage(viewFor(request), 'Refused', why, 'bad'), status);
    }
    request.log.error({ err }, 'console page failed');
    const text =
      err instanceof SyncError
        ? `${err.code}: ${err.message}`
        : 'The page could not be built; the worker log has the details.';
    return send(reply, messagePage(viewFor(request), 'Something went wrong', text, 'bad'), 500);
  });

  app.get('/assets/console.css', (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(CONSOLE_CSS),
  );
  app.get('/assets/console.js', (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(CONSOLE_JS),
  );
  app.get('/', async (request, reply) => send(reply, await overviewPage(viewFor(request))));
  app.get('/scim', async (request, reply) => send(reply, await scimPage(viewFor(request))));
  app.get<{ Params: { id: string }; Querystring: { kind?: string; page?: string } }>(
    '/runs/:id',
    async (request, reply) => {
      const view = viewFor(request);
      const run = isRunId(request.params.id) ? await runs.get(request.params.id) : null;
      if (!run)
        return send(
          reply,
          messagePage(view, 'Run not found', 'No run with this id is kept (runs are pruned after a while).'),
          404,
        );
      return send(reply, await runPage(view, run, request.query));
    },
  );
  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string } }>(`/runs/:id/${decision}`, async (request, reply) => {
      const view = viewFor(request);
      const { id } = request.params;
      if (!isRunId(id) || !(await runs.get(id))) {
        return send(reply, messagePage(view, 'Run not found', 'No run with this id is kept.'), 404);
      }
      try {
        const result = decision === 'approve' ? await approveRun(ctx, id) : await rejectRun(ctx, id);
        ctx.logger.info(
          { runId: id, decision, by: view.frame.user, alreadyDecided: result.alreadyDecided },
          'held run decided in the console',
        );
      } catch (err) {
        if (err instanceof SyncError && err.code === 'SYNC_ERR_RUN_LOCKED') {
          return send(
            reply,
            messagePage(
              view,
              'Source busy',
              `A sync of this source is running; ${decision} again once it has finished.`,
            ),
            409,
          );
        }
        throw err;
      }
      const back = formField(request, 'back') === 'held' ? `${prefix}/held` : `${prefix}/runs/${id}`;
      return reply.redirect(back, 303);
    });
  }
  const personLocks =
    deps.personLocks ??
    createPersonLocks({
      redis: ctx.redis,
      prefix: ctx.config.redis.prefix,
      logger: ctx.logger,
      ttlMs: ctx.config.queue.lockDuration,
    });
  await operatorRoutes(app, { prefix, viewFor, send, personLocks });
  app.get('/held', async (request, reply) => send(reply, await heldPage(viewFor(request))));
  app.get('/quarantine', async (request, reply) => send(reply, await quarantinePage(viewFor(request))));
  app.get<{ Querystring: { retried?: string; missing?: string } }>('/jobs/failed', async (request, reply) =>
    send(reply, await failedJobsPage(viewFor(request), request.query)),
  );
  app.post<{ Params: { id: string } }>('/jobs/:id/retry', async (request, reply) => {
    const { id } = request.params;
    const retried = deps.failedJobs ? await deps.failedJobs.retry(id) : false;
    if (retried)
      ctx.logger.info({ jobId: id, by: users.get(request) }, 'failed job retried from the console');
    const flash = new URLSearchParams({ [retried ? 'retried' : 'missing']: id });
    return reply.redirect(`${prefix}/jobs/failed?${flash}`, 303);
  });
  app.get<{ Querystring: { q?: string } }>('/receipts', async (request, reply) =>
    send(
      reply,
      await receiptsPage(
        viewFor(request),
        typeof request.query.q === 'string' ? request.query.q.slice(0, 200) : '',
      ),
    ),
  );
}

function formField(request: FastifyRequest, name: string): unknown {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

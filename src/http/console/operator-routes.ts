import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SyncError } from '../../errors/catalogue.ts';
import type { PersonLocks } from '../../queue/person-locks.ts';
import { isRunId } from '../../store/run-id.ts';
import { explainPerson } from '../../sync/explain-person.ts';
import { resolvePeople } from '../../sync/explain-target.ts';
import { undoRun } from '../../sync/run-undo.ts';
import { syncPersonNow } from '../../sync/sync-person-now.ts';
import type { SafeHtml } from './html.ts';
import { lookupPeople } from './readers/people-lookup.ts';
import { messagePage } from './pages/message.ts';
import { personPage } from './pages/person.ts';
import { syncConfirmPage, syncPreviewPage } from './pages/source-sync.ts';
import { createSourceSyncs } from './source-syncs.ts';
import { undoConfirmPage } from './pages/undo-confirm.ts';
import type { ConsoleView } from './view.ts';

export interface OperatorRouteDeps {
  prefix: string;
  /**
   * The process's person locks (the same ones its jobs and SCIM writes take, with `queue.lockDuration`), so a
   * Retry waits its turn with them and its lock lives as long as theirs.
   */
  personLocks: PersonLocks;
  viewFor(request: FastifyRequest): ConsoleView;
  send(reply: FastifyReply, body: SafeHtml, status?: number): FastifyReply;
}

/**
 * The console's everyday operator actions, each a confirmation or preview that changes nothing, then one POST
 * (CSRF-checked by the console's preHandler, logged with the user): undo a run, start a full sync of a source,
 * explain a person and retry their record. They run the same engine functions as the CLI, in this process.
 * A GET stays cheap: a full sync's preview reads the whole source, so it is asked for by POST; the sync itself
 * is started and left running (source-syncs.ts), and the answer points at its run.
 */
export async function operatorRoutes(app: FastifyInstance, deps: OperatorRouteDeps): Promise<void> {
  const { prefix, viewFor, send } = deps;
  const syncs = createSourceSyncs();
  app.addHook('onClose', async () => syncs.close());
  const busy = (reply: FastifyReply, view: ConsoleView, what: string) =>
    send(
      reply,
      messagePage(
        view,
        'Source busy',
        `A sync of this source is running; ${what} again once it has finished.`,
      ),
      409,
    );

  app.get<{ Params: { id: string } }>('/runs/:id/undo', async (request, reply) => {
    const view = viewFor(request);
    const plan = await undoPlanOrNull(view, request.params.id);
    if (typeof plan === 'string') return send(reply, messagePage(view, 'Cannot undo', plan), 404);
    const ids = plan.steps.filter((s) => s.kind !== 'recreate').map((s) => s.identityId);
    return send(reply, undoConfirmPage(view, plan, await lookupPeople(view.ctx.kratos, ids)));
  });
  app.post<{ Params: { id: string } }>('/runs/:id/undo', async (request, reply) => {
    const view = viewFor(request);
    if (!isRunId(request.params.id))
      return send(reply, messagePage(view, 'Run not found', 'No run with this id is kept.'), 404);
    try {
      const { report } = await undoRun(view.ctx, request.params.id, { by: `console:${view.frame.user}` });
      view.ctx.logger.info(
        { runId: request.params.id, undoRunId: report!.id, by: view.frame.user },
        'run undone in the console',
      );
      return reply.redirect(`${prefix}/runs/${report!.id}`, 303);
    } catch (err) {
      if (err instanceof SyncError && err.code === 'SYNC_ERR_RUN_LOCKED') return busy(reply, view, 'undo');
      if (!(err instanceof SyncError) || err.code !== 'SYNC_ERR_UNDO_REFUSED') throw err;
      return send(reply, messagePage(view, 'Cannot undo', err.message), 409);
    }
  });

  app.get<{ Params: { source: string } }>('/sources/:source/sync', async (request, reply) => {
    const view = viewFor(request);
    const { source } = request.params;
    if (!view.ctx.sources.has(source))
      return send(reply, messagePage(view, 'Source not found', 'No such source in the configuration.'), 404);
    return send(reply, syncConfirmPage(view, source));
  });
  app.post<{ Params: { source: string } }>('/sources/:source/sync/preview', async (request, reply) => {
    const view = viewFor(request);
    const { source } = request.params;
    if (!view.ctx.sources.has(source))
      return send(reply, messagePage(view, 'Source not found', 'No such source in the configuration.'), 404);
    return send(reply, syncPreviewPage(view, source, await syncs.preview(view.ctx, source)));
  });
  app.post<{ Params: { source: string } }>('/sources/:source/sync', async (request, reply) => {
    const view = viewFor(request);
    const { source } = request.params;
    if (!view.ctx.sources.has(source))
      return send(reply, messagePage(view, 'Source not found', 'No such source in the configuration.'), 404);
    try {
      const runId = await syncs.start(view.ctx, source, view.frame.user);
      view.ctx.logger.info({ source, runId, by: view.frame.user }, 'full sync started in the console');
      return reply.redirect(`${prefix}/runs/${runId}`, 303);
    } catch (err) {
      if (err instanceof SyncError && err.code === 'SYNC_ERR_RUN_LOCKED') return busy(reply, view, 'sync');
      throw err;
    }
  });

  app.get<{ Querystring: { q?: string; done?: string } }>('/people', async (request, reply) => {
    const view = viewFor(request);
    const q = (request.query.q ?? '').trim().slice(0, 200);
    const people = [];
    if (q !== '') {
      for (const { runtime, key } of await resolvePeople(view.ctx, q, [...view.ctx.sources.values()])) {
        const one = await explainPerson(view.ctx, runtime, key);
        if (one.record.outcome === 'absent' && !one.identity && one.audit.length === 0) continue;
        people.push(one);
      }
    }
    return send(reply, personPage(view, q, people, request.query.done));
  });
  app.post<{ Params: { source: string; key: string } }>(
    '/people/:source/:key/sync',
    async (request, reply) => {
      const view = viewFor(request);
      const { source, key } = request.params;
      if (!view.ctx.sources.has(source))
        return send(
          reply,
          messagePage(view, 'Source not found', 'No such source in the configuration.'),
          404,
        );
      const locks = deps.personLocks;
      const outcome = await syncPersonNow(view.ctx, (person, owner) => locks.tryAcquire([person], owner), {
        source,
        key,
        owner: `console:${view.frame.user}`,
        trigger: 'api',
        by: `console:${view.frame.user}`,
      });
      view.ctx.logger.info(
        { source, key, status: outcome.status, by: view.frame.user },
        'record retried in the console',
      );
      const flash = new URLSearchParams({ q: key, done: outcome.status });
      return reply.redirect(`${prefix}/people?${flash}`, 303);
    },
  );
}

async function undoPlanOrNull(view: ConsoleView, runId: string) {
  try {
    return (await undoRun(view.ctx, runId, { dryRun: true, by: `console:${view.frame.user}` })).plan;
  } catch (err) {
    if (err instanceof SyncError && err.code === 'SYNC_ERR_UNDO_REFUSED') return err.message;
    throw err;
  }
}

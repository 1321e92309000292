import { newRunId } from '../../store/run-id.ts';
import type { SyncContext } from '../../sync/context.ts';
import { runFullSync, type FullSyncReport } from '../../sync/run-full-sync.ts';

/**
 * The full syncs the console starts, in this process. A preview (a dry run: it reads the whole source and
 * every managed identity) is asked for by POST and shared while one of the same source is under way, so
 * repeated clicks read the source once. A real run is started and left running: the caller gets its id as
 * soon as its report is stored as `running` (or the error that kept it from starting: the source is locked),
 * not when it ends, which for a large source is many minutes later.
 */
export interface SourceSyncs {
  preview(ctx: SyncContext, source: string): Promise<FullSyncReport>;
  /** Resolves with the run's id once it has started; rejects when it cannot start (SYNC_ERR_RUN_LOCKED). */
  start(ctx: SyncContext, source: string, by: string): Promise<string>;
  /** Stop the runs still going (each ends `failed`, its lock released) and wait for them. */
  close(): Promise<void>;
}

export function createSourceSyncs(): SourceSyncs {
  const previews = new Map<string, Promise<FullSyncReport>>();
  const running = new Map<string, { controller: AbortController; ended: Promise<void> }>();

  return {
    preview(ctx, source) {
      let shared = previews.get(source);
      if (!shared) {
        shared = runFullSync(ctx, source, { trigger: 'api', dryRun: true }).finally(() =>
          previews.delete(source),
        );
        previews.set(source, shared);
      }
      return shared;
    },
    start(ctx, source, by) {
      const runId = newRunId(ctx.now());
      const controller = new AbortController();
      const logger = ctx.logger.child({ source, runId, by });
      return new Promise<string>((resolve, reject) => {
        let started = false;
        const ended = runFullSync(ctx, source, {
          trigger: 'api',
          by: `console:${by}`,
          runId,
          signal: controller.signal,
          onStarted: () => {
            started = true;
            resolve(runId);
          },
        }).then(
          (report) => {
            logger.info({ status: report.status }, 'full sync started in the console has ended');
            resolve(runId);
          },
          (err: unknown) => {
            // Before it started (a locked source) the caller answers for it; after, only the log can tell.
            if (started) logger.error({ err }, 'full sync started in the console ended in error');
            reject(err as Error);
          },
        );
        running.set(runId, { controller, ended: ended.finally(() => running.delete(runId)) });
      });
    },
    async close() {
      const left = [...running.values()];
      for (const run of left) run.controller.abort(new Error('the console is shutting down'));
      await Promise.all(left.map((run) => run.ended));
    },
  };
}

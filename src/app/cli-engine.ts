import type { EngineSession, OpenEngineOptions } from '../cli/cli-parts.ts';
import type { LifecycleHost } from '../lifecycle/lifecycle-host.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import type { SyncHooks } from '../sync/context.ts';
import { buildContext } from './build-context.ts';
import { openReleasing } from './release-stack.ts';

/**
 * The engine context of one CLI command (plan, sync, approve, reject, undo, reindex, explain). With
 * `onboarding` and a source that onboards, people the command creates or reactivates get their invite
 * queued for the workers, as in the worker process. Everything is released when the command ends.
 */
export function openCliEngine(options: OpenEngineOptions): Promise<EngineSession> {
  const { config, logger } = options;
  const prefix = config.redis.prefix;
  const onboarding =
    options.onboarding === true && options.only.some((s) => config.sources[s]?.onboarding.enabled);
  return openReleasing(async (releases) => {
    let hooks: SyncHooks = {};
    let host: LifecycleHost | undefined;
    // The queue (BullMQ) and the lifecycle are loaded only when this command queues onboarding: a plain
    // sync or plan does not pay for them at start-up.
    const lifecycleParts = onboarding ? await import('./lifecycle-host.ts') : undefined;
    if (lifecycleParts) hooks = lifecycleParts.lifecycleHooks(() => host!);
    const producer = onboarding
      ? createRedis(config.redis, { role: 'producer', logger, name: 'kratos-sync:cli' })
      : undefined;
    if (producer) releases.defer('producer connection', () => closeRedis(producer));
    const built = await buildContext({
      config,
      baseDir: options.baseDir,
      logger,
      only: options.only,
      hooks,
    });
    releases.defer('engine context', () => built.release());
    if (producer && lifecycleParts) {
      const [{ createQueue }, { createPersonLocks }] = await Promise.all([
        import('../queue/job-queue.ts'),
        import('../queue/person-locks.ts'),
      ]);
      const queue = createQueue({ connection: producer, prefix, logger });
      releases.defer('queue', () => queue.close());
      const locks = createPersonLocks({
        redis: built.ctx.redis,
        prefix,
        logger,
        ttlMs: config.queue.lockDuration,
      });
      const lifecycle = lifecycleParts.createLifecycleHost({ ctx: built.ctx, queue, locks });
      releases.defer('lifecycle', () => lifecycle.close());
      host = lifecycle.host;
    }
    return { ctx: built.ctx };
  });
}

import type { KratosClient } from '../kratos/types.ts';
import type { LifecycleHost } from '../lifecycle/lifecycle-host.ts';
import { createPersonLocks, type PersonLocks } from '../queue/person-locks.ts';
import type { SyncContext, SyncHooks } from '../sync/context.ts';
import { buildContext } from './build-context.ts';
import { createLifecycleHost, lifecycleHooks } from './lifecycle-host.ts';
import type { ProcessParts } from './process-parts.ts';

/** The engine of a worker process: one context for all its roles (jobs, console, SCIM writes). */
export interface ProcessEngine {
  ctx: SyncContext;
  /** Per-person locks (`queue.lockDuration`) of the process's jobs and lifecycle. */
  locks: PersonLocks;
  /**
   * The context, queue and locks with the lifecycle (onboarding, offboarding) built from them on first use:
   * one for the onboarding hooks and the lifecycle jobs of the process.
   */
  host: LifecycleHost;
}

/**
 * Builds the process's engine context once, on the process's own connections (state Redis, the
 * instrumented Kratos client, the shared run notifier), with onboarding's hooks unless `hooks` replaces them.
 * The context's and the lifecycle's releases are registered on `parts.releases`.
 */
export async function openProcessEngine(
  parts: ProcessParts,
  kratos: KratosClient,
  hooks: SyncHooks | undefined,
): Promise<ProcessEngine> {
  const { config, logger, state, queue, notifier } = parts;
  // The context must exist before the host that holds it: the hooks find the host when they fire.
  const hooksHost: { current?: LifecycleHost } = {};
  const built = await buildContext({
    config,
    baseDir: parts.baseDir,
    logger,
    now: parts.now,
    // SyncContext types its connection as a plain Redis; a Cluster serves the same commands.
    redis: state as never,
    kratos,
    hooks: hooks ?? lifecycleHooks(() => hooksHost.current!),
    ...(notifier ? { runObserver: notifier } : {}),
  });
  parts.releases.defer('engine context', () => built.release());
  const locks = createPersonLocks({
    redis: state,
    prefix: config.redis.prefix,
    logger,
    ttlMs: config.queue.lockDuration,
  });
  const lifecycle = createLifecycleHost({ ctx: built.ctx, queue, locks });
  // Its delivery channels close after the worker has stopped (the worker is released first), so the last
  // invites still go out.
  parts.releases.defer('lifecycle', () => lifecycle.close());
  hooksHost.current = lifecycle.host;
  return { ctx: built.ctx, locks, host: lifecycle.host };
}

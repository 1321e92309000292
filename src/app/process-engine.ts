import type { KratosClient } from '../kratos/types.ts';
import { lifecycleHooks, type LifecycleHost } from '../lifecycle/lifecycle-host.ts';
import { createPersonLocks, type PersonLocks } from '../queue/person-locks.ts';
import type { SyncContext, SyncHooks } from '../sync/context.ts';
import { buildContext } from './build-context.ts';
import type { ProcessParts } from './process-parts.ts';

/** The engine of a worker process: one context for all its roles (jobs, console, SCIM writes). */
export interface ProcessEngine {
  ctx: SyncContext;
  /** Per-person locks, shared by the jobs and the SCIM writes of this process. */
  locks: PersonLocks;
  /** The context, queue and locks the lifecycle (onboarding, offboarding) is built from. */
  host: LifecycleHost;
  /**
   * Let the onboarding hooks use the lifecycle of `host` (the worker's job deps, which extend `this.host`),
   * so the jobs and the hooks share one lifecycle (built on first use, once per host).
   */
  hookLifecycleTo(host: LifecycleHost): void;
}

/**
 * Builds the process's engine context once, on the process's own connections (state Redis, the
 * instrumented Kratos client, the shared run notifier), with onboarding's hooks unless `hooks` replaces them.
 * The context's release is registered on `parts.releases`.
 */
export async function openProcessEngine(
  parts: ProcessParts,
  kratos: KratosClient,
  hooks: SyncHooks | undefined,
): Promise<ProcessEngine> {
  const { config, logger, state, queue, notifier } = parts;
  // The context must exist before the host that holds it: the hooks find the host when they fire.
  let hooksHost: LifecycleHost | undefined;
  const built = await buildContext({
    config,
    baseDir: parts.baseDir,
    logger,
    now: parts.now,
    // SyncContext types its connection as a plain Redis; a Cluster serves the same commands.
    redis: state as never,
    kratos,
    hooks: hooks ?? lifecycleHooks(() => hooksHost!),
    ...(notifier ? { runObserver: notifier } : {}),
  });
  parts.releases.defer('engine context', () => built.release());
  const locks = createPersonLocks({
    redis: state,
    prefix: config.redis.prefix,
    logger,
    ttlMs: config.queue.lockDuration,
  });
  const host: LifecycleHost = { ctx: built.ctx, queue, locks };
  hooksHost = host;
  return {
    ctx: built.ctx,
    locks,
    host,
    hookLifecycleTo: (next) => void (hooksHost = next),
  };
}

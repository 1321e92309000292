import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import { onboardingQueueOf, type LifecycleHost } from '../lifecycle/lifecycle-host.ts';
import type { SyncHooks } from '../sync/context.ts';
import { buildLifecycle } from './build-lifecycle.ts';

/** A lifecycle host and how to close its lifecycle (its delivery channels) if it was built. */
export interface OwnedLifecycleHost {
  host: LifecycleHost;
  close(): Promise<void>;
}

/**
 * The host the lifecycle jobs and onboarding hooks are given: the context, queue and locks, and the
 * lifecycle built from them on first use — once per host, so channels, templates and expressions compile at
 * most once, and a process that never onboards nor offboards never builds it.
 */
export function createLifecycleHost(base: Omit<LifecycleHost, 'lifecycle'>): OwnedLifecycleHost {
  let built: Lifecycle | undefined;
  const host: LifecycleHost = {
    ...base,
    get lifecycle() {
      built ??= buildLifecycle(base.ctx, { queue: onboardingQueueOf(base.queue), locks: base.locks });
      return built;
    },
  };
  return { host, close: async () => built?.close() };
}

/**
 * Onboarding hooks for `SyncContext.hooks`, resolving the host when they fire: the context must exist
 * before the host that holds it, so a process passes `lifecycleHooks(() => host)` when it builds the context.
 */
export function lifecycleHooks(
  host: () => LifecycleHost,
): Required<Pick<SyncHooks, 'identityCreated' | 'identityReactivated'>> {
  return {
    identityCreated: (event) => host().lifecycle.hooks.identityCreated(event),
    identityReactivated: (event) => host().lifecycle.hooks.identityReactivated(event),
  };
}

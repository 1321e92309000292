import { createDeliveryChannels } from '../delivery/create-channels.ts';
import { domainOf } from '../delivery/message-id.ts';
import { loadInviteTemplates } from '../delivery/templates.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import { compileOnboardingFields } from '../lifecycle/onboarding-fields.ts';
import type { OnboardingDeps, OnboardingQueue, OnboardingSource } from '../lifecycle/onboarding-deps.ts';
import { createOnboardingHooks } from '../lifecycle/onboarding-scheduler.ts';
import type { PersonLocks } from '../queue/person-locks.ts';
import { createDeliveryStore } from '../store/delivery-store.ts';
import { createReceiptStore } from '../store/receipt-store.ts';
import type { SyncContext } from '../sync/context.ts';

export interface BuildLifecycleOptions {
  /** Where onboarding jobs are added (the runtime's queue). */
  queue: OnboardingQueue;
  /** The runtime's person locks (the offboarding jobs take them as the sync jobs do). */
  locks: PersonLocks;
  /** Test seam, see OnboardingDeps.afterIssue. */
  afterIssue?: OnboardingDeps['afterIssue'];
}

/**
 * Everything joiners and leavers need, compiled once at start-up from the sync context: delivery channels,
 * templates, onboarding expressions per source, the delivery and receipt stores. Fails at start-up (not at
 * the first invite) when a source's channel has no `delivery.*` settings or a template cannot be read.
 */
export function buildLifecycle(
  ctx: Pick<SyncContext, 'config' | 'baseDir' | 'kratos' | 'redis' | 'logger' | 'now' | 'sources'>,
  options: BuildLifecycleOptions,
): Lifecycle {
  const { config, redis, logger, now } = ctx;
  const prefix = config.redis.prefix;
  const channels = createDeliveryChannels(config.delivery, { baseDir: ctx.baseDir, now });
  const templates = loadInviteTemplates(config.delivery.templates, ctx.baseDir);
  const sources = new Map<string, OnboardingSource>();
  for (const [name, runtime] of ctx.sources) {
    const onboarding = runtime.config.onboarding;
    sources.set(name, {
      config: onboarding,
      fields: compileOnboardingFields(onboarding, name),
      source: runtime.source,
      // A disabled source never delivers; the outbox stands in so no unused channel must be configured.
      channel: channels.get(onboarding.enabled ? onboarding.channel : 'outbox'),
    });
  }
  const onboarding: OnboardingDeps = {
    kratos: ctx.kratos,
    deliveries: createDeliveryStore({ redis, prefix, now }),
    templates,
    queue: options.queue,
    logger,
    now,
    sources,
    messageDomain: domainOf(channels.from),
    ...(options.afterIssue ? { afterIssue: options.afterIssue } : {}),
  };
  return {
    onboarding,
    offboarding: {
      kratos: ctx.kratos,
      logger,
      now,
      receipts: createReceiptStore({ redis, prefix }),
      locks: options.locks,
    },
    hooks: createOnboardingHooks(onboarding),
    close: () => channels.close(),
  };
}

import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { createNoticeChannels } from './notice-channels.ts';
import { createRunNotifier, type NoticeOutcome, type RunNotifier } from './run-notifier.ts';

/**
 * The run notifier `notify:` describes, or undefined when it configures no channel. Built once per process
 * and handed to the engine context (`SyncContext.runObserver`); the process closes it on shutdown.
 */
export function buildRunNotifier(
  config: Config,
  deps: { redis: Redis; logger: Logger; now: () => Date; onOutcome?: (outcome: NoticeOutcome) => void },
): RunNotifier | undefined {
  const smtp = config.delivery.smtp;
  const channels = createNoticeChannels(config.notify, {
    smtp: smtp && { ...smtp, ...(smtp.password ? { password: smtp.password } : {}) },
    now: deps.now,
  });
  if (channels.length === 0) return undefined;
  return createRunNotifier({
    notify: config.notify,
    channels,
    publicUrl: config.http.publicUrl,
    redis: deps.redis,
    prefix: config.redis.prefix,
    logger: deps.logger.child({ component: 'notify' }),
    ...(deps.onOutcome ? { onOutcome: deps.onOutcome } : {}),
  });
}

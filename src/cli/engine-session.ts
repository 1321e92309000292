import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildContext } from '../app/build-context.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { lifecycleHooks } from '../lifecycle/lifecycle-host.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import type { SyncContext, SyncHooks } from '../sync/context.ts';

/**
 * What engine commands (plan, sync, approve, reject, runs, audit) share: the config from `--config`, a
 * logger on stderr (stdout carries the command's output: tables or JSON), and resources that are always
 * released, whatever the command returns or throws.
 */
export function loadCliConfig(program: Command): { config: Config; baseDir: string } {
  return loadConfig({ file: program.opts<{ config: string }>().config });
}

/** Logs go to stderr; on a terminal only warnings and worse, so they do not tear the progress bar. */
export function cliLogger(config: Config): Logger {
  const interactive = process.stderr.isTTY === true;
  const level = interactive && config.log.level === 'info' ? 'warn' : config.log.level;
  return createLogger({ level, destination: pino.destination({ dest: 2, sync: true }) });
}

/** The sources a command works on: `--source` (checked against the config) or every configured one. */
export function selectSources(config: Config, source: string | undefined): string[] {
  const configured = Object.keys(config.sources);
  if (source === undefined) return configured;
  if (!configured.includes(source)) {
    throw new ConfigError(
      `--source ${source}: no such source in the config (configured: ${configured.join(', ')})`,
    );
  }
  return [source];
}

export interface EngineSessionOptions {
  /** `--source`: one source, or every configured one when undefined; `[]` for none (approve/reject). */
  source: string | undefined | [];
  /** Queue onboarding (recovery link delivery) for people created or reactivated, as the worker does. */
  onboarding?: boolean;
}

/** Build the sync context for these sources, run `work`, release everything; returns work's exit code. */
export async function withEngine(
  program: Command,
  options: EngineSessionOptions,
  work: (ctx: SyncContext, sources: string[]) => Promise<number>,
): Promise<number> {
  const { config, baseDir } = loadCliConfig(program);
  const sources = Array.isArray(options.source) ? [] : selectSources(config, options.source);
  const logger = cliLogger(config);
  const onboarding =
    options.onboarding === true && sources.some((s) => config.sources[s]?.onboarding.enabled);
  const producer = onboarding
    ? createRedis(config.redis, { role: 'producer', logger, name: 'kratos-sync:cli' })
    : undefined;
  let hooks: SyncHooks = {};
  let host: Parameters<typeof lifecycleHooks>[0] | undefined;
  // The queue (BullMQ) and the lifecycle are loaded only when this command queues onboarding: a plain
  // sync or plan does not pay for them at start-up.
  if (onboarding) {
    const { lifecycleHooks } = await import('../lifecycle/lifecycle-host.ts');
    hooks = lifecycleHooks(() => host!());
  }
  try {
    await using built = await buildContext({ config, baseDir, logger, only: sources, hooks });
    if (producer) {
      const { createQueue, createPersonLocks } = await loadQueueParts();
      const queue = createQueue({ connection: producer, prefix: config.redis.prefix, logger });
      const locks = createPersonLocks({
        redis: built.ctx.redis,
        prefix: config.redis.prefix,
        logger,
        ttlMs: 30_000,
      });
      const value = { ctx: built.ctx, queue, locks };
      host = () => value;
      try {
        return await work(built.ctx, sources);
      } finally {
        await queue.close();
      }
    }
    return await work(built.ctx, sources);
  } finally {
    if (producer) await closeRedis(producer);
  }
}

/** Only Redis (runs, audit): works while Kratos or the source is down. */
export async function withState(
  program: Command,
  work: (state: { config: Config; redis: Redis; logger: Logger }) => Promise<number>,
): Promise<number> {
  const { config } = loadCliConfig(program);
  const logger = cliLogger(config);
  const redis = createRedis(config.redis, { role: 'state', logger, name: 'kratos-sync:cli' }) as Redis;
  try {
    return await work({ config, redis, logger });
  } finally {
    await closeRedis(redis);
  }
}

/**
 * BullMQ's queue and the person locks, loaded on first use. Kept outside the `await using` block above:
 * TypeScript's down-levelling of that block leaves a dynamic import's `.ts` extension unrewritten, so the
 * compiled package would ask for a `.ts` file (the packaging test checks every compiled import).
 */
async function loadQueueParts() {
  const [{ createQueue }, { createPersonLocks }] = await Promise.all([
    import('../queue/job-queue.ts'),
    import('../queue/person-locks.ts'),
  ]);
  return { createQueue, createPersonLocks };
}

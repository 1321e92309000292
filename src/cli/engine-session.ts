import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import type { SyncContext } from '../sync/context.ts';
import type { CliParts } from './cli-parts.ts';

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

/**
 * Open the sync context for these sources (through app/, `parts.openEngine`), run `work`, release
 * everything; returns work's exit code.
 */
export async function withEngine(
  program: Command,
  parts: CliParts,
  options: EngineSessionOptions,
  work: (ctx: SyncContext, sources: string[]) => Promise<number>,
): Promise<number> {
  const { config, baseDir } = loadCliConfig(program);
  const sources = Array.isArray(options.source) ? [] : selectSources(config, options.source);
  const logger = cliLogger(config);
  await using engine = await parts.openEngine({
    config,
    baseDir,
    logger,
    only: sources,
    onboarding: options.onboarding === true,
  });
  return await work(engine.ctx, sources);
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

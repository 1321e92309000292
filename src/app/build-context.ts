import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { createKratosClient } from '../kratos/client.ts';
import type { JsonObject } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import { buildRunNotifier } from '../notify/build-run-notifier.ts';
import type { RunObserver, SourceRuntime, SyncContext, SyncHooks } from '../sync/context.ts';
import { buildSourceRuntime } from '../sync/source-runtime.ts';
import { openReleasing } from './release-stack.ts';

export interface BuildContextOptions {
  config: Config;
  /** Folder relative paths in the config resolve against (the config file's folder). */
  baseDir: string;
  /** @defaultValue a JSON logger at `config.log.level` */
  logger?: Logger;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  hooks?: SyncHooks;
  /** Build only these sources (the CLI's `--source`); all configured ones by default. */
  only?: readonly string[];
  /** Reuse a connection the caller owns (it is not closed by `release`). */
  redis?: Redis;
  /** Reuse a client the caller owns (it is not closed by `release`). */
  kratos?: KratosClient;
  /**
   * Run notifications the caller owns (the worker shares one, counted in its metrics). Otherwise one is
   * built from `notify:` when it configures a channel, and closed by `release` after its sends finish.
   */
  runObserver?: RunObserver;
}

export interface BuiltContext extends AsyncDisposable {
  ctx: SyncContext;
  /** Close what was opened here, in reverse order; every close is attempted, failures thrown together. */
  release(): Promise<void>;
}

/**
 * Config → the engine's SyncContext: the Kratos client (API generation probed), a Redis connection for
 * engine state, and per source its reader and its compiled mapping — validated against the identity
 * schemas Kratos serves, so a mapping that names an unknown schema fails here, not on record 1 000.
 * Everything opened is released on a failed build too, so a half-built context leaks no connection
 * (docs/architecture.md).
 */
export function buildContext(options: BuildContextOptions): Promise<BuiltContext> {
  const { config, baseDir } = options;
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const now = options.now ?? (() => new Date());
  return openReleasing(async (releasers) => {
    const kratos = options.kratos ?? (await createKratosClient({ config: config.kratos, logger }));
    if (!options.kratos) releasers.defer('kratos client', () => kratos.close());
    // A Cluster client serves every command the engine sends (all keys share the prefix's hash tag).
    const redis =
      options.redis ??
      (createRedis(config.redis, { role: 'state', logger, name: 'kratos-sync:engine' }) as Redis);
    if (!options.redis) releasers.defer('engine state connection', () => closeRedis(redis));
    let runObserver = options.runObserver;
    if (!runObserver) {
      const notifier = buildRunNotifier(config, { redis, logger, now });
      if (notifier) releasers.defer('run notifier', () => notifier.close());
      runObserver = notifier;
    }
    const names = Object.keys(config.sources).filter((name) => !options.only || options.only.includes(name));
    const schemas = new Map<string, JsonObject>();
    if (names.length > 0) {
      for (const summary of await kratos.listIdentitySchemas()) schemas.set(summary.id, summary.schema);
    }
    const sources = new Map<string, SourceRuntime>();
    for (const name of names) {
      const runtime = buildSourceRuntime(name, config.sources[name]!, schemas, {
        baseDir,
        logger,
        now,
        redis: { client: redis, prefix: config.redis.prefix },
      });
      sources.set(name, runtime);
    }
    const ctx: SyncContext = {
      config,
      baseDir,
      kratos,
      redis,
      logger,
      now,
      sources,
      hooks: options.hooks ?? {},
      ...(runObserver ? { runObserver } : {}),
    };
    return { ctx };
  });
}

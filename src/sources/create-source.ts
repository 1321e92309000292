import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import type { SourceConfig } from '../config/sections/source.ts';
import type { Logger } from '../log/logger.ts';
import { createCsvSource } from './csv/csv-source.ts';
import type { RetryTiming } from './http/fetch-json.ts';
import { createHttpJsonSource } from './http/http-json-source.ts';
import { genericPlan } from './http/http-source-plan.ts';
import { presetPlan } from './presets/index.ts';
import { createScimSource } from './scim/scim-source.ts';
import { createScimInboundSource } from './scim-inbound/scim-inbound-source.ts';
import type { Source, SourceRecord } from './types.ts';

export interface CreateSourceOptions {
  /** The source's name in the config (`sources.<name>`); it names the source in messages and logs. */
  name: string;
  connection: SourceConfig['connection'];
  /** Folder a relative CSV path resolves against (the config file's folder). */
  baseDir: string;
  logger: Logger;
  /**
   * The record's key as the mapping reads it (`mapping.key`). Sources use it to find one record by scanning,
   * to name the person on a bad row, and (SCIM) to check that lookups and the mapping agree.
   */
  keyOf: (record: SourceRecord) => string | undefined;
  /** Clock for Retry-After dates. @defaultValue () => new Date() */
  now?: () => Date;
  /** HTTP sources: backoff timing (tests and benchmarks shorten it). @defaultValue DEFAULT_RETRY_TIMING */
  retryTiming?: Partial<RetryTiming>;
  /** HTTP sources: the undici dispatcher. @defaultValue undici's global keep-alive agent */
  dispatcher?: Dispatcher;
  /** scim-inbound sources: the engine's Redis and key prefix, where the directory's resources are kept. */
  redis?: { client: Redis; prefix: string };
}

/** The reader for one configured source, by connection type (one file per type). */
export function createSource(options: CreateSourceOptions): Source {
  const { connection } = options;
  const shared = {
    name: options.name,
    keyOf: options.keyOf,
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    retryTiming: options.retryTiming,
    dispatcher: options.dispatcher,
  };
  switch (connection.type) {
    case 'csv':
      return createCsvSource({
        name: options.name,
        connection,
        baseDir: options.baseDir,
        keyOf: options.keyOf,
      });
    case 'http-json':
      return createHttpJsonSource({
        ...shared,
        plan:
          connection.preset === undefined ? genericPlan(connection) : presetPlan(options.name, connection),
      });
    case 'scim':
      return createScimSource({ ...shared, connection });
    case 'scim-inbound':
      if (!options.redis) throw new Error(`source "${options.name}": a scim-inbound source needs Redis`);
      return createScimInboundSource({
        name: options.name,
        redis: options.redis.client,
        prefix: options.redis.prefix,
      });
  }
}

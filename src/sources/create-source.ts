import type { Dispatcher } from 'undici';
import type { SourceConfig } from '../config/sections/source.ts';
import type { Logger } from '../log/logger.ts';
import { createCsvSource } from './csv/csv-source.ts';
import type { RetryTiming } from './http/fetch-json.ts';
import { createHttpJsonSource } from './http/http-json-source.ts';
import { genericPlan } from './http/http-source-plan.ts';
import { createScimSource } from './scim/scim-source.ts';
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
      return createHttpJsonSource({ ...shared, plan: genericPlan(options.name, connection) });
    case 'scim':
      return createScimSource({ ...shared, connection });
  }
}

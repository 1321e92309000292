import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { SourceConfig } from '../config/sections/source.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import type { Mapper } from '../mapping/types.ts';
import type { Source } from '../sources/types.ts';
import type { RunReport } from '../domain/run-report.ts';
import type { DesiredIdentity } from '../domain/plan.ts';

/** One configured source, ready to read: its connection, its compiled mapping and its settings. */
export interface SourceRuntime {
  name: string;
  config: SourceConfig;
  source: Source;
  mapper: Mapper;
}

/** A person kratos-sync has just created or reactivated (onboarding listens for these). */
export interface PersonEvent {
  source: string;
  key: string;
  identityId: string;
  desired: DesiredIdentity;
  runId?: string;
}

/**
 * Extension points the engine calls; the queue runtime wires them (e.g. onboarding enqueues a delivery job).
 * A hook that throws does not undo the change it follows; the error is logged and reported.
 */
export interface SyncHooks {
  identityCreated?(event: PersonEvent): Promise<void>;
  identityReactivated?(event: PersonEvent): Promise<void>;
}

/**
 * Told of every run report the engine stores (held, failed, partial … runs are announced from here, so both
 * full-sync paths and single-person holds reach it). `runSaved` returns at once: any sending happens in
 * the background and can never fail or block the run.
 */
export interface RunObserver {
  runSaved(report: RunReport): void;
}

/**
 * Everything the sync engine needs, built once at start-up and passed as the first argument
 * (side effects come in as parameters, so tests pass real parts they control). Stores are built from
 * `redis` + `config.redis.prefix`.
 */
export interface SyncContext {
  config: Config;
  /** Folder relative paths in the config resolve against. */
  baseDir: string;
  kratos: KratosClient;
  redis: Redis;
  logger: Logger;
  now: () => Date;
  sources: ReadonlyMap<string, SourceRuntime>;
  hooks: SyncHooks;
  /** Run notifications (`notify:`); absent when none are configured. */
  runObserver?: RunObserver;
}

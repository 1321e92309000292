import type { Queue } from 'bullmq';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { WorkerRole } from '../queue/worker-roles.ts';
import type { SyncContext } from '../sync/context.ts';

/**
 * What the commands are handed by the process that assembles them (app/cli-parts.ts): opening the engine,
 * the offboarding runbook's queues and the worker process are wiring, which lives in app/. Each part loads
 * its modules when called, so `kratos-sync --help` loads none of them.
 */
export interface CliParts {
  openEngine(options: OpenEngineOptions): Promise<EngineSession>;
  openOffboardSession(options: OpenOffboardOptions): Promise<OffboardSession>;
  startWorker(options: StartWorkerOptions): Promise<RunningWorker>;
  openQueue(options: OpenQueueOptions): Promise<QueueSession>;
}

/** An engine context open for one command; `release` closes all it opened, last opened first. */
export interface EngineSession extends AsyncDisposable {
  ctx: SyncContext;
  release(): Promise<void>;
}

export interface OpenEngineOptions {
  config: Config;
  /** Folder relative paths in the config resolve against (the config file's folder). */
  baseDir: string;
  logger: Logger;
  /** Build only these sources (`--source`); `[]` for none (approve, reject, undo). */
  only: readonly string[];
  /** Queue onboarding (recovery link delivery) for people created or reactivated, as the worker does. */
  onboarding?: boolean;
}

export interface OpenOffboardOptions {
  config: Config;
  baseDir: string;
  logger: Logger;
  /** The source whose people are offboarded. */
  source: string;
  /** Run the runbook's jobs in this process, on a queue of its own, instead of `kratos-sync worker`. */
  inline: boolean;
}

/** The offboarding runbook's session: the engine for one source and the queue its jobs are added to. */
export interface OffboardSession extends EngineSession {
  /** The shared queue, or with `inline` this process's own queue (its worker runs the jobs). */
  queue: Queue;
  /** A state connection for the runbook's own records. */
  connection: RedisClient;
}

export interface OpenQueueOptions {
  config: Config;
  logger: Logger;
  /** Fail now when Redis does not answer (the command's only work is on the queue). */
  waitUntilReady?: boolean;
}

/** The producer side of the shared queue, on a connection of its own, for one command. */
export interface QueueSession extends AsyncDisposable {
  queue: Queue;
  release(): Promise<void>;
}

export interface StartWorkerOptions {
  config: Config;
  baseDir: string;
  roles: ReadonlySet<WorkerRole>;
  logger: Logger;
  /** Identifies this replica in job records and Redis CLIENT LIST. */
  name?: string;
}

export interface RunningWorker {
  /** Stop taking work, let active jobs finish within `queue.shutdownTimeout`, close everything. */
  close(): Promise<void>;
}

import type { Queue } from 'bullmq';
import type { Lifecycle } from '../src/lifecycle/lifecycle.ts';
import type { SourceStatsStore } from '../src/metrics/source-stats.ts';
import type { PersonLocks } from '../src/queue/person-locks.ts';
import type { SyncContext } from '../src/sync/context.ts';
import type { ChunkStore } from './full-sync/chunk-store.ts';

/** What every job handler is given (built once per worker process, src/app/worker-process.ts). */
export interface JobDeps {
  ctx: SyncContext;
  /** Producer side of the queue: a full sync adds its apply chunks here. */
  queue: Queue;
  locks: PersonLocks;
  chunks: ChunkStore;
  stats: SourceStatsStore;
  /** Plan actions per apply chunk job. */
  chunkSize: number;
  /** Lifetime of a distributed run's source lock between renewals. */
  runLockTtlMs: number;
  /**
   * One apply chunk at a time in this process: a chunk already writes with `kratos.concurrency`, and the
   * Kratos call counts a chunk reports (a delta of the client's counters) stay its own.
   */
  applyOneAtATime: <T>(work: () => Promise<T>) => Promise<T>;
  /** Onboarding's and offboarding's parts (the lifecycle jobs'), built by the process on first use. */
  lifecycle: Lifecycle;
}

import {
  DelayedError,
  RateLimitError,
  UnrecoverableError,
  WaitingChildrenError,
  WaitingError,
  type Job,
} from 'bullmq';
import { scrubSecrets } from '../config/secret.ts';
import type { Logger } from '../log/logger.ts';
import { decideFailure, type FailureDecision } from './failure-policy.ts';
import { lookupJob, type AnyJobDefinition } from './job-definition.ts';
import type { KratosOutagePause } from './kratos-outage-pause.ts';

/** How one job attempt ended, as metrics count it. */
export type JobOutcome =
  | 'completed'
  /** Failed for good (permanent error, or transient with no attempt left). */
  | 'failed'
  /** Failed, another attempt is scheduled. */
  | 'retried'
  /** Kratos said 429: back to the queue, not an attempt. */
  | 'rate_limited'
  /** Kratos down: back to the queue while it is paused, not an attempt. */
  | 'paused'
  /** Shutdown: returned to the queue unfinished, not an attempt. */
  | 'returned'
  /** The job moved itself aside (waits for its children, or for a person lock). */
  | 'deferred'
  /** The payload did not match the schema (or an unknown job type). */
  | 'invalid';

export interface JobObserver {
  jobFinished(event: { type: string; outcome: JobOutcome; durationMs: number }): void;
}

export interface ProcessorOptions<Deps> {
  catalogue: object;
  deps: Deps;
  logger: Logger;
  outagePause: KratosOutagePause;
  /** Stop every worker of the queue from taking jobs for `ms` (queue.rateLimit). */
  rateLimit: (ms: number) => Promise<void>;
  /** Aborted when the process shuts down and waited long enough: running jobs go back to the queue. */
  shutdownSignal: AbortSignal;
  defaultTimeoutMs: number;
  observer?: JobObserver;
  now?: () => number;
}

export type Processor = (job: Job, token: string | undefined, signal?: AbortSignal) => Promise<unknown>;

class ShutdownAbort extends Error {
  override name = 'ShutdownAbort';
}
class JobTimeout extends Error {
  override name = 'JobTimeout';
}
class KratosDownAbort extends Error {
  override name = 'KratosDownAbort';
}

/** BullMQ's own control-flow errors pass through untouched. */
function isControlFlow(err: unknown): boolean {
  return (
    err instanceof DelayedError ||
    err instanceof WaitingChildrenError ||
    err instanceof WaitingError ||
    err instanceof RateLimitError ||
    err instanceof UnrecoverableError
  );
}

/**
 * The one BullMQ processor for every job type: validates the payload, runs the handler under a timeout and
 * the shutdown signal, and turns its failure into what the queue should do (see failure-policy.ts).
 */
export function createProcessor<Deps>(options: ProcessorOptions<Deps>): Processor {
  const now = options.now ?? Date.now;

  // Three parameters: BullMQ passes an abort signal only to processors that declare it.
  return async (job, token, bullSignal) => {
    const started = now();
    const logger = options.logger.child({ jobId: job.id, job: job.name });
    const report = (outcome: JobOutcome) =>
      options.observer?.jobFinished({ type: job.name, outcome, durationMs: now() - started });
    const definition = lookupJob<Deps>(options.catalogue, job.name);
    if (!definition) {
      report('invalid');
      throw new UnrecoverableError(`SYNC_ERR_JOB_PAYLOAD: unknown job type "${job.name}"`);
    }
    const parsed = definition.schema.safeParse(job.data);
    if (!parsed.success) {
      report('invalid');
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      logger.error({ issues }, 'job payload does not match its schema');
      throw new UnrecoverableError(`SYNC_ERR_JOB_PAYLOAD: ${job.name} payload invalid: ${issues.join('; ')}`);
    }
    const controller = new AbortController();
    const release = linkAbort(controller, definition, options, bullSignal);
    try {
      const run = definition.handle({
        payload: parsed.data,
        job,
        token: token ?? '',
        signal: controller.signal,
        logger,
        deps: options.deps,
      });
      const result = await raceAbort(run, controller.signal);
      report('completed');
      return scrubbedResult(result);
    } catch (thrown) {
      throw scrubbed(await onFailure(thrown, { job, token, logger, controller, report }));
    } finally {
      release();
    }
  };

  async function onFailure(
    thrown: unknown,
    attempt: {
      job: Job;
      token: string | undefined;
      logger: Logger;
      controller: AbortController;
      report: (outcome: JobOutcome) => void;
    },
  ): Promise<Error> {
    const { job, logger, report } = attempt;
    const abortReason: unknown = attempt.controller.signal.reason;
    if (abortReason instanceof ShutdownAbort && attempt.token) {
      // Unfinished at shutdown: back to the waiting list now, without using an attempt. If this fails
      // (Redis gone), the job's lock expires and the stalled check returns it instead.
      await job.moveToWait(attempt.token);
      logger.warn('shutdown: job returned to the queue unfinished');
      report('returned');
      return new WaitingError();
    }
    if (isControlFlow(thrown)) {
      report(thrown instanceof UnrecoverableError ? 'failed' : 'deferred');
      return thrown as Error;
    }
    const decision: FailureDecision =
      abortReason instanceof JobTimeout
        ? { kind: 'retry', reason: abortReason.message }
        : abortReason instanceof KratosDownAbort
          ? { kind: 'kratos-down', reason: abortReason.message }
          : decideFailure(thrown);
    return await applyDecision(decision, thrown, job, logger, report);
  }

  async function applyDecision(
    decision: FailureDecision,
    thrown: unknown,
    job: Job,
    logger: Logger,
    report: (outcome: JobOutcome) => void,
  ): Promise<Error> {
    if (decision.kind === 'kratos-down') {
      if (await options.outagePause.confirmDown()) {
        await options.rateLimit(options.outagePause.holdMs);
        logger.warn(
          { reason: decision.reason },
          'kratos is down: job returned to the queue (not an attempt)',
        );
        report('paused');
        return new RateLimitError();
      }
      decision = { kind: 'retry', reason: decision.reason };
    }
    if (decision.kind === 'rate-limited') {
      await options.rateLimit(decision.waitMs);
      logger.info(
        { waitMs: decision.waitMs },
        'kratos rate limit: job returned to the queue (not an attempt)',
      );
      report('rate_limited');
      return new RateLimitError();
    }
    if (decision.kind === 'fail') {
      const log = decision.bug ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ err: thrown, reason: decision.reason }, 'job failed permanently');
      report('failed');
      const failure = new UnrecoverableError(decision.reason);
      failure.name = 'UnrecoverableError';
      return failure;
    }
    const attempts = job.opts.attempts ?? 1;
    const willRetry = job.attemptsMade + 1 < attempts;
    logger.warn(
      { reason: decision.reason, attempt: job.attemptsMade + 1, attempts },
      willRetry ? 'job failed; will retry' : 'job failed; no attempt left',
    );
    report(willRetry ? 'retried' : 'failed');
    const failure = new Error(decision.reason);
    // The backoff strategy reads this: a server-sent wait is a floor for the next delay.
    if (decision.retryAfterMs) Object.assign(failure, { retryAfterMs: decision.retryAfterMs });
    return failure;
  }
}

/**
 * A job's return value is kept in Redis too (`returnvalue`, and its parent's children values) and shown by
 * the queue dashboard: a plain string is scrubbed like any other, an object through its JSON.
 */
function scrubbedResult(result: unknown): unknown {
  if (typeof result === 'string') return scrubSecrets(result);
  if (result === undefined || result === null || typeof result !== 'object') return result;
  const text = JSON.stringify(result);
  const clean = scrubSecrets(text);
  return clean === text ? result : JSON.parse(clean);
}

/**
 * BullMQ keeps a failed job's `failedReason` and `stacktrace` in Redis and shows them in the dashboard,
 * the console and `failed list`: the same scrubbing as every other stored string, in place (BullMQ tells
 * its control-flow errors apart by class and name, which stay).
 */
function scrubbed(error: Error): Error {
  error.message = scrubSecrets(error.message);
  if (error.stack) error.stack = scrubSecrets(error.stack);
  return error;
}

/** Abort the run on timeout, on BullMQ's signal (lock lost, cancel) and on shutdown. Returns a cleanup. */
function linkAbort<Deps>(
  controller: AbortController,
  definition: AnyJobDefinition<Deps>,
  options: ProcessorOptions<Deps>,
  bullSignal: AbortSignal | undefined,
): () => void {
  const timeoutMs = definition.options.timeoutMs ?? options.defaultTimeoutMs;
  const timer = setTimeout(
    () => controller.abort(new JobTimeout(`job timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onShutdown = () => controller.abort(new ShutdownAbort('shutting down'));
  const onBull = () => controller.abort(bullSignal?.reason ?? new Error('job cancelled'));
  if (options.shutdownSignal.aborted) onShutdown();
  options.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
  bullSignal?.addEventListener('abort', onBull, { once: true });
  const stopOnDown = definition.options.stopWhenKratosDown
    ? options.outagePause.onDown(() =>
        controller.abort(new KratosDownAbort('SYNC_ERR_KRATOS_UNAVAILABLE: Kratos is down')),
      )
    : () => undefined;
  return () => {
    stopOnDown();
    clearTimeout(timer);
    options.shutdownSignal.removeEventListener('abort', onShutdown);
    bullSignal?.removeEventListener('abort', onBull);
  };
}

/**
 * Settle with the handler, or as soon as the signal aborts: a handler that ignores its signal must not
 * hold up a shutdown or outlive its timeout. Its late result or error is dropped (writes are idempotent).
 */
async function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

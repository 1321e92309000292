import type { Logger } from '../log/logger.ts';

/**
 * Pauses the queue while Kratos is down, so jobs wait instead of burning their attempts (an
 * outage is not the job's fault), and lifts the pause by itself when a readiness probe succeeds.
 *
 * The pause is BullMQ's queue-wide rate limit: `hold(ms)` stops every worker of every process from taking
 * jobs for `ms`. The process that noticed the outage probes `ready()` and renews the hold while Kratos stays
 * down, then lifts it. If that process dies, the hold simply expires; the next worker to hit the outage
 * notices it again and takes over probing. Jobs that were running when Kratos went down go back to the
 * queue through the rate-limit path, which does not count as an attempt.
 */
export interface KratosOutagePause {
  /** True while this process holds the queue because Kratos is down. */
  readonly down: boolean;
  /**
   * A job saw Kratos unavailable. Resolves true when Kratos is confirmed down (the queue is now held, and
   * the job should go back to the queue), false when Kratos answers its readiness probe (an ordinary
   * transient failure that counts as an attempt, so a failing endpoint cannot loop for ever).
   */
  confirmDown(): Promise<boolean>;
  /** How long the current hold lasts unless renewed; a job sent back waits about this long. */
  readonly holdMs: number;
  /** Call `listener` each time Kratos is confirmed down (running jobs that need Kratos stop early). */
  onDown(listener: () => void): () => void;
  close(): void;
}

export interface KratosOutagePauseOptions {
  /** Kratos readiness (GET /health/ready); false or a throw means not ready. */
  ready: () => Promise<boolean>;
  /** Stop all workers of the queue from taking jobs for `ms` (queue.rateLimit). */
  hold: (ms: number) => Promise<void>;
  /** Let them take jobs again (queue.removeRateLimitKey). */
  release: () => Promise<void>;
  logger: Logger;
  /** First probe interval; doubles up to `maxProbeIntervalMs` while Kratos stays down. @defaultValue 500 */
  minProbeIntervalMs?: number;
  /** @defaultValue 10 000 */
  maxProbeIntervalMs?: number;
  /** Readiness probe timeout. @defaultValue 5 000 */
  probeTimeoutMs?: number;
  /** Told on every change (metrics). */
  onChange?: (available: boolean) => void;
}

export function createKratosOutagePause(options: KratosOutagePauseOptions): KratosOutagePause {
  const minInterval = options.minProbeIntervalMs ?? 500;
  const maxInterval = options.maxProbeIntervalMs ?? 10_000;
  const probeTimeout = options.probeTimeoutMs ?? 5_000;
  // A hold outlives the next probe by a margin, so the queue does not reopen between two probes; it grows
  // with the probe interval, so a short outage costs a short pause.
  const holdFor = (interval: number) => 2 * interval + 1_000;
  let holdMs = holdFor(minInterval);
  const { logger } = options;
  let down = false;
  let closed = false;
  let entering: Promise<boolean> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const downListeners = new Set<() => void>();

  async function probe(): Promise<boolean> {
    try {
      return await withTimeout(options.ready(), probeTimeout);
    } catch {
      return false;
    }
  }

  function scheduleProbe(interval: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      void probeLoop(interval);
    }, interval);
    timer.unref();
  }

  async function probeLoop(interval: number): Promise<void> {
    if (closed) return;
    if (await probe()) {
      down = false;
      await options.release().catch((err: unknown) => logger.warn({ err }, 'could not lift the queue hold'));
      logger.info('kratos is ready again; jobs resume');
      options.onChange?.(true);
      return;
    }
    const next = Math.min(maxInterval, interval * 2);
    holdMs = holdFor(next);
    await options
      .hold(holdMs)
      .catch((err: unknown) => logger.warn({ err }, 'could not renew the queue hold'));
    scheduleProbe(next);
  }

  async function enterDown(): Promise<boolean> {
    if (await probe()) return false;
    down = true;
    holdMs = holdFor(minInterval);
    await options.hold(holdMs);
    logger.warn({ holdMs }, 'kratos is not ready; the queue is paused until it is');
    options.onChange?.(false);
    for (const listener of [...downListeners]) listener();
    scheduleProbe(minInterval);
    return true;
  }

  return {
    get down() {
      return down;
    },
    get holdMs() {
      return holdMs;
    },
    async confirmDown() {
      if (down) return true;
      // Many jobs fail together when Kratos goes away: they share one probe.
      entering ??= enterDown().finally(() => {
        entering = null;
      });
      return await entering;
    },
    onDown(listener) {
      downListeners.add(listener);
      return () => downListeners.delete(listener);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

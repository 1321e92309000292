import { describe, expect, it } from 'vitest';
import { withRetries, type RetryEvent, type RetryVerdict } from '../../src/outbound/retry-loop.ts';

class Failure extends Error {
  readonly transient: boolean;
  readonly waitMs: number | undefined;
  constructor(transient: boolean, waitMs?: number) {
    super(transient ? 'busy' : 'refused');
    this.transient = transient;
    this.waitMs = waitMs;
  }
}

/** Fails with `failures` in turn, then answers `ok`; records the attempts and the waits the loop announced. */
function scripted(failures: Failure[]) {
  const events: RetryEvent[] = [];
  let attempts = 0;
  const attempt = async () => {
    const failure = failures[attempts++];
    if (failure) throw failure;
    return 'ok';
  };
  const verdict = (error: Error): RetryVerdict => {
    const failure = error as Failure;
    if (!failure.transient) return { retry: false };
    return failure.waitMs === undefined ? { retry: true } : { retry: true, serverWaitMs: failure.waitMs };
  };
  return { events, attempt, verdict, attempts: () => attempts };
}

const timing = { minDelayMs: 1, maxDelayMs: 4 };

describe('withRetries', () => {
  it('retries what the verdict calls transient, with backoff, and returns the answer', async () => {
    const run = scripted([new Failure(true), new Failure(true)]);
    const result = await withRetries(run.attempt, {
      ...timing,
      retries: 3,
      serverWait: 'at-least',
      verdict: run.verdict,
      onRetry: (event) => run.events.push(event),
    });
    expect(result).toBe('ok');
    expect(run.attempts()).toBe(3);
    expect(run.events.map((e) => [e.attemptNumber, e.serverWait])).toEqual([
      [1, false],
      [2, false],
    ]);
    for (const event of run.events) expect(event.delayMs).toBeLessThanOrEqual(4);
  });

  it('ends at once on a failure the verdict does not retry, with the error it names', async () => {
    const run = scripted([new Failure(false)]);
    const named = new Error('named by the adapter');
    await expect(
      withRetries(run.attempt, {
        ...timing,
        retries: 3,
        serverWait: 'at-least',
        verdict: () => ({ retry: false, error: named }),
      }),
    ).rejects.toBe(named);
    expect(run.attempts()).toBe(1);
  });

  it('counts server-named waits against the retries in either mode, and ends with `exhausted`', async () => {
    for (const serverWait of ['instead', 'at-least'] as const) {
      const run = scripted([
        new Failure(true, 2),
        new Failure(true),
        new Failure(true, 2),
        new Failure(true),
      ]);
      const rejection = withRetries(run.attempt, {
        ...timing,
        retries: 2,
        serverWait,
        verdict: run.verdict,
        exhausted: (error) => new Error(`gave up: ${error.message}`),
        onRetry: (event) => run.events.push(event),
      });
      await expect(rejection).rejects.toThrow('gave up: busy');
      expect(run.attempts(), serverWait).toBe(3);
      expect(run.events.map((e) => e.serverWait)).toEqual([true, false]);
    }
  });

  it('waits what the server named instead of the backoff, or the longer of the two', async () => {
    const instead = scripted([new Failure(true, 30)]);
    await withRetries(instead.attempt, {
      minDelayMs: 200,
      maxDelayMs: 400,
      retries: 1,
      serverWait: 'instead',
      verdict: instead.verdict,
      onRetry: (event) => instead.events.push(event),
    });
    expect(instead.events.map((e) => e.delayMs)).toEqual([30]);

    const atLeast = scripted([new Failure(true, 30)]);
    await withRetries(atLeast.attempt, {
      minDelayMs: 50,
      maxDelayMs: 100,
      retries: 1,
      serverWait: 'at-least',
      verdict: atLeast.verdict,
      onRetry: (event) => atLeast.events.push(event),
    });
    expect(atLeast.events[0]!.delayMs).toBeGreaterThanOrEqual(50);
  });

  it('stops waiting when the signal is aborted, with its reason', async () => {
    const run = scripted([new Failure(true, 60_000)]);
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const pending = withRetries(run.attempt, {
      ...timing,
      retries: 1,
      serverWait: 'instead',
      signal: controller.signal,
      verdict: run.verdict,
      onRetry: () => controller.abort(reason),
    });
    await expect(pending).rejects.toBe(reason);
    expect(run.attempts()).toBe(1);
  });
});

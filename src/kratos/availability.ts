import { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger.ts';
import type { KratosError } from './errors.ts';

/** Events the client emits; the queue runtime pauses workers on `unavailable` and resumes on `recovered`. */
export interface KratosClientEventMap {
  /** `threshold` requests in a row got no answer (network error, timeout) or a 502/503/504. */
  unavailable: [error: KratosError];
  /** Kratos answered again after `unavailable`. */
  recovered: [];
}

/**
 * Tracks whether Kratos answers. One failed request is noise (a pod restart, one dropped connection);
 * `threshold` consecutive failures across all requests mean Kratos is down, and work should pause
 * rather than burn its attempts. Any HTTP answer other than 502/503/504 — a 404 or a 429 included —
 * proves Kratos is up.
 */
export class AvailabilityMonitor {
  readonly events = new EventEmitter<KratosClientEventMap>();
  readonly #threshold: number;
  readonly #logger: Logger;
  #failures = 0;
  #down = false;

  constructor(options: { threshold: number; logger: Logger }) {
    this.#threshold = Math.max(1, options.threshold);
    this.#logger = options.logger;
  }

  get available(): boolean {
    return !this.#down;
  }

  answered(): void {
    this.#failures = 0;
    if (!this.#down) return;
    this.#down = false;
    this.#logger.info('kratos answers again');
    this.#emit('recovered');
  }

  failed(error: KratosError): void {
    this.#failures++;
    if (this.#down || this.#failures < this.#threshold) return;
    this.#down = true;
    this.#logger.error({ err: error, failures: this.#failures }, 'kratos unavailable');
    this.#emit('unavailable', error);
  }

  #emit<K extends keyof KratosClientEventMap>(event: K, ...args: KratosClientEventMap[K]): void {
    try {
      // A listener's bug must not turn into a failed Kratos request.
      (this.events.emit as (event: K, ...args: KratosClientEventMap[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#logger.error({ err, event }, 'kratos availability listener threw');
    }
  }
}

/** Releases a permit; calling it twice is harmless. */
export type Release = () => void;

/**
 * At most `permits` holders at once; the rest wait in arrival order. A `Semaphore(1)` is a mutex.
 * The waiting queue is an array with a moving head so a long queue (100,000 writes waiting for 16 slots)
 * costs O(1) per hand-over instead of `Array.shift`'s O(n).
 */
export class Semaphore {
  #available: number;
  #waiting: Array<() => void> = [];
  #head = 0;

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1)
      throw new RangeError(`permits must be ≥ 1, got ${permits}`);
    this.#available = permits;
  }

  /** Holders waiting for a permit. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  acquire(): Promise<Release> {
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => this.#waiting.push(() => resolve(this.#releaser())));
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#handOver();
    };
  }

  #handOver(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head]!;
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      next();
      return;
    }
    this.#available++;
  }
}

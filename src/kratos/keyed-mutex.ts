import type { Release } from './semaphore.ts';

/**
 * One holder per key at a time, in arrival order; keys with no holder cost nothing (the map only holds
 * keys that are in use). Used for Ory Network's in-flight rule: one write per path at once.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Keys currently held or waited on. */
  get size(): number {
    return this.#tails.size;
  }

  async lock(key: string): Promise<Release> {
    const previous = this.#tails.get(key);
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => (unlock = resolve));
    const tail = previous ? previous.then(() => mine) : mine;
    this.#tails.set(key, tail);
    if (previous) await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      unlock();
      // Only the last holder in line removes the key; a later arrival has replaced the tail otherwise.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

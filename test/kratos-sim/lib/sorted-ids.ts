/**
 * Identity ids kept in ascending order, in chunks, so that insert/delete cost O(√N) and both keyset pages
 * (`id > token`, v26) and offset pages (v0.10, `ORDER BY id DESC OFFSET n`) cost O(chunks + page). A single
 * sorted array would need an O(N) splice per insert, which made 100k-identity benchmarks crawl.
 */
const MAX_CHUNK = 1024;

export class SortedIds {
  #chunks: string[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#chunks = [];
    this.#size = 0;
  }

  insert(id: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([id]);
      this.#size = 1;
      return;
    }
    const ci = this.#chunkFor(id);
    const chunk = this.#chunks[ci]!;
    chunk.splice(lowerBound(chunk, id), 0, id);
    this.#size++;
    if (chunk.length > MAX_CHUNK) this.#chunks.splice(ci + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  remove(id: string): boolean {
    if (this.#chunks.length === 0) return false;
    const ci = this.#chunkFor(id);
    const chunk = this.#chunks[ci]!;
    const i = lowerBound(chunk, id);
    if (chunk[i] !== id) return false;
    chunk.splice(i, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(ci, 1);
    return true;
  }

  /** Up to `limit` ids strictly greater than `after`, ascending. */
  after(after: string, limit: number): string[] {
    const out: string[] = [];
    if (this.#chunks.length === 0 || limit <= 0) return out;
    let ci = this.#chunkFor(after);
    let i = upperBound(this.#chunks[ci]!, after);
    while (ci < this.#chunks.length && out.length < limit) {
      const chunk = this.#chunks[ci]!;
      while (i < chunk.length && out.length < limit) out.push(chunk[i++]!);
      ci++;
      i = 0;
    }
    return out;
  }

  /** `limit` ids starting at rank `offset` of the ascending (or descending) order. */
  slice(offset: number, limit: number, descending: boolean): string[] {
    const out: string[] = [];
    if (offset >= this.#size || limit <= 0) return out;
    if (!descending) {
      let skip = offset;
      for (const chunk of this.#chunks) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        for (let i = skip; i < chunk.length && out.length < limit; i++) out.push(chunk[i]!);
        skip = 0;
        if (out.length >= limit) break;
      }
      return out;
    }
    let skip = offset;
    for (let ci = this.#chunks.length - 1; ci >= 0; ci--) {
      const chunk = this.#chunks[ci]!;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      for (let i = chunk.length - 1 - skip; i >= 0 && out.length < limit; i--) out.push(chunk[i]!);
      skip = 0;
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The chunk whose range should hold `id`: the last chunk whose first element is <= id. */
  #chunkFor(id: string): number {
    let lo = 0;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#chunks[mid]![0]! <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lowerBound(arr: string[], x: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(arr: string[], x: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

import { statSync } from 'node:fs';
import { abortable } from '../abortable.ts';
import { safeKeyOf } from '../record-meta.ts';
import { SourceError, sourceRowError, type SourceRecord } from '../types.ts';

/**
 * Files up to this size are indexed for `fetchOne`; larger ones are scanned per lookup, as before, so a
 * worker's memory does not grow with a huge export.
 */
const MAX_INDEXED_BYTES = 32 * 1024 * 1024;

/**
 * File times are coarse (the kernel's clock tick), so a file rewritten in place with the same size right
 * after it was read could keep its fingerprint. An index of a file modified this recently is used for the
 * callers that waited on it but not kept (the "racy" check git does for its index).
 */
const RACY_MS = 2_000;

/** What one whole read of the file says about every key: the same answers a scan would give. */
interface KeyIndex {
  fingerprint: string;
  /** The first readable record of each key (a scan stops at the first). */
  records: Map<string, SourceRecord>;
  /** The first bad row that might be this key (has the key), with its position in the file. */
  keyedDoubts: Map<string, { at: number; message: string }>;
  /** The first bad row without a key (it might be anyone). */
  keylessDoubt?: { at: number; message: string };
}

/**
 * `fetchOne` for a CSV export: a webhook's person job looks one person up, and scanning (reading and
 * parsing) the whole file per job cost ~6 ms of CPU per job at 2,000 rows. The file is read once into a
 * key index and the index is used until the file changes (device, inode, size, modification and change
 * times, read before and after the read: a file replaced while being read, or changed within RACY_MS
 * before, is not kept). Answers are the
 * same as `findByScan` over the same file: the first readable record with the key; otherwise a SourceError
 * when a bad row could be that person; otherwise null.
 */
export function createCsvLookup(options: {
  path: string;
  read: () => AsyncIterable<SourceRecord>;
  scan: (key: string, signal?: AbortSignal) => Promise<SourceRecord | null>;
  keyOf: (record: SourceRecord) => string | undefined;
  /** @defaultValue RACY_MS */
  racyMs?: number;
}): (key: string, signal?: AbortSignal) => Promise<SourceRecord | null> {
  let index: KeyIndex | undefined;
  let building: { fingerprint: string; done: Promise<KeyIndex> } | undefined;

  const build = async (fingerprint: string): Promise<KeyIndex> => {
    const built: KeyIndex = { fingerprint, records: new Map(), keyedDoubts: new Map() };
    let at = 0;
    for await (const record of options.read()) {
      at++;
      const problem = sourceRowError(record);
      if (problem === undefined) {
        const key = safeKeyOf(options.keyOf, record);
        if (key !== undefined && !built.records.has(key)) built.records.set(key, Object.freeze(record));
      } else if (problem.key === undefined) {
        built.keylessDoubt ??= { at, message: problem.message };
      } else if (!built.keyedDoubts.has(problem.key)) {
        built.keyedDoubts.set(problem.key, { at, message: problem.message });
      }
    }
    // Kept only when the file did not change while it was read, and was not changed just before.
    const after = await fingerprintOf(options.path);
    if (after.fingerprint === fingerprint && Date.now() - after.mtimeMs > (options.racyMs ?? RACY_MS))
      index = built;
    return built;
  };

  return async (key, signal) => {
    signal?.throwIfAborted();
    const file = await fingerprintOf(options.path).catch(() => undefined);
    // Unreadable or large: the scan reports (or handles) it exactly as before.
    if (!file || file.size > MAX_INDEXED_BYTES) return await options.scan(key, signal);
    let current = index?.fingerprint === file.fingerprint ? index : undefined;
    if (!current) {
      if (building?.fingerprint !== file.fingerprint) {
        const started = { fingerprint: file.fingerprint, done: build(file.fingerprint) };
        building = started;
        const forget = () => {
          if (building === started) building = undefined;
        };
        started.done.then(forget, forget);
      }
      try {
        current = await abortable(building.done, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        // A file that cannot be read whole (truncated, a stray quote) may still hold this person before the
        // broken part: the scan answers exactly as it always has.
        return await options.scan(key, signal);
      }
    }
    return answer(current, key);
  };
}

function answer(index: KeyIndex, key: string): SourceRecord | null {
  const record = index.records.get(key);
  if (record) return record;
  const keyed = index.keyedDoubts.get(key);
  const keyless = index.keylessDoubt;
  const doubt = keyed && keyless ? (keyed.at < keyless.at ? keyed : keyless) : (keyed ?? keyless);
  if (doubt !== undefined) {
    throw new SourceError(
      `no readable record has key "${key}", but a record could not be read (${doubt.message})`,
      { transient: false },
    );
  }
  return null;
}

/**
 * Synchronous on purpose: it runs once per lookup, and on the machines measured an async `stat` (a round
 * trip through libuv's thread pool) cost ~60-75 µs of CPU where `statSync` of a local file costs ~2 µs —
 * the async form was the largest single cost of a CSV `person.sync` job after the index existed.
 */
async function fingerprintOf(path: string): Promise<{ fingerprint: string; size: number; mtimeMs: number }> {
  const s = statSync(path, { bigint: true });
  return {
    fingerprint: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`,
    size: Number(s.size),
    // The later of the two: ctime moves on any change, including a `touch` that sets an old mtime.
    mtimeMs: Number((s.mtimeNs > s.ctimeNs ? s.mtimeNs : s.ctimeNs) / 1_000_000n),
  };
}

import { catalogueCode } from '../errors/describe-error.ts';
import { safeKeyOf } from '../sources/record-meta.ts';
import { sourceRowError, type SourceRecord } from '../sources/types.ts';
import type { SourceRuntime } from './context.ts';

/** What the source says now about one person: their record, null (it does not have them), or that it cannot say. */
export type SourceAnswer = { record: SourceRecord | null } | { unknown: { code: string; why: string } };

/**
 * Up to this many people are looked up one by one (`fetchOne`); more are read in one pass of the stream. A
 * source without a single-record endpoint answers `fetchOne` by reading everything, and held removals are
 * mostly of people it no longer has — the worst case of such a scan — so a large held run would otherwise
 * read the whole source once per person.
 */
export const ONE_BY_ONE_AT_MOST = 20;

/**
 * The source's answer for each key, with `fetchOne`'s meaning in both ways of asking: a readable record with
 * the key (the first); otherwise unknown when a row that could be that person could not be read (a bad row
 * with that key, or without a key) or when the source failed; otherwise null. Error texts are not kept: they
 * may carry what the remote system sent back.
 */
export async function readHeldPeople(
  runtime: SourceRuntime,
  keys: readonly string[],
): Promise<Map<string, SourceAnswer>> {
  if (keys.length <= ONE_BY_ONE_AT_MOST) {
    const answers = new Map<string, SourceAnswer>();
    for (const key of keys) {
      answers.set(
        key,
        await runtime.source.fetchOne(key).then(
          (record) => ({ record }),
          (err: unknown) => failed(err),
        ),
      );
    }
    return answers;
  }
  return await readInOnePass(runtime, keys);
}

async function readInOnePass(runtime: SourceRuntime, keys: readonly string[]) {
  const wanted = new Set(keys);
  const found = new Map<string, SourceRecord>();
  const doubted = new Map<string, string>();
  let anyone: string | undefined; // a bad row without a key: it could be any of them
  try {
    for await (const record of runtime.source.stream()) {
      const problem = sourceRowError(record);
      if (problem?.key === undefined && problem) anyone ??= problem.message;
      else if (problem?.key !== undefined) {
        if (wanted.has(problem.key) && !doubted.has(problem.key)) doubted.set(problem.key, problem.message);
      } else {
        const key = safeKeyOf(runtime.mapper.keyOf, record);
        if (key !== undefined && wanted.has(key) && !found.has(key)) found.set(key, record);
      }
    }
  } catch (err) {
    const answer = failed(err);
    return new Map(keys.map((key) => [key, answer]));
  }
  const answers = new Map<string, SourceAnswer>();
  for (const key of keys) {
    const record = found.get(key);
    const doubt = doubted.get(key) ?? anyone;
    if (record) answers.set(key, { record });
    else if (doubt !== undefined)
      answers.set(key, {
        unknown: { code: 'SYNC_ERR_SOURCE_REFUSED', why: `a record could not be read (${doubt})` },
      });
    else answers.set(key, { record: null });
  }
  return answers;
}

function failed(err: unknown): SourceAnswer {
  const code = catalogueCode(err) ?? 'SYNC_ERR_SOURCE_UNAVAILABLE';
  return { unknown: { code, why: `the source could not be read (${code})` } };
}

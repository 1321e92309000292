import type { ReportError } from '../domain/run-report.ts';

export interface SnapshotDoubtOptions {
  /** The source may legitimately read empty or shrink without limit (`sources.<name>.mayBeEmpty`). */
  mayBeEmpty: boolean;
  /** `guard.maxSourceShrink`: the largest fraction of records that may vanish between two complete reads. */
  maxSourceShrink: number;
}

/**
 * A read that ended normally can still be wrong: a header-only CSV export, an HTTP API whose first page
 * came back empty during an outage, a filter that silently changed. Such a read would make everyone a
 * leaver, so it is doubted like a read that failed: an empty read always (unless the source may be empty),
 * and one that shrank by more than `maxSourceShrink` since the last complete read. Exactly at the limit
 * passes. Returns why the read is doubted, or nothing.
 */
export function snapshotDoubt(
  records: number,
  lastComplete: number | null,
  options: SnapshotDoubtOptions,
): ReportError | undefined {
  if (options.mayBeEmpty) return undefined;
  if (records === 0) {
    return {
      code: 'SYNC_ERR_SOURCE_SUSPECT',
      message:
        'the source returned no records; treated as incomplete, so no one is removed ' +
        '(set mayBeEmpty: true if this source may really be empty)',
    };
  }
  if (lastComplete === null || lastComplete === 0) return undefined;
  const shrink = (lastComplete - records) / lastComplete;
  if (shrink <= options.maxSourceShrink) return undefined;
  return {
    code: 'SYNC_ERR_SOURCE_SUSPECT',
    message:
      `the source returned ${records} records, ${Math.round(shrink * 100)} % fewer than the ${lastComplete} ` +
      `of its last complete read (more than guard.maxSourceShrink ${options.maxSourceShrink}); treated as ` +
      'incomplete, so no one is removed (raise maxSourceShrink or set mayBeEmpty if the drop is real)',
  };
}

import type { SourceRecord } from '../sources/types.ts';
import type { DesiredIdentity, QuarantinedRecord } from '../domain/plan.ts';

/** The outcome of mapping one source record. */
export type MappingResult =
  | { ok: true; desired: DesiredIdentity; record: SourceRecord }
  /** The record is not in scope (the scope filter said no): treated as absent from the source. */
  | { ok: 'out-of-scope'; key: string }
  | { ok: false; quarantine: QuarantinedRecord };

/** A source's compiled mapping (expressions compiled once, at start-up). */
export interface Mapper {
  /** The record's key (config `mapping.key`, a dotted path), or undefined when missing/empty. */
  keyOf(record: SourceRecord): string | undefined;
  /** Map and validate one record. `position` is its 1-based place in the source (for quarantine messages). */
  map(record: SourceRecord, position: number, now: Date): Promise<MappingResult>;
}

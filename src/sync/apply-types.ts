import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditWriter } from '../store/audit-store.ts';
import type { MarkerIndex } from '../store/marker-index.ts';
import type { ReceiptStore } from '../store/receipt-store.ts';
import type { ImageRecorder } from './before-image.ts';
import type { SyncHooks } from './context.ts';
import type { ItemOutcome, ReportError } from '../domain/run-report.ts';
import type { PlanAction } from '../domain/plan.ts';

export type CreateAction = Extract<PlanAction, { kind: 'create' }>;
export type WriteAction = Extract<PlanAction, { kind: 'update' | 'adopt' | 'reactivate' }>;
export type RemovalAction = Extract<PlanAction, { kind: 'deactivate' | 'delete' }>;

/** How one planned action ended. One failing person never stops the others. */
export interface ItemResult {
  action: PlanAction;
  outcome: ItemOutcome;
  identityId?: string;
  error?: ReportError;
  /** How it was settled when that is worth telling (e.g. "created by an earlier attempt: found by lookup"). */
  note?: string;
}

/** Everything applying a plan of one source needs (built from the SyncContext by `applyDepsFor`). */
export interface ApplyDeps {
  kratos: KratosClient;
  logger: Logger;
  now: () => Date;
  source: string;
  index: MarkerIndex;
  audit: AuditWriter;
  receipts?: ReceiptStore;
  hooks: SyncHooks;
  /** Entries per batch create request (config.kratos.batchSize). */
  batchSize: number;
  /** Single writes in flight (config.kratos.concurrency). */
  concurrency: number;
  /** Keeps what writes and removals overwrite or delete, for `undo` (runs that can be undone, with undo.key). */
  images?: ImageRecorder;
}

export interface ApplyProgress {
  done: number;
  total: number;
}

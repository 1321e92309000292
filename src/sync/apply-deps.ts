import type { KratosCapabilities } from '../kratos/types.ts';
import { createAuditWriter } from '../store/audit-store.ts';
import { createMarkerIndex } from '../store/marker-index.ts';
import { createReceiptStore } from '../store/receipt-store.ts';
import { createRunStore, type RunStore } from '../store/run-store.ts';
import { createBeforeImageStore } from '../store/before-image-store.ts';
import type { ApplyDeps } from './apply-types.ts';
import { createImageRecorder } from './before-image.ts';
import type { SourceRuntime, SyncContext } from './context.ts';

/** The configured source by name, or a clear error listing the ones that exist. */
export function sourceRuntime(ctx: SyncContext, sourceName: string): SourceRuntime {
  const runtime = ctx.sources.get(sourceName);
  if (!runtime) {
    const known = [...ctx.sources.keys()].map((name) => `"${name}"`).join(', ');
    throw new Error(`unknown source "${sourceName}" (configured: ${known || 'none'})`);
  }
  return runtime;
}

/**
 * `keepImages`: this apply belongs to a stored run that `undo` can take back (a full sync or its approval),
 * so what it overwrites or deletes is kept, sealed, when `undo.key` is set.
 */
export function applyDepsFor(
  ctx: SyncContext,
  sourceName: string,
  runId?: string,
  options: { keepImages?: boolean } = {},
): ApplyDeps {
  const prefix = ctx.config.redis.prefix;
  const images =
    options.keepImages && runId ? createImageRecorder(beforeImageStoreFor(ctx), runId) : undefined;
  return {
    ...(images ? { images } : {}),
    kratos: ctx.kratos,
    logger: ctx.logger.child(runId ? { source: sourceName, runId } : { source: sourceName }),
    now: ctx.now,
    source: sourceName,
    index: createMarkerIndex(ctx.redis, prefix, sourceName),
    audit: createAuditWriter(ctx.redis, prefix),
    receipts: createReceiptStore({ redis: ctx.redis, prefix }),
    hooks: ctx.hooks,
    batchSize: batchSizeFor(ctx.config.kratos.batchSize, ctx.kratos.capabilities),
    concurrency: ctx.config.kratos.concurrency,
  };
}

export function beforeImageStoreFor(ctx: SyncContext) {
  return createBeforeImageStore({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    key: ctx.config.undo.key,
    keepForMs: ctx.config.undo.keepFor,
  });
}

export function runStoreFor(ctx: SyncContext): RunStore {
  const observer = ctx.runObserver;
  return createRunStore(ctx.redis, ctx.config.redis.prefix, {
    ...(observer ? { onSaved: (report) => observer.runSaved(report) } : {}),
  });
}

/**
 * Entries per batch create: the configured size, or else as many as the server accepts (2000 up to v1.3,
 * 1000 from v25.4), never more than that. Without batch create it only sets how many creates are settled
 * together (the default 1000).
 */
export function batchSizeFor(configured: number | undefined, capabilities: KratosCapabilities): number {
  const limit = capabilities.batchCreate ? capabilities.batchLimit : 0;
  const wanted = configured ?? (limit > 0 ? limit : 1000);
  return limit > 0 ? Math.min(wanted, limit) : wanted;
}

import type { Identity } from '../domain/identity.ts';
import { adminDigest } from '../store/admin-digest.ts';
import { createMarkerIndex, type MarkerIndexEntry } from '../store/marker-index.ts';
import { acquireSyncLock, type SyncLock } from '../store/sync-lock.ts';
import { mapPool } from './apply-pool.ts';
import { scanMarkerPages } from './marker-scan.ts';
import type { SyncContext } from './context.ts';
import { readMarker } from '../domain/ownership-marker.ts';

export interface ReindexResult {
  source: string;
  /** Identities Kratos listed. */
  listed: number;
  /** Identities read by id to see their `metadata_admin` (v0.10 lists leave it out). */
  read: number;
  /** Identities carrying this source's marker: the index now holds exactly these. */
  indexed: number;
  /** Entries the old index had for identities that are gone or no longer ours. */
  dropped: number;
}

type IndexRow = { identityId: string } & MarkerIndexEntry;

/**
 * Rebuild the marker index of these sources from Kratos (`kratos-sync reindex`), after Redis lost it or was
 * restored from an older backup. Every identity is listed; where the list leaves out `metadata_admin`
 * (v0.10) each is read by id, a page at a time with `kratos.concurrency` reads in flight. Identities that
 * carry a source's marker become its entries; entries for anything else are dropped, and unmarked
 * identities are remembered so full syncs do not read them again. Takes each source's sync lock, so no full
 * sync or approval writes the index meanwhile. Nothing in Kratos is changed.
 */
export async function reindexSources(
  ctx: SyncContext,
  sources: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<ReindexResult[]> {
  const locks: SyncLock[] = [];
  try {
    for (const source of sources) {
      locks.push(
        await acquireSyncLock({
          redis: ctx.redis,
          prefix: ctx.config.redis.prefix,
          source,
          logger: ctx.logger,
          holder: 'reindex',
        }),
      );
    }
    const signal = AbortSignal.any([
      ...locks.map((l) => l.lost),
      ...(options.signal ? [options.signal] : []),
    ]);
    const scan = await scanMarkers(ctx, new Set(sources), signal);
    const results: ReindexResult[] = [];
    for (const source of sources) {
      const rows = scan.rows.get(source) ?? [];
      const dropped = await replaceIndex(ctx, source, rows, scan.unmarked);
      results.push({ source, listed: scan.listed, read: scan.read, indexed: rows.length, dropped });
      ctx.logger.info({ source, indexed: rows.length, dropped }, 'marker index rebuilt from Kratos');
    }
    return results;
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}

interface MarkerScan {
  listed: number;
  read: number;
  /** Entries found, by source. */
  rows: Map<string, IndexRow[]>;
  /** Identities without a marker of any selected source, with their `updated_at`. */
  unmarked: Array<{ id: string; updatedAt: string }>;
}

async function scanMarkers(ctx: SyncContext, sources: ReadonlySet<string>, signal: AbortSignal) {
  const listsMarkers = ctx.kratos.capabilities.listIncludesAdminMetadata;
  const scan: MarkerScan = { listed: 0, read: 0, rows: new Map(), unmarked: [] };
  const pages = scanMarkerPages(ctx.kratos, {
    pageSize: ctx.config.kratos.pageSize,
    concurrency: ctx.config.kratos.concurrency,
    signal,
  });
  for await (const page of pages) {
    scan.listed += page.listed;
    scan.read += page.read;
    for (const identity of page.identities) record(scan, identity, sources, listsMarkers);
  }
  return scan;
}

function record(scan: MarkerScan, identity: Identity, sources: ReadonlySet<string>, listsMarkers: boolean) {
  const marker = readMarker(identity);
  if (marker && sources.has(marker.source)) {
    const rows = scan.rows.get(marker.source) ?? [];
    // v0.10 planning restores the unchanged admin metadata from this digest (the list cannot show it).
    rows.push({
      identityId: identity.id,
      marker,
      ...(listsMarkers ? {} : { adminDigest: adminDigest(identity.metadata_admin) }),
    });
    scan.rows.set(marker.source, rows);
  } else if (identity.updated_at) {
    scan.unmarked.push({ id: identity.id, updatedAt: identity.updated_at });
  }
}

/** Write the entries found, drop every other entry, remember the unmarked; returns how many were dropped. */
async function replaceIndex(
  ctx: SyncContext,
  source: string,
  rows: IndexRow[],
  unmarked: MarkerScan['unmarked'],
): Promise<number> {
  const index = createMarkerIndex(ctx.redis, ctx.config.redis.prefix, source);
  const kept = new Set(rows.map((row) => row.identityId));
  const stale: string[] = [];
  for await (const [id] of index.rawEntries()) if (!kept.has(id)) stale.push(id);
  for (const id of stale) await index.remove(id);
  await index.putMany(rows);
  await mapPool(unmarked, 32, ({ id, updatedAt }) => index.rememberUnmarked(id, updatedAt));
  return stale.length;
}

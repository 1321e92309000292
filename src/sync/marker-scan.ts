import type { Identity } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import { mapPool } from './apply-pool.ts';
import { nullOnNotFound } from '../kratos/errors.ts';

/** One page of the identity list, each identity with the `metadata_admin` that holds its ownership marker. */
export interface MarkerPage {
  /** Identities on this page not seen on an earlier one (offset pages can repeat an identity). */
  listed: number;
  /** How many of them were read by id to see their `metadata_admin` (v0.10 lists leave it out). */
  read: number;
  /** The identities whose marker can be read: as listed (v1.0+) or as read by id (v0.10). */
  identities: Identity[];
}

export interface MarkerScanOptions {
  pageSize?: number;
  /** Reads by id in flight at once (v0.10). */
  concurrency: number;
  signal?: AbortSignal;
  /**
   * v0.10: the ids of a listed page whose marker the caller already knows and need not be read by id.
   * Without it every identity is read (`reindex` rebuilds from Kratos alone).
   */
  knownIds?: (listed: Identity[]) => Promise<ReadonlySet<string>>;
}

/**
 * The whole identity list a page at a time, as a scan for ownership markers needs it. v1.0+ lists carry
 * `metadata_admin`, so the page is the answer; v0.10 lists omit it (its identity list handler returns the
 * public fields only), so each identity is read by id, `concurrency` at a time. The caller decides when to
 * stop: a rebuild reads every page, a search for one person stops at the page that holds them.
 */
export async function* scanMarkerPages(
  kratos: KratosClient,
  options: MarkerScanOptions,
): AsyncGenerator<MarkerPage> {
  const listsMarkers = kratos.capabilities.listIncludesAdminMetadata;
  // Only offset pages can repeat an identity (the list changed between two pages); keyset pages cannot, so
  // there a scan holds one page at a time rather than every id it listed.
  const seen = kratos.capabilities.keysetPages ? undefined : new Set<string>();
  for await (const page of kratos.listIdentities(
    options.pageSize === undefined ? {} : { pageSize: options.pageSize },
  )) {
    options.signal?.throwIfAborted();
    const fresh = seen ? page.filter((identity) => !seen.has(identity.id)) : page;
    if (seen) for (const identity of fresh) seen.add(identity.id);
    if (listsMarkers) {
      yield { listed: fresh.length, read: 0, identities: fresh };
      continue;
    }
    const known = options.knownIds ? await options.knownIds(fresh) : new Set<string>();
    const toRead = fresh.filter((identity) => !known.has(identity.id));
    const read = await mapPool(
      toRead,
      options.concurrency,
      (identity) => kratos.getIdentity(identity.id).catch(nullOnNotFound),
      options.signal,
    );
    yield {
      listed: fresh.length,
      read: toRead.length,
      identities: read.filter((identity): identity is Identity => identity !== null),
    };
  }
}

import type { Identity } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { Logger } from '../log/logger.ts';
import { adminDigest } from '../store/admin-digest.ts';
import {
  parseIndexEntry,
  serializeIndexEntry,
  type MarkerIndex,
  type MarkerIndexEntry,
} from '../store/marker-index.ts';
import { mapPool } from './apply-pool.ts';
import { markerOf, markerValue, readMarker, MARKER_FIELD } from '../domain/ownership-marker.ts';
import { isSettled, restoreFromDigest } from './managed-unchanged.ts';
import { type DesiredIdentity, type ManagedIdentity } from '../domain/plan.ts';
import { nullOnNotFound } from '../kratos/errors.ts';

/**
 * Which identities in Kratos this source owns (only these are ever changed).
 *
 * Lists carry `metadata_admin` from v1.0 on, so the marker is read from the page itself and the marker index
 * is brought in line with it. v0.10 lists omit `metadata_admin` (docs/kratos-behaviour.md, "Listing
 * identities"): there, an identity is managed when the marker index says so (the index is only written
 * after we wrote the marker). An identity not in the index is read once by id — that answer includes `metadata_admin` — so an index that Redis lost
 * or that was restored from an older backup is repaired and no leaver is forgotten; one found unmarked is
 * remembered at its `updated_at` so it is not read again until it changes.
 */
export interface ManagedScan {
  managed: ManagedIdentity[];
  /** Identities owned by another source whose external_id a desired person has (reported as collisions). */
  foreign: ManagedIdentity[];
  /** Unmanaged identities holding a desired person's email, by lowercased email (adoption candidates). */
  unmanagedByEmail: Map<string, Identity>;
  /** v0.10: digest of the `metadata_admin` we last wrote, by identity id (see restoreAdminMetadata). */
  adminDigests: Map<string, string>;
  /**
   * Keys of people settled while listing (see `isSettled`, only with `desiredByKey`): their identity is
   * ours, unique for the key so far, and already holds what the source says. They are left out of
   * `managed`; the planner must not see their desired record either (see `onSettled`).
   */
  settledKeys: Set<string>;
  /** Identities found for a key already settled: the planner reports them as duplicates. */
  duplicatesOfSettled: ManagedIdentity[];
  /** Identities listed in total. */
  listed: number;
  /** GETs made to recover lost index entries (v0.10). */
  recovered: number;
}

export interface ListManagedDeps {
  kratos: KratosClient;
  index: MarkerIndex;
  logger: Logger;
  source: string;
  concurrency: number;
}

export interface ListManagedOptions {
  /** Lowercased emails of the desired people: which unmanaged identities matter (adoption, conflicts). */
  desiredEmails: ReadonlySet<string>;
  /** External ids of the desired people (v25.4+): identities of other sources holding one are collisions. */
  desiredExternalIds?: ReadonlySet<string>;
  /** The desired people by key: lets unchanged people be settled while listing (saves memory). */
  desiredByKey?: ReadonlyMap<string, DesiredIdentity>;
  /**
   * Called with each key settled while listing. The full sync deletes the person's record from its own
   * `desiredByKey` here, so 100 000 records are let go of while the pages arrive rather than after the last
   * (a smaller live heap while parsing pages is a smaller peak); what is left is what the planner needs.
   */
  onSettled?: (key: string) => void;
  /** Read only: the index is not repaired. */
  dryRun?: boolean;
  pageSize?: number;
  signal?: AbortSignal;
  onListed?: (listed: number) => void;
}

export async function listManaged(deps: ListManagedDeps, options: ListManagedOptions): Promise<ManagedScan> {
  // Stored text, not parsed entries: 100 000 of them are compared far more cheaply (and smaller) as strings.
  const indexed = new Map<string, string>();
  for await (const [id, raw] of deps.index.rawEntries()) indexed.set(id, raw);
  const listsMarkers = deps.kratos.capabilities.listIncludesAdminMetadata;
  const scan: ManagedScan = {
    managed: [],
    foreign: [],
    unmanagedByEmail: new Map(),
    adminDigests: new Map(),
    settledKeys: new Set(),
    duplicatesOfSettled: [],
    listed: 0,
    recovered: 0,
  };
  const keptKeys = new Set<string>();
  const externalIds = deps.kratos.capabilities.externalIdLookup;
  /** A managed identity: settled on the spot when it already matches its person, kept for the planner otherwise. */
  const keep = (managed: ManagedIdentity): void => {
    const key = managed.marker.key;
    if (scan.settledKeys.has(key)) {
      scan.duplicatesOfSettled.push(managed);
      return;
    }
    const desired = keptKeys.has(key) ? undefined : options.desiredByKey?.get(key);
    if (desired && isSettled(desired, managed.identity, managed.marker, deps.source, externalIds)) {
      scan.settledKeys.add(key);
      options.onSettled?.(key);
      return;
    }
    keptKeys.add(key);
    scan.managed.push(managed);
  };
  const toIndex: Array<{ identityId: string } & MarkerIndexEntry> = [];
  const dropped: string[] = [];
  const seen = listsMarkers ? undefined : new Set<string>();
  const lostBefore = toIndex.length;

  for await (const page of deps.kratos.listIdentities({ pageSize: options.pageSize })) {
    options.signal?.throwIfAborted();
    const unknown: Array<{ identity: Identity; email: string | undefined }> = [];
    for (const listed of page) {
      // Offset pages (v0.10) can repeat an identity when the list changes during the scan.
      if (seen?.has(listed.id)) continue;
      seen?.add(listed.id);
      scan.listed += 1;
      const identity = slim(listed);
      const raw = indexed.get(identity.id);
      // What is left in `indexed` after the scan was not listed at all (checked by id below).
      indexed.delete(identity.id);
      if (listsMarkers) {
        const marker = markerOf(identity, deps.source);
        if (marker) {
          // The list shows metadata_admin here, so the index needs no digest (only the marker, for lookups).
          if (raw !== serializeIndexEntry({ marker })) toIndex.push({ identityId: identity.id, marker });
          keep({ identity, marker });
          continue;
        }
        if (raw !== undefined) dropped.push(identity.id); // listed, and the list says it is not ours
        const other = readMarker(identity);
        if (other && identity.external_id && options.desiredExternalIds?.has(identity.external_id)) {
          scan.foreign.push({ identity, marker: other });
        }
      }
      const entry = !listsMarkers && raw !== undefined ? parseIndexEntry(raw) : null;
      if (entry && entry.marker.source === deps.source) {
        // The listing has no metadata_admin: show the marker we know we wrote, and restore the rest from
        // the digest when this run would write exactly what was written last time.
        identity.metadata_admin = { [MARKER_FIELD]: markerValue(entry.marker) };
        if (options.desiredByKey) {
          restoreFromDigest(
            identity,
            options.desiredByKey.get(entry.marker.key),
            entry.adminDigest,
            deps.source,
          );
        } else if (entry.adminDigest) {
          scan.adminDigests.set(identity.id, entry.adminDigest);
        }
        keep({ identity, marker: entry.marker });
        continue;
      }
      const email = matchingEmail(listed, options.desiredEmails);
      if (listsMarkers) {
        if (email) scan.unmanagedByEmail.set(email, identity);
      } else {
        unknown.push({ identity, email });
      }
    }
    // v0.10: an identity missing from the index may still be ours — the index lives in Redis, which can be
    // flushed or restored from an older backup — and a leaver among them would never be found again. Each
    // is read by id once; one found unmarked is remembered at its `updated_at` and not read again.
    await recoverLostEntries(deps, scan, await notKnownUnmarked(deps.index, unknown), toIndex, options);
    options.onListed?.(scan.listed);
  }
  const lost = toIndex.length - lostBefore;
  if (lost > 0 && !listsMarkers)
    deps.logger.warn(
      { source: deps.source, recovered: lost },
      'the marker index did not cover every managed identity: re-read them by id and indexed them again',
    );
  await verifyUnlisted(deps, scan, indexed, dropped, options);
  if (!options.dryRun) await repairIndex(deps, toIndex, dropped);
  return scan;
}

/** v0.10: read identities that are not in the index by id (that answer has metadata_admin): whose are they? */
async function recoverLostEntries(
  deps: ListManagedDeps,
  scan: ManagedScan,
  toCheck: Array<{ identity: Identity; email: string | undefined }>,
  toIndex: Array<{ identityId: string } & MarkerIndexEntry>,
  options: ListManagedOptions,
): Promise<void> {
  const read = await mapPool(
    toCheck,
    deps.concurrency,
    async ({ identity }) => deps.kratos.getIdentity(identity.id).catch(nullOnNotFound),
    options.signal,
  );
  scan.recovered += read.length;
  for (const [i, full] of read.entries()) {
    const { email } = toCheck[i]!;
    if (!full) continue; // deleted since it was listed, or unreadable now: neither ours nor adoptable
    const marker = markerOf(full, deps.source);
    if (marker) {
      scan.managed.push({ identity: slim(full), marker });
      toIndex.push({ identityId: full.id, marker, adminDigest: adminDigest(full.metadata_admin) });
      deps.logger.debug({ identityId: full.id }, 'recovered a lost marker index entry');
    } else {
      if (email) scan.unmanagedByEmail.set(email, slim(full));
      if (!options.dryRun && full.updated_at) await deps.index.rememberUnmarked(full.id, full.updated_at);
    }
  }
}

/**
 * Index entries whose identity the list did not show: deleted outside kratos-sync — or skipped by a list
 * that changed under the scan (offset pages can skip). Read each by id before believing it gone: an
 * identity that still carries our marker stays managed (its person may be a leaver), never forgotten.
 */
async function verifyUnlisted(
  deps: ListManagedDeps,
  scan: ManagedScan,
  unlisted: Map<string, string>,
  dropped: string[],
  options: ListManagedOptions,
): Promise<void> {
  const ids = [...unlisted.keys()];
  const read = await mapPool(
    ids,
    deps.concurrency,
    (id) => deps.kratos.getIdentity(id).catch(nullOnNotFound),
    options.signal,
  );
  read.forEach((identity, i) => {
    const marker = identity ? markerOf(identity, deps.source) : null;
    if (identity && marker) scan.managed.push({ identity: slim(identity), marker });
    else dropped.push(ids[i]!);
  });
}

async function repairIndex(
  deps: ListManagedDeps,
  toIndex: Array<{ identityId: string } & MarkerIndexEntry>,
  dropped: string[],
): Promise<void> {
  await deps.index.putMany(toIndex);
  const recovered = new Set(toIndex.map((entry) => entry.identityId));
  for (const id of dropped) if (!recovered.has(id)) await deps.index.remove(id);
}

/** The listed identities not already read and found unmarked at their current `updated_at`. */
async function notKnownUnmarked<T extends { identity: Identity }>(
  index: MarkerIndex,
  listed: T[],
): Promise<T[]> {
  if (listed.length === 0) return listed;
  const known = await index.knownUnmarked(listed.map(({ identity }) => identity));
  return listed.filter(({ identity }) => !known.has(identity.id));
}

/** The email of `identity` that a desired person has, if any. */
function matchingEmail(identity: Identity, desiredEmails: ReadonlySet<string>): string | undefined {
  for (const address of [...(identity.verifiable_addresses ?? []), ...(identity.recovery_addresses ?? [])]) {
    const email = address.value.toLowerCase();
    if (desiredEmails.has(email)) return email;
  }
  const traitEmail = identity.traits?.email;
  if (typeof traitEmail === 'string' && desiredEmails.has(traitEmail.toLowerCase()))
    return traitEmail.toLowerCase();
  return undefined;
}

/**
 * Only the fields the plan compares: 100 000 identities with addresses, credentials and timestamps would
 * cost several hundred MB; without them they fit comfortably in the run's memory budget.
 */
function slim(identity: Identity): Identity {
  const kept: Identity = { id: identity.id, schema_id: identity.schema_id, traits: identity.traits };
  if (identity.state !== undefined) kept.state = identity.state;
  if (identity.metadata_public !== undefined) kept.metadata_public = identity.metadata_public;
  if (identity.metadata_admin !== undefined) kept.metadata_admin = identity.metadata_admin;
  if (identity.external_id !== undefined) kept.external_id = identity.external_id;
  if (identity.updated_at !== undefined) kept.updated_at = identity.updated_at;
  // The planner keeps the older of two identities with one key (a duplicate never displaces the original).
  if (identity.created_at !== undefined) kept.created_at = identity.created_at;
  return kept;
}

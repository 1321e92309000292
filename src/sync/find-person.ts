import type { Identity } from '../domain/identity.ts';
import { digestOf } from './apply.ts';
import { mapPool } from './apply-pool.ts';
import type { ApplyDeps } from './apply-types.ts';
import { markerOf, readMarker } from '../domain/ownership-marker.ts';
import type { MarkerIndexEntry } from '../store/marker-index.ts';
import { scanMarkerPages } from './marker-scan.ts';
import type { DesiredIdentity, ManagedIdentity } from '../domain/plan.ts';
import { nullOnNotFound } from '../kratos/errors.ts';

export interface FoundPerson {
  /** The person's identity, proven ours by its marker (read by id, so never a stale list entry). */
  managed?: ManagedIdentity;
  /** Identities of other sources holding the person's external_id (the plan reports the collision). */
  others: ManagedIdentity[];
  /** An identity holding the person's email that is not theirs (adoption candidate or collision). */
  adoptable: Map<string, Identity>;
}

/**
 * Find one person's identity without listing everyone: the marker index first (person key → identity id,
 * confirmed by GET), then the external_id lookup (v25.4+) and the email identifier filter (v1.0+). v0.10 has no
 * lookup filter: beyond the index it scans the list only when adoption is on (otherwise a create that
 * collides is resolved by the create's own conflict lookup).
 *
 * A leaver is the exception to "without listing everyone": when none of that finds them — the index lost
 * their entry (Redis flushed or restored) and no lookup can reach them (v0.10 has none; a record gone from
 * the source has no email or external_id to look up; a leaver's email may have changed) — the list is
 * scanned for their ownership marker (`scanForMarker`), or they would keep their access until the next full
 * sync. Joiners and updates do not scan: a create that collides with their identity finds it by its own
 * lookup, so a missing entry costs them nothing but that.
 */
export async function findPerson(
  deps: ApplyDeps,
  key: string,
  desired: DesiredIdentity | undefined,
  adoptByEmail: boolean,
  options: {
    /**
     * The person's marker-index entry (identity id, null: none) when the caller already read it under the
     * person's lock (a `person.sync` job reads it in the lock's own round trip); read here otherwise.
     */
    indexedId?: string | null;
    /**
     * Reads the indexed identity by id instead of `kratos.getIdentity`, with the same answers (a `person.sync`
     * job passes a reader that coalesces the reads of jobs running together: src/kratos/identity-loader.ts).
     */
    readIdentity?: (id: string) => Promise<Identity>;
    /**
     * The source says this person left (`readingSaysLeft`): if no lookup finds their identity, scan the
     * identity list for their marker rather than answer "no identity".
     */
    leaver?: boolean;
    /** Stops that scan (the person's lock was lost, the job is shutting down). */
    signal?: AbortSignal;
    /**
     * What `findIndexed` already answered for this person (null: the index has no live entry), when the
     * caller looked it up while it read the source record; looked up here otherwise.
     */
    indexed?: ManagedIdentity | null;
  } = {},
): Promise<FoundPerson> {
  const found: FoundPerson = { others: [], adoptable: new Map() };
  const indexed =
    options.indexed !== undefined
      ? (options.indexed ?? undefined)
      : await viaIndex(deps, key, options.indexedId, options.readIdentity);
  if (indexed) return { ...found, managed: indexed };
  const { capabilities } = deps.kratos;
  if (desired?.externalId && capabilities.externalIdLookup) {
    const holder = await deps.kratos.getIdentityByExternalId(desired.externalId);
    if (holder && (await claim(deps, holder, key, found))) return found;
  }
  const email = desired?.email?.toLowerCase();
  if (email) {
    const holder = capabilities.credentialsIdentifierFilter
      ? await firstByIdentifier(deps, email)
      : adoptByEmail
        ? await scanForEmail(deps, email)
        : null;
    if (holder && !(await claim(deps, holder, key, found))) found.adoptable.set(email, holder);
  }
  if (!found.managed && options.leaver) {
    const managed = await scanForMarker(deps, key, options.signal);
    if (managed) found.managed = managed;
  }
  return found;
}

/**
 * The first step of `findPerson` alone: the person's identity through the marker index (entry → GET by id,
 * proven ours by its marker; a stale entry is removed), null when that finds none. It needs nothing of the
 * source record, so a `person.sync` job runs it while it reads the record; the lookups by external id and
 * email need the mapped record and stay in `findPerson`.
 */
export async function findIndexed(
  deps: ApplyDeps,
  key: string,
  options: { indexedId?: string | null; readIdentity?: (id: string) => Promise<Identity> } = {},
): Promise<ManagedIdentity | null> {
  return (await viaIndex(deps, key, options.indexedId, options.readIdentity)) ?? null;
}

/**
 * A leaver's identity by its ownership marker, read from the identity list a page at a time; stops at the
 * page that holds it. Every marker of ours seen on the way goes back into the index (so the next event for
 * those people needs no scan), and on v0.10 every unmarked identity read by id is remembered at its
 * `updated_at`, so a later scan lists it without reading it again.
 */
async function scanForMarker(
  deps: ApplyDeps,
  key: string,
  signal: AbortSignal | undefined,
): Promise<ManagedIdentity | undefined> {
  const listsMarkers = deps.kratos.capabilities.listIncludesAdminMetadata;
  const pages = scanMarkerPages(deps.kratos, {
    concurrency: deps.concurrency,
    knownIds: (listed) => notThisPerson(deps, key, listed),
    ...(signal ? { signal } : {}),
  });
  for await (const page of pages) {
    let mine: ManagedIdentity | undefined;
    const ours: Array<{ identityId: string } & MarkerIndexEntry> = [];
    const unmarked: Array<{ id: string; updatedAt: string }> = [];
    for (const identity of page.identities) {
      const marker = markerOf(identity, deps.source);
      if (marker) {
        ours.push({ identityId: identity.id, marker, ...digestOf(deps, identity.metadata_admin) });
        if (marker.key === key) mine ??= { identity, marker };
      } else if (!listsMarkers && identity.updated_at) {
        unmarked.push({ id: identity.id, updatedAt: identity.updated_at });
      }
    }
    if (ours.length > 0) await deps.index.putMany(ours);
    await mapPool(unmarked, 32, ({ id, updatedAt }) => deps.index.rememberUnmarked(id, updatedAt));
    if (mine) {
      deps.logger.warn(
        { source: deps.source, identityId: mine.identity.id },
        'the marker index had no entry for a leaver: found by scanning the identity list (run reindex if Redis lost more)',
      );
      return mine;
    }
  }
  return undefined;
}

async function viaIndex(
  deps: ApplyDeps,
  key: string,
  known: string | null | undefined,
  read: (id: string) => Promise<Identity> = (id) => deps.kratos.getIdentity(id),
): Promise<ManagedIdentity | undefined> {
  const id = known !== undefined ? known : await deps.index.identityIdOf(key);
  if (!id) return undefined;
  const identity = await read(id).catch(nullOnNotFound);
  const marker = identity ? markerOf(identity, deps.source) : null;
  if (identity && marker?.key === key) return { identity, marker };
  await deps.index.remove(id); // gone, or no longer marked for this person: the entry is stale
  return undefined;
}

/** True when `holder` is this person's identity (recorded as managed); other owners are noted. */
async function claim(deps: ApplyDeps, holder: Identity, key: string, found: FoundPerson): Promise<boolean> {
  const marker = readMarker(holder);
  if (marker?.source === deps.source && marker.key === key) {
    found.managed = { identity: holder, marker };
    await deps.index.put(holder.id, { marker, ...digestOf(deps, holder.metadata_admin) });
    return true;
  }
  if (marker && marker.source !== deps.source) found.others.push({ identity: holder, marker });
  return false;
}

/**
 * v0.10: listed identities that cannot be this person's without a read by id: indexed for another person,
 * or remembered unmarked at their current `updated_at` (writing a marker changes `updated_at`).
 */
async function notThisPerson(deps: ApplyDeps, key: string, listed: Identity[]): Promise<Set<string>> {
  const [indexed, unmarked] = await Promise.all([
    deps.index.getMany(listed.map((identity) => identity.id)),
    deps.index.knownUnmarked(listed),
  ]);
  for (const [id, entry] of indexed) if (entry.marker.key !== key) unmarked.add(id);
  return unmarked;
}

async function firstByIdentifier(deps: ApplyDeps, email: string): Promise<Identity | null> {
  for await (const page of deps.kratos.listIdentities({ credentialsIdentifier: email, pageSize: 10 })) {
    if (page[0]) return page[0];
  }
  return null;
}

async function scanForEmail(deps: ApplyDeps, email: string): Promise<Identity | null> {
  for await (const page of deps.kratos.listIdentities()) {
    for (const identity of page) {
      const emails = [...(identity.verifiable_addresses ?? []), ...(identity.recovery_addresses ?? [])].map(
        (a) => a.value.toLowerCase(),
      );
      if (typeof identity.traits?.email === 'string') emails.push(identity.traits.email.toLowerCase());
      // The list has no metadata_admin on v0.10: read the candidate by id to see its marker.
      if (emails.includes(email)) return deps.kratos.getIdentity(identity.id).catch(nullOnNotFound);
    }
  }
  return null;
}

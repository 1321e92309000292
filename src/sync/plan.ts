import type { LeaverConfig } from '../config/sections/source.ts';
import type { Identity } from '../domain/identity.ts';
import { formatPath } from './diff.ts';
import { decideLeaver, leaverAction } from './leaver-decision.ts';
import { readMarker } from '../domain/ownership-marker.ts';
import { indexManaged, type ManagedIndex } from './match.ts';
import { changedPaths, targetFields } from './target.ts';
import type { DesiredIdentity, ManagedIdentity, PlanAction, PlanActionKind } from '../domain/plan.ts';
import { compareVersions } from './versions.ts';

export interface PlanInput {
  source: string;
  /** Every mapped, valid, in-scope record of a snapshot (or the one record of an event). */
  desired: DesiredIdentity[];
  /** Identities carrying a marker — of this source and of others (others are only used to report collisions). */
  managed: ManagedIdentity[];
  /**
   * Identities by lowercased email identifier. Those without any marker are adopted (with `adoptByEmail`) or
   * reported as a collision; those with another owner are reported. Optional: without it a colliding create is
   * left to Kratos' 409.
   */
  adoptable?: ReadonlyMap<string, Identity>;
  adoptByEmail: boolean;
  leaver: LeaverConfig;
  now: Date;
  /**
   * Keys the source still holds although they are not in `desired` — quarantined records (bad data is not
   * a departure). Do NOT put out-of-scope keys here: out of scope means absent (see `MappingResult`), so
   * those people are leavers. Undefined = only `desired` is present.
   */
  presentKeys?: ReadonlySet<string>;
  /**
   * The server stores `external_id` (capability `externalIdLookup`). Without it (v0.10, v1.x) the external
   * id is neither compared nor used for matching: the marker key matches. Default true.
   */
  externalIds?: boolean;
}

export interface PlanResult {
  /** Sorted by kind (create, adopt, update, reactivate, deactivate, delete, skip), then key. */
  actions: PlanAction[];
  /** Matched people whose identity already holds what the source says: no action is emitted for them. */
  unchanged: number;
  /** Deactivated leavers still inside `leaver.graceDays` (deleted by a later run). */
  waitingForGrace: number;
}

/**
 * The pure heart of a reconcile: compares desired identities with managed ones and says what to do. No I/O,
 * no clock (`now` is an input), same input → same plan. Unchanged people produce no action at all (a 100k
 * plan stays small); `unchanged` counts them for the report.
 */
export function planSync(input: PlanInput): PlanAction[] {
  return planSyncDetailed(input).actions;
}

export function planSyncDetailed(input: PlanInput): PlanResult {
  const planner = new Planner(input);
  return planner.run();
}

/**
 * planSyncDetailed, letting other work run between slices of `slice` people: a million people take
 * seconds to plan, and the run's lock must be renewed meanwhile (src/store/sync-lock.ts).
 */
export async function planSyncDetailedInSlices(input: PlanInput, slice = 10_000): Promise<PlanResult> {
  const planner = new Planner(input);
  return planner.runInSlices(slice);
}

const KIND_ORDER: Record<PlanActionKind, number> = {
  create: 0,
  adopt: 1,
  update: 2,
  reactivate: 3,
  deactivate: 4,
  delete: 5,
  skip: 6,
};

/** Orders actions deterministically: by kind, then key, then identity id. */
function compareActions(a: PlanAction, b: PlanAction): number {
  const byKind = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (byKind !== 0) return byKind;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  const ai = 'identityId' in a ? (a.identityId ?? '') : '';
  const bi = 'identityId' in b ? (b.identityId ?? '') : '';
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

class Planner {
  readonly #input: PlanInput;
  readonly #externalIds: boolean;
  readonly #index: ManagedIndex;
  readonly #actions: PlanAction[] = [];
  /** Identities some desired person has been matched to (by key, external id or adoption). */
  readonly #claimed = new Set<string>();
  /** Every desired key; built on first use (only people Kratos does not know by key need it). */
  #desiredKeys: Set<string> | undefined;
  #unchanged = 0;
  /** The key planned last (keys come sorted: an equal one is a duplicate). */
  #previous: string | undefined;
  #waitingForGrace = 0;

  constructor(input: PlanInput) {
    this.#input = input;
    this.#externalIds = input.externalIds ?? true;
    this.#index = indexManaged(input.managed, input.source);
  }

  run(): PlanResult {
    const people = this.#inKeyOrder();
    while (this.#planSome(people, Infinity));
    return this.#finish();
  }

  async runInSlices(slice: number): Promise<PlanResult> {
    const people = this.#inKeyOrder();
    while (this.#planSome(people, slice)) await new Promise((resolve) => setImmediate(resolve));
    return this.#finish();
  }

  /** Plans up to `count` people; false once everyone is planned. */
  #planSome(people: Iterator<DesiredIdentity>, count: number): boolean {
    for (let n = 0; n < count; n++) {
      const next = people.next();
      if (next.done === true) return false;
      const person = next.value;
      if (person.key === this.#previous) {
        this.#skip(person.key, undefined, 'the key appears twice in the snapshot (quarantine both records)');
        continue;
      }
      this.#previous = person.key;
      this.#planPerson(person);
    }
    return true;
  }

  #finish(): PlanResult {
    this.#planDepartures();
    for (const duplicate of this.#index.duplicates) {
      this.#skip(
        duplicate.marker.key,
        duplicate.identity.id,
        'another identity already carries this key; this one is left alone for a person to resolve',
      );
    }
    this.#actions.sort(compareActions);
    return { actions: this.#actions, unchanged: this.#unchanged, waitingForGrace: this.#waitingForGrace };
  }

  /** Key order, not source order, so which of two colliding records wins never depends on file order. */
  #inKeyOrder(): Iterator<DesiredIdentity> {
    return [...this.#input.desired].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).values();
  }

  #planPerson(person: DesiredIdentity): void {
    const own = this.#index.byKey.get(person.key) ?? this.#rekeyCandidate(person);
    if (own !== undefined) {
      this.#claimed.add(own.identity.id);
      this.#planMatched(person, own);
      return;
    }
    const externalId = this.#externalIds ? person.externalId : undefined;
    if (externalId) {
      const held = this.#index.byExternalId().get(externalId);
      if (held !== undefined) {
        return this.#skip(
          person.key,
          held.identity.id,
          `its external_id is held by the identity of person ${held.marker.key}`,
        );
      }
      const foreign = this.#index.foreignByExternalId.get(externalId);
      if (foreign !== undefined) {
        return this.#skip(
          person.key,
          undefined,
          `its external_id is held by an identity owned by source "${foreign.source}"`,
        );
      }
    }
    this.#planUnmatched(person);
  }

  /**
   * An identity of ours with the person's external id under a key no longer in the source: the key mapping
   * changed, not the person (Kratos holds one identity per external id). It is re-keyed by the update.
   */
  #rekeyCandidate(person: DesiredIdentity): ManagedIdentity | undefined {
    if (!this.#externalIds || !person.externalId) return undefined;
    const held = this.#index.byExternalId().get(person.externalId);
    if (held === undefined || this.#isDesired(held.marker.key)) return undefined;
    if (this.#input.presentKeys?.has(held.marker.key) === true) return undefined;
    return held;
  }

  #planMatched(person: DesiredIdentity, own: ManagedIdentity): void {
    const { identity, marker } = own;
    if (person.version !== undefined && marker.version !== undefined) {
      if (compareVersions(person.version, marker.version) < 0) {
        return this.#skip(
          person.key,
          identity.id,
          'stale record: its version is older than the one already applied',
        );
      }
    }
    let wanted = person;
    if (person.leaver) {
      if (this.#input.leaver.policy !== 'ignore') {
        return this.#leave(own, 'the record says the person has left', person.leftAt);
      }
      // policy ignore: a leaver's identity keeps its state; other fields still follow the source.
      wanted = { ...person, state: identity.state ?? 'active' };
    }
    const target = targetFields(wanted, identity, this.#input.source, this.#externalIds);
    const changed = changedPaths(identity, target).map(formatPath);
    if (changed.length === 0) {
      this.#unchanged++;
      return;
    }
    const reactivating = (identity.state ?? 'active') === 'inactive' && target.state === 'active';
    this.#actions.push({
      kind: reactivating ? 'reactivate' : 'update',
      key: person.key,
      identityId: identity.id,
      desired: wanted,
      changed,
      reason: reactivating
        ? 'the person is active in the source again'
        : marker.key !== person.key
          ? 'matched by external_id under a former key: re-keyed'
          : 'the source changed',
    });
  }

  #planUnmatched(person: DesiredIdentity): void {
    if (person.leaver) return; // never create an identity for someone who has already left
    const email = person.email?.toLowerCase();
    const holder = email === undefined ? undefined : this.#input.adoptable?.get(email);
    if (holder === undefined) {
      this.#actions.push({ kind: 'create', key: person.key, desired: person, reason: 'new in the source' });
      return;
    }
    const owner = readMarker(holder);
    if (owner !== null) {
      const whose = owner.source === this.#input.source ? `person ${owner.key}` : `source "${owner.source}"`;
      return this.#skip(
        person.key,
        undefined,
        `its email identifier belongs to an identity owned by ${whose}`,
      );
    }
    if (!this.#input.adoptByEmail) {
      return this.#skip(
        person.key,
        undefined,
        'its email identifier belongs to an identity kratos-sync does not manage (enable adoptByEmail to take it over)',
      );
    }
    if (this.#claimed.has(holder.id)) {
      return this.#skip(
        person.key,
        holder.id,
        'the identity holding its email is already adopted by another record',
      );
    }
    this.#claimed.add(holder.id);
    const target = targetFields(person, holder, this.#input.source, this.#externalIds);
    this.#actions.push({
      kind: 'adopt',
      key: person.key,
      identityId: holder.id,
      desired: person,
      changed: changedPaths(holder, target).map(formatPath),
      reason: 'an unmanaged identity has the same email identifier (adoptByEmail)',
    });
  }

  /** This source's identities nobody in the snapshot matched: the person left the source. */
  #planDepartures(): void {
    for (const own of this.#index.byKey.values()) {
      // Every identity whose key is desired was claimed by that person (matched, or skipped as stale).
      if (this.#claimed.has(own.identity.id)) continue;
      if (this.#input.presentKeys?.has(own.marker.key) === true) continue; // quarantined is not gone
      this.#leave(own, 'no longer in the source');
    }
  }

  #leave(own: ManagedIdentity, why: string, leftAt?: string): void {
    const decision = decideLeaver(own.identity, own.marker, this.#input.leaver, this.#input.now, why);
    if (decision === null) return;
    if (decision.kind === 'wait') {
      this.#waitingForGrace++;
      return;
    }
    this.#actions.push(leaverAction(decision, own.marker.key, own.identity.id, leftAt));
  }

  #isDesired(key: string): boolean {
    this.#desiredKeys ??= new Set(this.#input.desired.map((person) => person.key));
    return this.#desiredKeys.has(key);
  }

  #skip(key: string, identityId: string | undefined, reason: string): void {
    this.#actions.push(
      identityId === undefined ? { kind: 'skip', key, reason } : { kind: 'skip', key, identityId, reason },
    );
  }
}

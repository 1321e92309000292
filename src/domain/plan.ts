/**
 * The engine's words:
 * - source record: one person as the source sees them.
 * - desired identity: what mapping makes of a record.
 * - managed identity: a Kratos identity carrying this source's ownership marker; only these are ever
 *   updated, deactivated or deleted.
 * - plan: the pure result of comparing desired identities with managed identities.
 * - run: one execution of a plan, with an id, counters and a report.
 */
import type { Identity, IdentityState, JsonObject } from './identity.ts';
import type { OwnershipMarker } from './ownership-marker.ts';

/** What mapping makes of one source record. */
export interface DesiredIdentity {
  key: string;
  externalId?: string;
  schemaId: string;
  traits: JsonObject;
  metadataPublic: JsonObject | null;
  /** Without the ownership marker: the writer adds it. */
  metadataAdmin: JsonObject | null;
  state: IdentityState;
  version?: string;
  /** The record says this person has left (status, or a termination date that has passed). */
  leaver: boolean;
  /** A leaver's termination date from the record (ISO instant), when `leaver.terminationDate` gives one. */
  leftAt?: string;
  /** The email identifier (for adoption and onboarding), when traits have one. */
  email?: string;
  /** Parts written on create only. */
  createOnly: Array<'traits' | 'metadataPublic' | 'metadataAdmin'>;
  /** Trait paths (dotted) written on create only. */
  createOnlyTraits: string[];
}

/** A managed identity and its parsed marker. */
export interface ManagedIdentity {
  identity: Identity;
  marker: OwnershipMarker;
}

/** A field-level change: the path (e.g. `traits.name.last`) only — never the values (they are personal data). */
export type ChangedField = string;

/** An action that writes the desired identity over an existing one, naming the fields it changes. */
interface RewriteAction<Kind extends 'update' | 'adopt' | 'reactivate'> {
  kind: Kind;
  key: string;
  identityId: string;
  desired: DesiredIdentity;
  changed: ChangedField[];
  reason: string;
}

export type PlanAction =
  | { kind: 'create'; key: string; desired: DesiredIdentity; reason: string }
  | RewriteAction<'update'>
  | RewriteAction<'adopt'>
  | RewriteAction<'reactivate'>
  | { kind: 'deactivate'; key: string; identityId: string; reason: string; leftAt?: string }
  | { kind: 'delete'; key: string; identityId: string; reason: string; leftAt?: string }
  | { kind: 'skip'; key: string; identityId?: string; reason: string };

export type PlanActionKind = PlanAction['kind'];

/** A record that could not be mapped or validated: kept out of the run with a precise reason. */
export interface QuarantinedRecord {
  /** The record key when it could be read, otherwise `#<n>` (position in the source). */
  key: string;
  /** The field or trait path at fault, when known. */
  field?: string;
  /** The rule that failed (e.g. `required`, `format:email`, `duplicate-key`). */
  rule: string;
  message: string;
}

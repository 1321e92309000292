import type { EventEmitter } from 'node:events';
import type { Secret } from '../config/secret.ts';
import type { KratosClientEventMap } from './availability.ts';

/**
 * Kratos admin API shapes, as both API generations send them (see shared/kratos/BEHAVIOUR.md).
 * Only the fields kratos-sync reads are typed; everything else passes through untouched.
 */
export type IdentityState = 'active' | 'inactive';
export type JsonObject = { [key: string]: unknown };

export interface Identity {
  id: string;
  schema_id: string;
  state?: IdentityState;
  traits: JsonObject;
  metadata_public?: JsonObject | null;
  /** Absent from v0.10 list responses (BEHAVIOUR.md §0); present on GET by id and on v26 lists. */
  metadata_admin?: JsonObject | null;
  /** v26 only; left out when empty. */
  external_id?: string;
  credentials?: Record<string, { type?: string; identifiers?: string[] }>;
  verifiable_addresses?: Array<{ value: string; via: string; verified: boolean; status?: string }>;
  recovery_addresses?: Array<{ value: string; via: string }>;
  created_at?: string;
  updated_at?: string;
  state_changed_at?: string;
}

/** Body of POST /admin/identities and of each batch entry. `external_id` only on v26. */
export interface CreateIdentityBody {
  schema_id: string;
  traits: JsonObject;
  state?: IdentityState;
  metadata_public?: JsonObject | null;
  metadata_admin?: JsonObject | null;
  external_id?: string;
}

/**
 * Body of PUT /admin/identities/{id}: replace, not merge (BEHAVIOUR.md §3). The client always sends every
 * field, so nothing is wiped by omission: a metadata field or `external_id` left `undefined` is filled in
 * from the identity as Kratos holds it (one extra GET — pass all three to avoid it). `null` clears
 * metadata; `external_id: null` clears the external id (v26; never sent to v0.10).
 */
export type UpdateIdentityBody = Required<Pick<CreateIdentityBody, 'schema_id' | 'traits' | 'state'>> &
  Pick<CreateIdentityBody, 'metadata_public' | 'metadata_admin'> & { external_id?: string | null };

/** One RFC 6902 operation; Kratos accepts add, remove and replace only (BEHAVIOUR.md §4). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

/** Per-entry result of a batch create, index-aligned with the request (BEHAVIOUR.md §5). */
export type BatchCreateResult =
  | { ok: true; id: string }
  | { ok: false; status: number; reason?: string; message: string }
  /** The server skipped the entry (a null result). */
  | null;

export interface KratosSession {
  id: string;
  active: boolean;
  expires_at?: string;
  authenticated_at?: string;
  identity?: { id: string };
}

export interface RecoveryLink {
  link: Secret;
  expiresAt: string;
}

export interface RecoveryCode {
  link: Secret;
  code: Secret;
  expiresAt: string;
}

export interface IdentitySchemaSummary {
  id: string;
  schema: JsonObject;
}

export type ApiGeneration = 'v26' | 'v0.10';

/** What the server can do, found by probing at start-up (BEHAVIOUR.md §11). */
export interface KratosCapabilities {
  generation: ApiGeneration;
  /** external_id field + GET /admin/identities/by/external/{id}. */
  externalIdLookup: boolean;
  /** PATCH /admin/identities (batch create). */
  batchCreate: boolean;
  /** Keyset pagination (page_token); otherwise offset pages. */
  keysetPages: boolean;
  /** credentials_identifier list filter. */
  credentialsIdentifierFilter: boolean;
  /** POST /admin/recovery/code. */
  recoveryCodes: boolean;
  /** DELETE /admin/sessions/{id}. */
  singleSessionRevoke: boolean;
  /** JSON Patch on /admin/identities/{id}. */
  jsonPatch: boolean;
  /** metadata_admin is included in list responses. */
  listIncludesAdminMetadata: boolean;
}

export interface ListIdentitiesOptions {
  pageSize?: number;
  /** v26 only: exact credential identifier (e.g. an email). */
  credentialsIdentifier?: string;
}

/**
 * The admin client every other part of kratos-sync talks to. Errors are `KratosError`s (src/kratos/errors.ts):
 * transient failures are already retried inside the client when one is thrown.
 *
 * Creates and duplicates: a create that fails without a definite answer (timeout, dropped connection,
 * 502/504) is retried only when it carries an `external_id` (v26), which makes a repeat answer 409 instead
 * of creating a second identity. Otherwise it is thrown with `maybeApplied: true`. Either way, a 409 on a
 * create is thrown as a conflict and the caller (the engine) resolves it by looking the identity up.
 */
export interface KratosClient {
  readonly capabilities: KratosCapabilities;
  /** `unavailable` / `recovered` (see KratosClientEventMap) so the queue runtime can pause workers. */
  readonly events: EventEmitter<KratosClientEventMap>;
  /** False between an `unavailable` and the following `recovered` event. */
  readonly available: boolean;
  createIdentity(body: CreateIdentityBody): Promise<Identity>;
  getIdentity(id: string): Promise<Identity>;
  /** v26 only; resolves null on 404. */
  getIdentityByExternalId(externalId: string): Promise<Identity | null>;
  updateIdentity(id: string, body: UpdateIdentityBody): Promise<Identity>;
  /** v26 only. */
  patchIdentity(id: string, operations: JsonPatchOperation[]): Promise<Identity>;
  /** Resolves `false` when the identity was already gone (404 is success here). */
  deleteIdentity(id: string): Promise<boolean>;
  listIdentities(options?: ListIdentitiesOptions): AsyncIterable<Identity[]>;
  /**
   * v26 only; ≤ 1000 entries per call (the caller splits; more is refused before sending). Results are
   * index-aligned with `bodies`. When Kratos rejects the batch as a whole (HTTP 409 on MySQL, 400 for one
   * bad entry, or the documented "all failed" 4xx), the client creates the entries one by one so every
   * entry still gets its own answer.
   */
  batchCreateIdentities(bodies: CreateIdentityBody[]): Promise<BatchCreateResult[]>;
  createRecoveryLink(identityId: string, expiresIn: string): Promise<RecoveryLink>;
  /** v26 only. */
  createRecoveryCode(identityId: string, expiresIn: string): Promise<RecoveryCode>;
  listIdentitySessions(identityId: string, options?: { active?: boolean }): Promise<KratosSession[]>;
  /** DELETE /admin/identities/{id}/sessions; resolves `false` on 404 (nothing to revoke). */
  revokeIdentitySessions(identityId: string): Promise<boolean>;
  listIdentitySchemas(): Promise<IdentitySchemaSummary[]>;
  getIdentitySchema(id: string): Promise<JsonObject>;
  /** GET /health/ready on the admin port. */
  ready(): Promise<boolean>;
  /** Requests made so far, by operation (for reports and benchmarks). */
  callCounts(): Record<string, number>;
  close(): Promise<void>;
}

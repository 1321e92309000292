import type { EventEmitter } from 'node:events';
import type { Secret } from '../config/secret.ts';
import type { SyncErrorCode } from '../errors/catalogue.ts';
import type { Identity, IdentityState, JsonObject } from '../domain/identity.ts';
import type { KratosClientEventMap } from './availability.ts';

/**
 * Kratos admin API shapes, as both API generations send them (docs/kratos-behaviour.md).
 * Only the fields kratos-sync reads are typed; everything else passes through untouched. The identity
 * itself is a domain type every layer speaks of: it lives in src/domain/identity.ts.
 */

/** Body of POST /admin/identities and of each batch entry. `external_id` is only sent to v25.4+. */
export interface CreateIdentityBody {
  schema_id: string;
  traits: JsonObject;
  state?: IdentityState;
  metadata_public?: JsonObject | null;
  metadata_admin?: JsonObject | null;
  external_id?: string;
  /**
   * Credentials to import (identity/handler_import.go): `password.config.hashed_password` and
   * `oidc.config.providers[{provider, subject}]`. Only an undo's recreate sends them.
   */
  credentials?: Record<string, { config: JsonObject }>;
}

/** Options of GET /admin/identities/{id}. */
export interface GetIdentityOptions {
  /** Credential types whose config Kratos should include (`password`, `oidc`). */
  includeCredentials?: readonly string[];
}

/**
 * Body of PUT /admin/identities/{id}: replace, not merge (docs/kratos-behaviour.md, "Updating identities").
 * The client always sends every field, so nothing is wiped by omission: a metadata field or `external_id`
 * left `undefined` is filled in from the identity as Kratos holds it (one extra GET — pass all three to avoid it). `null` clears
 * metadata; `external_id: null` clears the external id (v25.4+; never sent to older servers).
 */
export type UpdateIdentityBody = Required<Pick<CreateIdentityBody, 'schema_id' | 'traits' | 'state'>> &
  Pick<CreateIdentityBody, 'metadata_public' | 'metadata_admin'> & { external_id?: string | null };

/**
 * One RFC 6902 operation; Kratos accepts add, remove and replace only (docs/kratos-behaviour.md, "Updating
 * identities").
 */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

/**
 * Per-entry result of a batch create, index-aligned with the request (docs/kratos-behaviour.md, "Batch
 * create").
 */
export type BatchCreateResult =
  | { ok: true; id: string }
  | { ok: false; status: number; code: SyncErrorCode; reason?: string; message: string }
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

/**
 * The API line, as a label for logs, messages and `kratos.apiVersion`. Behaviour is never decided by this
 * label outside detection: every difference has its own capability below.
 * - `v0.10`: the old V0alpha2Api (v0.10.x);
 * - `v1.0`: v1.0.0 (offset pages, all-or-nothing batches);
 * - `v1`: v1.1.0 … v1.3.1 (keyset pages without a size cap; batches all-or-nothing before v1.3.0);
 * - `v26`: v25.4.0 … v26.x (external_id, per-entry batch results, keyset pages capped at 500).
 */
export type ApiGeneration = 'v26' | 'v1' | 'v1.0' | 'v0.10';

/** What the server can do, found once at start-up by read-only probes (detect.ts). */
export interface KratosCapabilities {
  /** A label only (see ApiGeneration); never compared to decide behaviour. */
  generation: ApiGeneration;
  /**
   * The identity has an `external_id` (create, PUT and JSON Patch store it) and
   * GET /admin/identities/by/external/{id} finds it. Without it, a create carrying the field is a 400
   * (strict decoder) and a JSON Patch on `/external_id` is silently dropped.
   */
  externalIdLookup: boolean;
  /** PATCH /admin/identities (batch create). */
  batchCreate: boolean;
  /** Most entries one batch create accepts (0 without batch create): 2000 up to v1.3.x, 1000 from v25.4. */
  batchLimit: number;
  /**
   * True: each failed batch entry gets its own `action:"error"` and the others are created (v1.3.0+).
   * False: one bad entry fails the whole batch (409 or 400) and nothing is created (v1.0–v1.2). Either way a
   * whole-batch 409 is possible (MySQL cannot insert partially), so callers handle both answers.
   */
  batchPerItemResults: boolean;
  /** Keyset pagination (page_token from the `next` link); otherwise offset pages. */
  keysetPages: boolean;
  /**
   * Offset pages only: the `page` number of the first page. v0.10 hands `page` to pop, where 0 and 1 are
   * the same first page, so it starts at 1; v1.0.0 asks pop for `page + 1`, so page 0 is the first.
   */
  firstOffsetPage: 0 | 1;
  /** Largest list page the server returns (it silently clamps larger requests); null: no cap. */
  maxPageSize: number | null;
  /** credentials_identifier list filter. */
  credentialsIdentifierFilter: boolean;
  /**
   * The `ids` list filter (v1.1+, the keyset servers): many identities by id in one request. v1.0 and v0.10
   * ignore the parameter and answer an unfiltered page.
   */
  idsFilter: boolean;
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
  /** Exact credential identifier (e.g. an email); `capabilities.credentialsIdentifierFilter` (v1.0+). */
  credentialsIdentifier?: string;
  /** Only these identities (UUIDs, at most 500); `capabilities.idsFilter` (v1.1+). Not with the other filter. */
  ids?: readonly string[];
}

/**
 * The admin client every other part of kratos-sync talks to. Errors are `KratosError`s (src/kratos/errors.ts):
 * transient failures are already retried inside the client when one is thrown.
 *
 * Creates and duplicates: a create that fails without a definite answer (timeout, dropped connection,
 * 502/504) is retried only when it carries an `external_id` (v25.4+), which makes a repeat answer 409 instead
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
  getIdentity(id: string, options?: GetIdentityOptions): Promise<Identity>;
  /** `capabilities.externalIdLookup` (v25.4+) only; resolves null on 404. */
  getIdentityByExternalId(externalId: string): Promise<Identity | null>;
  updateIdentity(id: string, body: UpdateIdentityBody): Promise<Identity>;
  /** `capabilities.jsonPatch` (v1.0+) only. */
  patchIdentity(id: string, operations: JsonPatchOperation[]): Promise<Identity>;
  /** Resolves `false` when the identity was already gone (404 is success here). */
  deleteIdentity(id: string): Promise<boolean>;
  listIdentities(options?: ListIdentitiesOptions): AsyncIterable<Identity[]>;
  /**
   * `capabilities.batchCreate` (v1.0+) only; ≤ `capabilities.batchLimit` entries per call (the caller splits;
   * more is refused before sending). Results are index-aligned with `bodies`. A batch refused as a whole
   * created nothing: a 409 (v1.0–v1.2 for any conflict, MySQL always) is thrown as a conflict for the caller
   * to find the existing entries; after a 400 (one bad entry) the client sends each half again, down to the
   * entry at fault, so every entry still gets its own answer.
   */
  batchCreateIdentities(bodies: CreateIdentityBody[]): Promise<BatchCreateResult[]>;
  createRecoveryLink(identityId: string, expiresIn: string): Promise<RecoveryLink>;
  /** `capabilities.recoveryCodes` (v1.0+) only. */
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

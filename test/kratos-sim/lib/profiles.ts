/**
 * The Kratos releases the simulator can imitate, and everything that differs between them, in one table.
 * Handlers never compare profile names: they read the feature they need from `ctx.profile`.
 *
 * - `v26`   — v26.2.0, today's `IdentityApi` (the default);
 * - `v25.4` — v25.4.0: v26 with the 307 for unprefixed admin paths, Cache-Control on every matched route,
 *             the generic per-item batch reason and sorted credential identifiers;
 * - `v1`    — v1.3.1, the v1.x line most self-hosted installations run (no `external_id` anywhere);
 * - `v1.0`  — v1.0.0 where it differs from v1.3.1 (offset identity lists, all-or-nothing batches, …);
 * - `v0.10` — v0.10.1, the old `V0alpha2Api`.
 *
 * Sources are the Go files of ory/kratos at each tag; the comments name them.
 */
export type ApiProfile = 'v26' | 'v25.4' | 'v1' | 'v1.0' | 'v0.10';

export const API_PROFILES: readonly ApiProfile[] = ['v26', 'v25.4', 'v1', 'v1.0', 'v0.10'];

export function isApiProfile(value: unknown): value is ApiProfile {
  return typeof value === 'string' && (API_PROFILES as readonly string[]).includes(value);
}

export interface Profile {
  name: ApiProfile;
  /** What `GET /admin/version` answers (the release tag, as release images report it). */
  version: string;
  /** The official spec of the release, in `openapi/` (v25.4 has the same routes and bodies as v26). */
  specFile: string;

  routes: {
    /** PATCH /admin/identities/{id} (JSON Patch; since v0.11). */
    jsonPatch: boolean;
    /** PATCH /admin/identities (batch create; since v0.13). */
    batchCreate: boolean;
    /** GET /admin/identities/by/external/{externalID} (since v25.4, `identity/handler.go`). */
    externalIdLookup: boolean;
    /** DELETE /admin/identities/{id}/credentials/{type} (since v0.13). */
    deleteCredential: boolean;
    /** POST /admin/recovery/code (since v0.11). */
    recoveryCode: boolean;
    /** GET /admin/sessions, GET and DELETE /admin/sessions/{id}; without them v0.10 redirects to the public routes. */
    adminSessions: boolean;
  };
  /**
   * A path without `/admin` on the admin port: `redirect` = 307 to `/admin…` (`x/http_redirect_admin.go`,
   * up to v25.4), `rewrite` = the prefix is added internally (`cmd/daemon/serve.go@v26.2.0`).
   */
  unprefixedAdmin: 'redirect' | 'rewrite';
  /**
   * `Cache-Control: private, no-cache, no-store, must-revalidate`: on GET answers of matched routes
   * (`oryx/httprouterx/router.go@v26.2.0`), on every matched route whatever the method (`x/nocache.go`
   * in v1.x and v25.4), or never (v0.10).
   */
  cacheControl: 'get' | 'every-method' | 'none';
  errors: {
    /** `Ory-Error-Id` header on every herodot error (herodot ≥ v0.10.7, first used by v25.4.0). */
    errorIdHeader: boolean;
    /** herodot < v0.10 never strips `debug`. */
    sendsDebug: boolean;
    /** `code` in the body of a create decode error: 500 where the handler uses `WriteErrorCode(400, err)`. */
    createDecodeBodyCode: 400 | 500;
    /** 409 on POST: the raw sqlcon message, or herodot ErrConflict with a reason (`identity/handler.go`, v1.1+). */
    createConflict: 'sqlcon' | 'err-conflict';
  };
  identity: {
    /** `external_id` in bodies, responses and the unique index (since v25.4, `identity/identity.go`). */
    externalId: boolean;
    /** `organization_id` in every identity JSON, `null` when unset (v1.1+). */
    organizationId: boolean;
    /**
     * Organizations and SAML: the create body accepts `organization_id`, `credentials.saml`, `use_auto_link`
     * and `organization`, and `credentials_identifier` also matches SAML identifiers.
     */
    organizationsAndSaml: boolean;
    /** `use_password_migration_hook` in the password import (since v1.3.0, `identity/handler.go:439`). */
    passwordMigrationHook: boolean;
    /** Importable password hash formats (`hash/hash_comparator.go`): v1.0.0 lacks HMAC. */
    hashFormats: 'v0.10' | 'no-hmac' | 'all';
    /** Imported address values are lowercased before matching the traits (v1.1+). */
    lowercaseImportedAddresses: boolean;
    /** Code identifiers derived from `ory.sh/kratos.credentials.code.identifier`. */
    codeIdentifiers: boolean;
    /** Which `include_credential` values GET by id accepts: only `oidc` (v0.10) or any credential type. */
    includeCredential: 'oidc-only' | 'any-type';
    /**
     * What the 400 for a bad `include_credential` prints: the bad value, or (v1.x) the list parsed so far,
     * e.g. ``Invalid value `[]` …`` (`identity/handler.go:337@v1.3.1`).
     */
    includeCredentialError: 'value' | 'parsed-list';
    /** PUT accepts `credentials` (`UpdateIdentityBody`, v0.11+). */
    putCredentials: boolean;
    /** Credential identifiers come back sorted (`ORDER BY identifier ASC`, `persister_identity.go:887@v25.4.0`). */
    sortedIdentifiers: boolean;
  };
  batch: {
    /** More entries than this is a whole-request 400 with `limitReason` (`identity/handler.go`). */
    maxEntries: number;
    limitReason: string;
    /** Entries with a plaintext password allowed per request; `undefined` = no such limit (before v25.4). */
    maxPlaintext: number | undefined;
    /**
     * `per-item`: 200 with `action:"error"` entries (v1.3+); `all-or-nothing`: one conflict or invalid entry
     * fails the whole request and nothing is created (`identity/manager.go:101-125@v1.0.0`).
     */
    mode: 'per-item' | 'all-or-nothing';
    /**
     * The `reason` of a per-item 400: `generic` repeats the bad-request message (v1.3, v25.4 re-wrap with
     * `WithReasonf("%s", err)`), `specific` keeps the validation text (`identity/manager.go:396-400@v26.2.0`).
     */
    itemReason: 'generic' | 'specific';
  };
  patch: {
    /** The deny list: globs (v26 `/credentials/oidc/**`) or an exact string lookup (`ory/x jsonx/patch.go`). */
    deny: 'glob' | 'exact';
    /** The document patched carries `credentials` (v26) or not (`WithAdminMetadataInJSON` in v1.x). */
    credentialsInDocument: boolean;
    /** What an empty body answers. */
    emptyBodyMessage: string;
    /**
     * `/organization_id`: written like any column on v1.1+ (`persistence/sql/update/update.go`, no foreign
     * key), dropped where the field does not exist, kept as stored by the v26 profile (not read from source).
     */
    organizationId: 'persisted' | 'kept';
  };
  list: {
    /**
     * `offset-v0.10`: `page`/`per_page` only, pop's 1-based pages; `offset-v1.0`: `page`/`per_page` or an
     * offset token, 0-based, `id DESC` (`x/pagination.go@v1.0.0`); `keyset`: UUID token, `id ASC`.
     */
    paging: 'offset-v0.10' | 'offset-v1.0' | 'keyset';
    /** Largest keyset `page_size`; `undefined` = no maximum (`ory/x keysetpagination@v0.0.660`). */
    maxPageSize: number | undefined;
    /**
     * `none`: every filter ignored; `identifier-only`: `credentials_identifier` (password and webauthn,
     * at most one match); `and`: filters combine; `single`: one filter per request.
     */
    filters: 'none' | 'identifier-only' | 'and' | 'single';
    /** Most `ids` one request may filter by (v26: 500); `undefined` = no limit. */
    maxIds: number | undefined;
    /** Lists carry `metadata_admin` (everything after v0.10). */
    metadataAdmin: boolean;
  };
  sessions: {
    /** GET /admin/sessions: a UUID token and `id ASC` (v1.0.0) or an opaque token, `created_at DESC`. */
    adminListToken: 'uuid' | 'opaque';
    /** `X-Total-Count` on GET /admin/sessions (v1.x; gone by v25.4). */
    adminListTotal: boolean;
    /** GET /admin/identities/{id}/sessions: `Link` and `X-Total-Count` absent (v0.10), absolute to the wrong path (v1.0), or relative. */
    identityListLinks: 'none' | 'absolute-sessions' | 'relative';
    /** Order of an identity's sessions: `authenticated_at DESC` (v1.x) or `created_at DESC`. */
    identityListOrder: 'authenticated_at' | 'created_at';
    /** PATCH …/extend answers the session with its identity (v1.3+) or without (v1.0.0). */
    extendIncludesIdentity: boolean;
    /** Sessions carry `devices` (v0.11+). */
    devices: boolean;
    /** whoami 401 reason: v0.10's cookie wording or today's. */
    whoamiReason: string;
  };
  recovery: {
    /** `flow_type` of the code endpoint is read (v1.2+); before, it is ignored. */
    codeFlowType: boolean;
    /** The code endpoint's `expires_in` error prints Go's duration (v1.2+) or the raw text. */
    codeExpiresInFormat: 'go' | 'raw';
  };
  /** Readiness 503 body: ory/x healthx `{"errors":…}` (v0.10) or the herodot envelope. */
  readyBody: 'errors-map' | 'herodot';
  /**
   * Request bodies above this fail while being read with `http: request body too large`: both servers are
   * wrapped in `http.MaxBytesHandler(…, 5 MB)` from v1.2.0 (`cmd/daemon/serve.go`); `undefined` = no limit.
   */
  bodyLimitBytes: number | undefined;
}

const FIVE_MB = 5 * 1024 * 1024;

const V26: Profile = {
  name: 'v26',
  version: 'v26.2.0',
  specFile: 'openapi-v26.2.0.json',
  routes: {
    jsonPatch: true,
    batchCreate: true,
    externalIdLookup: true,
    deleteCredential: true,
    recoveryCode: true,
    adminSessions: true,
  },
  unprefixedAdmin: 'rewrite',
  cacheControl: 'get',
  errors: {
    errorIdHeader: true,
    sendsDebug: false,
    createDecodeBodyCode: 400,
    createConflict: 'err-conflict',
  },
  identity: {
    externalId: true,
    organizationId: true,
    organizationsAndSaml: true,
    passwordMigrationHook: true,
    hashFormats: 'all',
    lowercaseImportedAddresses: true,
    codeIdentifiers: true,
    includeCredential: 'any-type',
    includeCredentialError: 'value',
    putCredentials: true,
    sortedIdentifiers: false,
  },
  batch: {
    maxEntries: 1000,
    limitReason:
      'The maximum number of identities per request that can be created or deleted at once is 1000.',
    maxPlaintext: 200,
    mode: 'per-item',
    itemReason: 'specific',
  },
  patch: {
    deny: 'glob',
    credentialsInDocument: true,
    emptyBodyMessage: 'invalid state detected',
    organizationId: 'kept',
  },
  list: { paging: 'keyset', maxPageSize: 500, filters: 'single', maxIds: 500, metadataAdmin: true },
  sessions: {
    adminListToken: 'opaque',
    adminListTotal: false,
    identityListLinks: 'relative',
    identityListOrder: 'created_at',
    extendIncludesIdentity: true,
    devices: true,
    whoamiReason: 'No valid session credentials found in the request.',
  },
  recovery: { codeFlowType: true, codeExpiresInFormat: 'go' },
  readyBody: 'herodot',
  bodyLimitBytes: FIVE_MB,
};

/** v25.4.0: v26 except the redirect, Cache-Control on every method, the generic item reason, sorted identifiers. */
const V25_4: Profile = {
  ...V26,
  name: 'v25.4',
  version: 'v25.4.0',
  unprefixedAdmin: 'redirect',
  cacheControl: 'every-method',
  identity: { ...V26.identity, sortedIdentifiers: true },
  batch: { ...V26.batch, itemReason: 'generic' },
};

/** v1.3.1: no external_id, 2000-entry batches without a plaintext limit, keyset lists without a maximum. */
const V1: Profile = {
  ...V26,
  name: 'v1',
  version: 'v1.3.1',
  specFile: 'openapi-v1.3.1.json',
  routes: { ...V26.routes, externalIdLookup: false },
  unprefixedAdmin: 'redirect',
  cacheControl: 'every-method',
  errors: { ...V26.errors, errorIdHeader: false },
  identity: {
    ...V26.identity,
    externalId: false,
    organizationsAndSaml: false,
    includeCredentialError: 'parsed-list',
  },
  batch: {
    maxEntries: 2000,
    limitReason: 'The maximum number of identities that can be created or deleted at once is 2000.',
    maxPlaintext: undefined,
    mode: 'per-item',
    itemReason: 'generic',
  },
  patch: {
    deny: 'exact',
    credentialsInDocument: false,
    emptyBodyMessage: 'unexpected end of JSON input',
    organizationId: 'persisted',
  },
  list: { paging: 'keyset', maxPageSize: undefined, filters: 'and', maxIds: undefined, metadataAdmin: true },
  sessions: {
    ...V26.sessions,
    adminListTotal: true,
    identityListOrder: 'authenticated_at',
  },
};

/** v1.0.0 where it differs from v1.3.1. */
const V1_0: Profile = {
  ...V1,
  name: 'v1.0',
  version: 'v1.0.0',
  specFile: 'openapi-v1.0.0.json',
  errors: { ...V1.errors, createDecodeBodyCode: 500, createConflict: 'sqlcon' },
  identity: {
    ...V1.identity,
    organizationId: false,
    passwordMigrationHook: false,
    hashFormats: 'no-hmac',
    lowercaseImportedAddresses: false,
    // The v1.0.0 spec's credential types are password, totp, oidc, webauthn and lookup_secret.
    codeIdentifiers: false,
  },
  batch: { ...V1.batch, mode: 'all-or-nothing' },
  // No organization_id field: a patched one is dropped by json.Unmarshal.
  patch: { ...V1.patch, organizationId: 'kept' },
  list: {
    paging: 'offset-v1.0',
    maxPageSize: undefined,
    filters: 'identifier-only',
    maxIds: undefined,
    metadataAdmin: true,
  },
  sessions: {
    ...V1.sessions,
    adminListToken: 'uuid',
    identityListLinks: 'absolute-sessions',
    extendIncludesIdentity: false,
  },
  recovery: { codeFlowType: false, codeExpiresInFormat: 'raw' },
  bodyLimitBytes: undefined,
};

const V0_10: Profile = {
  name: 'v0.10',
  version: 'v0.10.1',
  specFile: 'openapi-v0.10.1.json',
  routes: {
    jsonPatch: false,
    batchCreate: false,
    externalIdLookup: false,
    deleteCredential: false,
    recoveryCode: false,
    adminSessions: false,
  },
  unprefixedAdmin: 'redirect',
  cacheControl: 'none',
  errors: { errorIdHeader: false, sendsDebug: true, createDecodeBodyCode: 500, createConflict: 'sqlcon' },
  identity: {
    externalId: false,
    organizationId: false,
    organizationsAndSaml: false,
    passwordMigrationHook: false,
    hashFormats: 'v0.10',
    lowercaseImportedAddresses: false,
    codeIdentifiers: false,
    includeCredential: 'oidc-only',
    includeCredentialError: 'value',
    putCredentials: false,
    sortedIdentifiers: false,
  },
  // v0.10 has no batch endpoint; the values are never read.
  batch: {
    maxEntries: 0,
    limitReason: '',
    maxPlaintext: undefined,
    mode: 'per-item',
    itemReason: 'specific',
  },
  patch: { deny: 'glob', credentialsInDocument: true, emptyBodyMessage: '', organizationId: 'kept' },
  list: {
    paging: 'offset-v0.10',
    maxPageSize: undefined,
    filters: 'none',
    maxIds: undefined,
    metadataAdmin: false,
  },
  sessions: {
    adminListToken: 'opaque',
    adminListTotal: false,
    identityListLinks: 'none',
    identityListOrder: 'created_at',
    extendIncludesIdentity: true,
    devices: false,
    whoamiReason: 'No valid session cookie found.',
  },
  recovery: { codeFlowType: false, codeExpiresInFormat: 'raw' },
  readyBody: 'errors-map',
  bodyLimitBytes: undefined,
};

export const PROFILES: Readonly<Record<ApiProfile, Profile>> = {
  v26: V26,
  'v25.4': V25_4,
  v1: V1,
  'v1.0': V1_0,
  'v0.10': V0_10,
};

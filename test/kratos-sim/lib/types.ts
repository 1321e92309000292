/**
 * Shapes shared by the Kratos simulator's modules.
 *
 * Glossary:
 * - api profile: which Kratos release is imitated (`v26`, `v25.4`, `v1`, `v1.0`, `v0.10`); its differences are
 *   the feature table in `profiles.ts`.
 * - stored identity: the simulator's row for one identity, holding everything Kratos keeps (credential
 *   configs, admin metadata); what a response shows is decided by `identity-json.ts`.
 * - reply: what a route handler returns; the server applies faults and counts it before writing it.
 */

import type { ApiProfile } from './profiles.ts';

/** The profile name; kept under its old name for callers written when there were two generations. */
export type ApiGeneration = ApiProfile;
export type JsonObject = { [key: string]: unknown };

export interface StoredCredential {
  type: string;
  identifiers: string[];
  config: JsonObject;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface StoredVerifiableAddress {
  id: string;
  value: string;
  via: string;
  verified: boolean;
  status: string;
  verified_at?: string;
  created_at: string;
  updated_at: string;
}

export interface StoredRecoveryAddress {
  id: string;
  value: string;
  via: string;
  created_at: string;
  updated_at: string;
}

export interface StoredIdentity {
  id: string;
  schema_id: string;
  state: string;
  state_changed_at: string;
  traits: unknown;
  metadata_public: unknown;
  metadata_admin: unknown;
  /** v25.4+ only; `null` when unset (Kratos stores "" as NULL). */
  external_id: string | null;
  organization_id: string | null;
  credentials: Record<string, StoredCredential>;
  verifiable_addresses: StoredVerifiableAddress[];
  recovery_addresses: StoredRecoveryAddress[];
  created_at: string;
  updated_at: string;
}

export interface StoredSession {
  id: string;
  /** Secret: the value a browser/app presents to whoami. */
  token: string;
  identity_id: string;
  active: boolean;
  issued_at: string;
  authenticated_at: string;
  expires_at: string;
  /** Epoch ms of `expires_at`, kept to avoid re-parsing on every whoami. */
  expiresAtMs: number;
  created_at: string;
  method: string;
}

export interface RecoveryFlow {
  id: string;
  identity_id: string;
  kind: 'link' | 'code';
  /** Secret for links. */
  token?: string;
  /** Secret 6-digit code for codes. */
  code?: string;
  expiresAtMs: number;
  used: boolean;
  failedAttempts: number;
}

/** What a route handler returns; headers are added to the defaults for its content type. */
export interface Reply {
  status: number;
  /** An array value is sent as several header fields (v1.0.0's session `Link`). */
  headers?: Record<string, string | string[]>;
  body?: string;
}

/** Fault injection, set from the in-process API or `PUT /_sim/faults`. Never applies to `/_sim/*`. */
export interface Faults {
  /** Extra delay before every answer. @defaultValue 0 */
  latencyMs?: number;
  /** Fraction (0..1) of requests answered with a 5xx instead of being processed. */
  errorRate?: number;
  /** Status used by `errorRate`; by default a mix of 500/502/503/504. */
  errorStatus?: number;
  /** Fraction (0..1) of requests answered with 429 and Ory Network rate-limit headers. */
  rateLimitRate?: number;
  /** Add `Retry-After: <seconds>` to injected 429s (Ory's rate-limit docs do not promise it). */
  retryAfterSeconds?: number;
  /** Ory Network in-flight rule: a second concurrent POST/PATCH /admin/identities gets 429 (Ory's rate-limit docs, endpoint-based limits). */
  inflightLimit?: boolean;
  /** A shared per-minute budget for admin writes; 429 with rate-limit headers once it is used up. */
  writeBudget?: { perMinute: number };
  /** Fraction (0..1) of requests that are never answered (the socket stays open until stop()). */
  hangRate?: number;
  /** Fraction (0..1) of requests whose socket is destroyed without an answer. */
  dropRate?: number;
  /** Every Kratos route answers 503 from the proxy in front of it (a Kratos that is down). */
  unavailable?: boolean;
  /**
   * Kratos is up but its database is not: `/health/ready` answers 503 (per-generation body), `alive`
   * stays 200, and every other Kratos route answers a herodot 500.
   */
  databaseDown?: boolean;
  /** Restrict the random faults to these routes: `"METHOD /template"` or just `"/template"`. */
  routes?: string[];
}

export interface SimOptions {
  /** Kratos release to imitate (see `profiles.ts`). @defaultValue 'v26' */
  api?: ApiGeneration;
  /** Shorthand for `faults.latencyMs`. */
  latencyMs?: number;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** Extra identity schemas by id, added to the built-in `default` (quickstart) and `employee` schemas. */
  schemas?: Record<string, object>;
  /** Schema used when a create omits `schema_id`. @defaultValue 'default' */
  defaultSchemaId?: string;
  /** Clock for timestamps and expiry; tests move it to expire links and sessions. @defaultValue Date.now */
  now?: () => number;
  /** Seed for the fault dice, so fault tests are repeatable. */
  seed?: number;
  /** Session lifespan for `/_sim/sessions` logins. @defaultValue 24h */
  sessionLifespanMs?: number;
  initialFaults?: Faults;
  /**
   * Ory Network style admin auth: when set, `/admin/*` routes need `Authorization: Bearer <adminToken>`
   * and answer 401 otherwise. Public routes stay open.
   */
  adminToken?: string;
  /**
   * Recovery methods switched off in the imagined kratos.yml (`selfservice.methods.{link,code}.enabled:
   * false`): their admin endpoint answers 404 "disabled by system administrator" (`selfservice/strategy/handler.go`).
   */
  disabledRecoveryMethods?: Array<'link' | 'code'>;
}

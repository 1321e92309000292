/**
 * A Kratos identity as the admin API sends it, in every supported version (docs/kratos-behaviour.md). It is
 * the shape every layer speaks of, so it lives here, below the Kratos client. Only the fields kratos-sync reads are typed; everything else passes through untouched.
 */
export type IdentityState = 'active' | 'inactive';
export type JsonObject = { [key: string]: unknown };

export interface Identity {
  id: string;
  schema_id: string;
  state?: IdentityState;
  traits: JsonObject;
  metadata_public?: JsonObject | null;
  /** Absent from v0.10 list responses; present on GET by id and on v1.0+ lists. */
  metadata_admin?: JsonObject | null;
  /** v25.4+ only; left out when empty. */
  external_id?: string;
  /** `config` only when asked for with `include_credential` (it holds a password hash: a secret). */
  credentials?: Record<string, { type?: string; identifiers?: string[]; config?: JsonObject }>;
  verifiable_addresses?: Array<{ value: string; via: string; verified: boolean; status?: string }>;
  recovery_addresses?: Array<{ value: string; via: string }>;
  created_at?: string;
  updated_at?: string;
  state_changed_at?: string;
}

import { SortedIds } from './sorted-ids.ts';
import type { RecoveryFlow, StoredIdentity, StoredSession } from './types.ts';

/**
 * The simulator's database: identities with the unique indexes Kratos has in SQL (credential identifiers,
 * verifiable/recovery addresses, external_id), sessions (cascade-deleted with their identity) and recovery
 * flows. Everything is in memory; every lookup is a Map hit and lists walk `SortedIds`.
 */
export type ConflictKind = 'credential' | 'verifiable_address' | 'recovery_address' | 'external_id';

export class SimStore {
  readonly identities = new Map<string, StoredIdentity>();
  readonly sortedIds = new SortedIds();
  /** `type\u0000normalized identifier` → identity id. */
  readonly credentialIndex = new Map<string, string>();
  /** `via\u0000value` → identity id. */
  readonly verifiableIndex = new Map<string, string>();
  readonly recoveryIndex = new Map<string, string>();
  readonly externalIdIndex = new Map<string, string>();

  readonly sessions = new Map<string, StoredSession>();
  readonly sessionsByToken = new Map<string, StoredSession>();
  readonly sessionsByIdentity = new Map<string, Set<string>>();

  readonly recoveryFlows = new Map<string, RecoveryFlow>();
  readonly #flowsByIdentity = new Map<string, Set<string>>();

  reset(): void {
    for (const m of [
      this.identities,
      this.credentialIndex,
      this.verifiableIndex,
      this.recoveryIndex,
      this.externalIdIndex,
      this.sessions,
      this.sessionsByToken,
      this.sessionsByIdentity,
      this.recoveryFlows,
      this.#flowsByIdentity,
    ])
      m.clear();
    this.sortedIds.clear();
  }

  /** The first unique key of `identity` already held by another identity, if any. */
  findConflict(identity: StoredIdentity): ConflictKind | undefined {
    const taken = (index: Map<string, string>, key: string): boolean => {
      const owner = index.get(key);
      return owner !== undefined && owner !== identity.id;
    };
    for (const key of credentialKeys(identity)) if (taken(this.credentialIndex, key)) return 'credential';
    for (const a of identity.verifiable_addresses)
      if (taken(this.verifiableIndex, addressKey(a.via, a.value))) return 'verifiable_address';
    for (const a of identity.recovery_addresses)
      if (taken(this.recoveryIndex, addressKey(a.via, a.value))) return 'recovery_address';
    if (identity.external_id !== null && taken(this.externalIdIndex, identity.external_id))
      return 'external_id';
    return undefined;
  }

  /** Inserts or replaces; callers check `findConflict` first. */
  put(identity: StoredIdentity): void {
    const previous = this.identities.get(identity.id);
    if (previous) this.#unindex(previous);
    else this.sortedIds.insert(identity.id);
    this.identities.set(identity.id, identity);
    for (const key of credentialKeys(identity)) this.credentialIndex.set(key, identity.id);
    for (const a of identity.verifiable_addresses)
      this.verifiableIndex.set(addressKey(a.via, a.value), identity.id);
    for (const a of identity.recovery_addresses)
      this.recoveryIndex.set(addressKey(a.via, a.value), identity.id);
    if (identity.external_id !== null) this.externalIdIndex.set(identity.external_id, identity.id);
  }

  /** Deletes the identity and, like the SQL `ON DELETE CASCADE`, its sessions and recovery flows. */
  delete(id: string): boolean {
    const identity = this.identities.get(id);
    if (!identity) return false;
    this.#unindex(identity);
    this.identities.delete(id);
    this.sortedIds.remove(id);
    this.deleteSessionsOf(id);
    for (const flowId of this.#flowsByIdentity.get(id) ?? []) this.recoveryFlows.delete(flowId);
    this.#flowsByIdentity.delete(id);
    return true;
  }

  addRecoveryFlow(flow: RecoveryFlow): void {
    this.recoveryFlows.set(flow.id, flow);
    let set = this.#flowsByIdentity.get(flow.identity_id);
    if (!set) this.#flowsByIdentity.set(flow.identity_id, (set = new Set()));
    set.add(flow.id);
  }

  addSession(session: StoredSession): void {
    this.sessions.set(session.id, session);
    this.sessionsByToken.set(session.token, session);
    let set = this.sessionsByIdentity.get(session.identity_id);
    if (!set) this.sessionsByIdentity.set(session.identity_id, (set = new Set()));
    set.add(session.id);
  }

  sessionsOf(identityId: string): StoredSession[] {
    const ids = this.sessionsByIdentity.get(identityId);
    if (!ids) return [];
    return [...ids].map((id) => this.sessions.get(id)!);
  }

  /** Hard delete (DELETE /admin/identities/{id}/sessions); returns how many rows went. */
  deleteSessionsOf(identityId: string): number {
    const ids = this.sessionsByIdentity.get(identityId);
    if (!ids) return 0;
    for (const id of ids) {
      const s = this.sessions.get(id);
      if (s) this.sessionsByToken.delete(s.token);
      this.sessions.delete(id);
    }
    this.sessionsByIdentity.delete(identityId);
    return ids.size;
  }

  identityByCredentialIdentifier(type: string, identifier: string): StoredIdentity | undefined {
    const id = this.credentialIndex.get(`${type}\u0000${normalizeIdentifier(type, identifier)}`);
    return id === undefined ? undefined : this.identities.get(id);
  }

  #unindex(identity: StoredIdentity): void {
    for (const key of credentialKeys(identity)) this.credentialIndex.delete(key);
    for (const a of identity.verifiable_addresses) this.verifiableIndex.delete(addressKey(a.via, a.value));
    for (const a of identity.recovery_addresses) this.recoveryIndex.delete(addressKey(a.via, a.value));
    if (identity.external_id !== null) this.externalIdIndex.delete(identity.external_id);
  }
}

/** Password, code and webauthn identifiers are stored lowercased and trimmed; OIDC/SAML stay exact. */
export function normalizeIdentifier(type: string, identifier: string): string {
  return type === 'oidc' || type === 'saml' ? identifier : identifier.trim().toLowerCase();
}

function credentialKeys(identity: StoredIdentity): string[] {
  const keys: string[] = [];
  for (const cred of Object.values(identity.credentials))
    for (const identifier of cred.identifiers)
      keys.push(`${cred.type}\u0000${normalizeIdentifier(cred.type, identifier)}`);
  return keys;
}

function addressKey(via: string, value: string): string {
  return `${via}\u0000${value}`;
}

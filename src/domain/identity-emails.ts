import type { Identity } from './identity.ts';

/** Every email address an identity is known by (addresses and password identifiers), lowercased, unique. */
export function identityEmails(identity: Identity): string[] {
  const found = new Set<string>();
  for (const address of [...(identity.verifiable_addresses ?? []), ...(identity.recovery_addresses ?? [])]) {
    if (address.via === 'email') found.add(address.value.toLowerCase());
  }
  for (const credential of Object.values(identity.credentials ?? {})) {
    for (const identifier of credential.identifiers ?? []) {
      if (identifier.includes('@')) found.add(identifier.toLowerCase());
    }
  }
  const traitEmail = identity.traits.email;
  if (typeof traitEmail === 'string' && traitEmail.includes('@')) found.add(traitEmail.toLowerCase());
  return [...found];
}

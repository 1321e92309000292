import { createHash } from 'node:crypto';
import { iso, type SimContext } from './context.ts';
import { badRequest, KratosHttpError, MSG } from './herodot.ts';
import { valuesAt } from './identity-schemas.ts';
import type { Profile } from './profiles.ts';
import type {
  JsonObject,
  StoredCredential,
  StoredIdentity,
  StoredRecoveryAddress,
  StoredVerifiableAddress,
} from './types.ts';

/**
 * Turns a create/update request into the identity row Kratos would store: schema lookup, trait validation,
 * credential identifiers and addresses recomputed from the traits via the schema extension, and imported
 * credentials (`identity/handler.go` create and update). Uniqueness is checked by the caller against the store.
 */
export interface IdentityInput {
  schema_id: string;
  traits: unknown;
  state: string;
  metadata_public: unknown;
  metadata_admin: unknown;
  external_id: string | null;
  organization_id: string | null;
  credentials?: JsonObject | null;
  verifiable_addresses?: JsonObject[] | null;
  recovery_addresses?: JsonObject[] | null;
}

export function checkState(state: string): void {
  if (state !== 'active' && state !== 'inactive') throw badRequest('identity state is not valid');
}

const V010_HASHES = ['$argon2id$', '$argon2i$', '$2a$', '$2b$', '$2y$', '$pbkdf2-'];
const NO_HMAC_HASHES = [
  ...V010_HASHES,
  '$1$',
  '$5$',
  '$6$',
  '$scrypt$',
  '{SSHA}',
  '{SSHA256}',
  '{SSHA512}',
  '$sha1$',
  '$sha256$',
  '$sha512$',
  '$firescrypt$',
  '$md5$',
];
const HASHES: Record<Profile['identity']['hashFormats'], string[]> = {
  'v0.10': V010_HASHES,
  'no-hmac': NO_HMAC_HASHES,
  all: [...NO_HMAC_HASHES, '$hmac-'],
};

/** Hash-format check and plaintext hashing; runs before schema validation, as in Kratos. */
export function importedPassword(
  ctx: SimContext,
  credentials: JsonObject | null | undefined,
): JsonObject | undefined {
  const config = ((credentials?.password as JsonObject | null | undefined)?.config ?? undefined) as
    JsonObject | undefined;
  if (!config) return undefined;
  if (config.use_password_migration_hook === true)
    return { hashed_password: '', use_password_migration_hook: true };
  if (typeof config.password === 'string' && config.password !== '')
    // Not a real password hash; a stand-in that never stores the plaintext.
    return { hashed_password: `$sha256$${createHash('sha256').update(config.password).digest('base64')}` };
  if (typeof config.hashed_password === 'string' && config.hashed_password !== '') {
    const known = HASHES[ctx.profile.identity.hashFormats];
    if (!known.some((prefix) => (config.hashed_password as string).startsWith(prefix)))
      throw badRequest(
        'The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2',
      );
    return { hashed_password: config.hashed_password };
  }
  return undefined;
}

export function buildIdentity(
  ctx: SimContext,
  id: string,
  prior: StoredIdentity | undefined,
  input: IdentityInput,
  password: JsonObject | undefined,
): StoredIdentity {
  const compiled = ctx.schemas.byId.get(input.schema_id);
  if (!compiled) throw badRequest(`Unable to find JSON Schema ID: ${input.schema_id}`);
  const reason = ctx.schemas.validateTraits(compiled, input.traits);
  if (reason !== undefined) throw badRequest(reason);

  // external_id is a VARCHAR(64); what a longer value produces is not confirmed from the source, most
  // likely a database error surfacing as a 500.
  if (input.external_id !== null && input.external_id.length > 64)
    throw new KratosHttpError({ status: 500, message: MSG.internal });
  const now = iso(ctx.now());
  const credentials: Record<string, StoredCredential> = {};
  for (const [type, cred] of Object.entries(prior?.credentials ?? {})) credentials[type] = { ...cred };
  const ensure = (type: string): StoredCredential =>
    (credentials[type] ??= {
      type,
      identifiers: [],
      config: {},
      version: 0,
      created_at: now,
      updated_at: now,
    });

  const derived = { password: new Set<string>(), code: new Set<string>(), webauthn: new Set<string>() };
  const verifiable = new Map<string, { via: string; value: string }>();
  const recovery = new Map<string, { via: string; value: string }>();
  for (const ext of compiled.extensions) {
    for (const value of valuesAt(input.traits, ext)) {
      if (ext.passwordIdentifier) derived.password.add(value.trim().toLowerCase());
      if (ext.codeIdentifier && ctx.profile.identity.codeIdentifiers)
        derived.code.add(value.trim().toLowerCase());
      if (ext.webauthnIdentifier) derived.webauthn.add(value.trim().toLowerCase());
      const address = (via: string) => ({
        via,
        value: via === 'email' ? value.trim().toLowerCase() : value.trim(),
      });
      if (ext.verificationVia)
        verifiable.set(
          `${ext.verificationVia}\u0000${address(ext.verificationVia).value}`,
          address(ext.verificationVia),
        );
      if (ext.recoveryVia)
        recovery.set(`${ext.recoveryVia}\u0000${address(ext.recoveryVia).value}`, address(ext.recoveryVia));
    }
  }
  for (const [type, identifiers] of Object.entries(derived)) {
    if (identifiers.size === 0 && !credentials[type]) continue;
    ensure(type).identifiers = [...identifiers];
  }
  if (derived.code.size > 0)
    ensure('code').config = {
      addresses: [...derived.code].map((address) => ({ channel: 'email', address })),
    };
  if (password) {
    const cred = ensure('password');
    cred.config = password;
    cred.updated_at = now;
  }
  importProviders(ensure, input.credentials, 'oidc', now);
  importProviders(ensure, input.credentials, 'saml', now);
  if (ctx.profile.identity.sortedIdentifiers)
    for (const cred of Object.values(credentials)) cred.identifiers.sort();

  const stateChanged = !prior || prior.state !== input.state;
  return {
    id,
    schema_id: input.schema_id,
    state: input.state,
    state_changed_at: stateChanged ? now : prior.state_changed_at,
    traits: input.traits,
    metadata_public: input.metadata_public ?? null,
    metadata_admin: input.metadata_admin ?? null,
    external_id: input.external_id || null,
    organization_id: input.organization_id,
    credentials,
    verifiable_addresses: verifiableAddresses(ctx, prior, input, [...verifiable.values()], now),
    recovery_addresses: recoveryAddresses(ctx, prior, [...recovery.values()], now),
    created_at: prior?.created_at ?? now,
    updated_at: now,
  };
}

/** OIDC/SAML providers are appended; their identifiers are `provider:subject`, case-sensitive. */
function importProviders(
  ensure: (type: string) => StoredCredential,
  credentials: JsonObject | null | undefined,
  type: 'oidc' | 'saml',
  now: string,
): void {
  const providers = (
    (credentials?.[type] as JsonObject | null | undefined)?.config as JsonObject | null | undefined
  )?.providers as JsonObject[] | null | undefined;
  if (!providers?.length) return;
  const cred = ensure(type);
  const existing = (cred.config.providers as JsonObject[] | undefined) ?? [];
  for (const p of providers) {
    const identifier = `${String(p.provider ?? '')}:${String(p.subject ?? '')}`;
    if (!cred.identifiers.includes(identifier)) cred.identifiers.push(identifier);
    existing.push({
      subject: p.subject ?? '',
      provider: p.provider ?? '',
      initial_id_token: '',
      initial_access_token: '',
      initial_refresh_token: '',
      ...(p.organization ? { organization: p.organization } : {}),
    });
  }
  cred.config = { providers: existing };
  cred.updated_at = now;
}

/** Derived addresses; an imported or previous address with the same (via, value) keeps its verification. */
function verifiableAddresses(
  ctx: SimContext,
  prior: StoredIdentity | undefined,
  input: IdentityInput,
  derived: Array<{ via: string; value: string }>,
  now: string,
): StoredVerifiableAddress[] {
  return derived.map(({ via, value }) => {
    const old = prior?.verifiable_addresses.find((a) => a.via === via && a.value === value);
    if (old) return old;
    const imported = (input.verifiable_addresses ?? []).find((a) => {
      const importedValue = String(a.value ?? '');
      return (
        a.via === via &&
        (ctx.profile.identity.lowercaseImportedAddresses ? importedValue.toLowerCase() : importedValue) ===
          value
      );
    });
    const address: StoredVerifiableAddress = {
      id: ctx.newId(),
      value,
      via,
      verified: imported?.verified === true,
      status: typeof imported?.status === 'string' && imported.status !== '' ? imported.status : 'pending',
      created_at: now,
      updated_at: now,
    };
    if (address.verified)
      address.verified_at = typeof imported?.verified_at === 'string' ? imported.verified_at : now;
    return address;
  });
}

function recoveryAddresses(
  ctx: SimContext,
  prior: StoredIdentity | undefined,
  derived: Array<{ via: string; value: string }>,
  now: string,
): StoredRecoveryAddress[] {
  return derived.map(
    ({ via, value }) =>
      prior?.recovery_addresses.find((a) => a.via === via && a.value === value) ?? {
        id: ctx.newId(),
        value,
        via,
        created_at: now,
        updated_at: now,
      },
  );
}

import { array, bool, type FieldSpec, raw, str, struct, time, uuid } from './strict-decode.ts';
import type { Profile } from './profiles.ts';

/**
 * The Go structs behind the strictly decoded bodies, per release (`identity/handler.go` `CreateIdentityBody`).
 * Before v25.4 there is no `external_id`; before v26's line there is no `organization_id`, `credentials.saml`,
 * `use_auto_link` or `organization`; `use_password_migration_hook` arrives in v1.3. Sending a field the
 * release lacks is an unknown-field 400.
 */
type StructSpec = FieldSpec & { kind: 'struct' };

const verifiableAddress = struct('identity.VerifiableAddress', {
  id: uuid,
  value: str,
  verified: bool,
  via: str,
  status: str,
  verified_at: time,
  created_at: time,
  updated_at: time,
});

const recoveryAddress = struct('identity.RecoveryAddress', {
  id: uuid,
  value: str,
  via: str,
  created_at: time,
  updated_at: time,
});

function credentialsSpec(profile: Profile): FieldSpec {
  const passwordConfig: Record<string, FieldSpec> = { hashed_password: str, password: str };
  if (profile.identity.passwordMigrationHook) passwordConfig.use_password_migration_hook = bool;
  const provider: Record<string, FieldSpec> = { subject: str, provider: str };
  const orgFields = profile.identity.organizationsAndSaml;
  if (orgFields) Object.assign(provider, { use_auto_link: bool, organization: uuid });
  const providers = (name: string): FieldSpec =>
    struct(`identity.AdminIdentityImportCredentials${name}`, {
      config: struct(`identity.AdminIdentityImportCredentials${name}Config`, {
        providers: array(
          `[]identity.AdminCreateIdentityImportCredentials${name}Provider`,
          struct('Provider', provider),
        ),
      }),
    });
  const fields: Record<string, FieldSpec> = {
    password: struct('identity.AdminIdentityImportCredentialsPassword', {
      config: struct('identity.AdminIdentityImportCredentialsPasswordConfig', passwordConfig),
    }),
    oidc: providers('OIDC'),
  };
  if (orgFields) fields.saml = providers('SAML');
  return struct('identity.IdentityWithCredentials', fields);
}

export function createBodySpec(profile: Profile): StructSpec {
  const fields: Record<string, FieldSpec> = {
    schema_id: str,
    traits: raw,
    credentials: credentialsSpec(profile),
    verifiable_addresses: array('[]identity.VerifiableAddress', verifiableAddress),
    recovery_addresses: array('[]identity.RecoveryAddress', recoveryAddress),
    metadata_public: raw,
    metadata_admin: raw,
    state: str,
  };
  if (profile.identity.organizationsAndSaml) fields.organization_id = uuid;
  if (profile.identity.externalId) fields.external_id = str;
  return struct('identity.CreateIdentityBody', fields) as StructSpec;
}

export function batchBodySpec(profile: Profile): StructSpec {
  return struct('identity.BatchPatchIdentitiesBody', {
    identities: array(
      '[]*identity.BatchIdentityPatch',
      struct('identity.BatchIdentityPatch', { create: createBodySpec(profile), patch_id: uuid }),
    ),
  }) as StructSpec;
}

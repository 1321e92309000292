import { array, bool, type FieldSpec, raw, str, struct, time, uuid } from './strict-decode.ts';
import type { ApiGeneration } from './types.ts';

/**
 * The Go structs behind the strictly decoded bodies, per API generation (BEHAVIOUR.md §2, §5). v0.10 lacks
 * `external_id`, `organization_id`, `credentials.saml`, `use_password_migration_hook`, `use_auto_link` and
 * `organization`, so sending any of them to it is an unknown-field 400.
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

function credentialsSpec(api: ApiGeneration): FieldSpec {
  const passwordConfig: Record<string, FieldSpec> = { hashed_password: str, password: str };
  if (api === 'v26') passwordConfig.use_password_migration_hook = bool;
  const provider: Record<string, FieldSpec> = { subject: str, provider: str };
  if (api === 'v26') Object.assign(provider, { use_auto_link: bool, organization: uuid });
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
  if (api === 'v26') fields.saml = providers('SAML');
  return struct('identity.IdentityWithCredentials', fields);
}

export function createBodySpec(api: ApiGeneration): StructSpec {
  const fields: Record<string, FieldSpec> = {
    schema_id: str,
    traits: raw,
    credentials: credentialsSpec(api),
    verifiable_addresses: array('[]identity.VerifiableAddress', verifiableAddress),
    recovery_addresses: array('[]identity.RecoveryAddress', recoveryAddress),
    metadata_public: raw,
    metadata_admin: raw,
    state: str,
  };
  if (api === 'v26') Object.assign(fields, { organization_id: uuid, external_id: str });
  return struct('identity.CreateIdentityBody', fields) as StructSpec;
}

export function batchBodySpec(): StructSpec {
  return struct('identity.BatchPatchIdentitiesBody', {
    identities: array(
      '[]*identity.BatchIdentityPatch',
      struct('identity.BatchIdentityPatch', { create: createBodySpec('v26'), patch_id: uuid }),
    ),
  }) as StructSpec;
}

import { createBodySpec } from '../body-specs.ts';
import { iso, type SimContext } from '../context.ts';
import { badRequest, KratosHttpError, MSG, notFound, uniqueViolation } from '../herodot.ts';
import { buildIdentity, checkState, importedPassword, type IdentityInput } from '../identity-build.ts';
import { ADMIN_VIEW, identityJson, type IdentityView, WRITTEN_VIEW } from '../identity-json.ts';
import { decodeRelaxedJson } from '../relaxed-decode.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { emptyReply, jsonReply } from '../replies.ts';
import { GoDecodeError, isUuid, strictDecode } from '../strict-decode.ts';
import type { JsonObject, StoredIdentity } from '../types.ts';

/** POST /admin/identities (`identity/handler.go` `create`). */
export const createIdentity: Handler = async (ctx, req) => {
  let body: JsonObject;
  try {
    body = strictDecode(await req.body(), createBodySpec(ctx.profile));
  } catch (err) {
    if (!(err instanceof GoDecodeError)) throw err;
    // v0.10 and v1.0 write HTTP 400 with a body that says 500 (`WriteErrorCode(400, err)`).
    const bodyCode = ctx.profile.errors.createDecodeBodyCode;
    throw new KratosHttpError({
      status: 400,
      message: err.message,
      ...(bodyCode !== 400 ? { bodyCode } : {}),
    });
  }
  const identity = prepareCreate(ctx, body);
  if (ctx.store.findConflict(identity)) throw createConflict(ctx);
  ctx.store.put(identity);
  return jsonReply(201, identityJson(ctx, identity, WRITTEN_VIEW), {
    location: `${ctx.baseUrl}/identities/${identity.id}`,
  });
};

/** Validates one decoded create body into a row (shared with the batch endpoint); throws 400s. */
export function prepareCreate(ctx: SimContext, body: JsonObject): StoredIdentity {
  const { input, password } = createInput(ctx, body);
  return buildIdentity(ctx, ctx.newId(), undefined, input, password);
}

/**
 * The checks Kratos makes while building the row, before schema validation: state and password hash
 * format. In a batch these fail the whole request; schema validation fails only the entry.
 */
export function createInput(
  ctx: SimContext,
  body: JsonObject,
): { input: IdentityInput; password: JsonObject | undefined } {
  const state = typeof body.state === 'string' && body.state !== '' ? body.state : 'active';
  checkState(state);
  const password = importedPassword(ctx, body.credentials as JsonObject | null | undefined);
  const input: IdentityInput = {
    schema_id:
      typeof body.schema_id === 'string' && body.schema_id !== '' ? body.schema_id : ctx.defaultSchemaId,
    traits: body.traits ?? {},
    state,
    metadata_public: body.metadata_public ?? null,
    metadata_admin: body.metadata_admin ?? null,
    external_id: typeof body.external_id === 'string' && body.external_id !== '' ? body.external_id : null,
    organization_id: typeof body.organization_id === 'string' ? body.organization_id : null,
    credentials: body.credentials as JsonObject | null | undefined,
    verifiable_addresses: body.verifiable_addresses as JsonObject[] | null | undefined,
    recovery_addresses: body.recovery_addresses as JsonObject[] | null | undefined,
  };
  return { input, password };
}

export function createConflict(ctx: SimContext): KratosHttpError {
  if (ctx.profile.errors.createConflict === 'sqlcon') return uniqueViolation();
  return new KratosHttpError({
    status: 409,
    message: MSG.conflict,
    reason: 'This identity conflicts with another identity that already exists.',
  });
}

/** Non-UUID path ids parse to the nil UUID and so answer 404 (`x/uuid.go`). */
export function findIdentity(ctx: SimContext, id: string | undefined): StoredIdentity {
  const identity = id && isUuid(id) ? ctx.store.identities.get(id.toLowerCase()) : undefined;
  if (!identity) throw notFound();
  return identity;
}

const CREDENTIAL_TYPES = new Set([
  'password',
  'oidc',
  'totp',
  'lookup_secret',
  'webauthn',
  'code',
  'passkey',
  'profile',
  'saml',
]);

export function viewWithIncludes(ctx: SimContext, req: RequestInfo, base: IdentityView): IdentityView {
  const include = req.query.getAll('include_credential');
  if (include.length === 0) return base;
  const parsed: string[] = [];
  for (const type of include) {
    const allowed =
      ctx.profile.identity.includeCredential === 'oidc-only' ? type === 'oidc' : CREDENTIAL_TYPES.has(type);
    if (!allowed) {
      // Go's %s of a []CredentialsType: `[oidc password]`.
      const shown = ctx.profile.identity.includeCredentialError === 'value' ? type : `[${parsed.join(' ')}]`;
      throw badRequest(undefined, `Invalid value \`${shown}\` for parameter \`include_credential\`.`);
    }
    parsed.push(type);
  }
  return { ...base, credentials: 'metadata', declassify: new Set(include) };
}

/** GET /admin/identities/{id} (`identity/handler.go` `get`). */
export const getIdentity: Handler = (ctx, req) => {
  const identity = findIdentity(ctx, req.params.id);
  return jsonReply(200, identityJson(ctx, identity, viewWithIncludes(ctx, req, ADMIN_VIEW)));
};

/** GET /admin/identities/by/external/{externalID} (v25.4+, exact match). */
export const getIdentityByExternalId: Handler = (ctx, req) => {
  const id = ctx.store.externalIdIndex.get(req.params.externalID ?? '');
  const identity = id === undefined ? undefined : ctx.store.identities.get(id);
  if (!identity) throw notFound();
  return jsonReply(200, identityJson(ctx, identity, viewWithIncludes(ctx, req, ADMIN_VIEW)));
};

/** PUT /admin/identities/{id}: replace, not merge (`identity/handler.go` `update`). */
export const updateIdentity: Handler = async (ctx, req) => {
  const prior = findIdentity(ctx, req.params.id);
  const body = decodeRelaxedJson(req, 'PUT', await req.body());
  const state = typeof body.state === 'string' && body.state !== '' ? body.state : prior.state;
  checkState(state);
  const credentials = ctx.profile.identity.putCredentials
    ? (body.credentials as JsonObject | null | undefined)
    : undefined;
  const password = importedPassword(ctx, credentials);
  const input: IdentityInput = {
    schema_id: typeof body.schema_id === 'string' && body.schema_id !== '' ? body.schema_id : prior.schema_id,
    traits: body.traits ?? {},
    state,
    metadata_public: body.metadata_public ?? null,
    metadata_admin: body.metadata_admin ?? null,
    // Before v25.4 the field does not exist and the relaxed decoder drops it.
    external_id:
      ctx.profile.identity.externalId && typeof body.external_id === 'string' && body.external_id !== ''
        ? body.external_id
        : null,
    organization_id: prior.organization_id,
    credentials,
  };
  const identity = buildIdentity(ctx, prior.id, prior, input, password);
  if (ctx.store.findConflict(identity)) throw uniqueViolation();
  ctx.store.put(identity);
  return jsonReply(200, identityJson(ctx, identity, WRITTEN_VIEW));
};

/** DELETE /admin/identities/{id}: 204, or 404 when nothing was deleted, in every release. */
export const deleteIdentity: Handler = (ctx, req) => {
  const identity = findIdentity(ctx, req.params.id);
  ctx.store.delete(identity.id);
  return emptyReply(204);
};

/** DELETE /admin/identities/{id}/credentials/{type} (v0.13+). */
export const deleteCredential: Handler = (ctx, req) => {
  const identity = findIdentity(ctx, req.params.id);
  const type = req.params.type ?? '';
  if (!identity.credentials[type]) throw notFound();
  // The spec: "You cannot delete passkeys or code auth credentials through this API."
  if (type === 'code' || type === 'passkey')
    throw badRequest(`You cannot remove ${type} credentials through this API.`);
  const { [type]: _removed, ...rest } = identity.credentials;
  ctx.store.put({ ...identity, credentials: rest, updated_at: iso(ctx.now()) });
  return emptyReply(204);
};

import {
  asIdentity,
  identityPath,
  isKratosNotFound,
  refused,
  unsupported,
  type KratosContext,
} from './context.ts';
import { pathSegmentProblem } from './path-segment.ts';
import type { RequestPlan } from './requester.ts';
import type {
  CreateIdentityBody,
  GetIdentityOptions,
  JsonPatchOperation,
  KratosCapabilities,
  KratosClient,
  UpdateIdentityBody,
} from './types.ts';
import type { Identity } from '../domain/identity.ts';

type IdentityOperations = Pick<
  KratosClient,
  | 'createIdentity'
  | 'getIdentity'
  | 'getIdentityByExternalId'
  | 'updateIdentity'
  | 'patchIdentity'
  | 'deleteIdentity'
>;

/** Single-identity CRUD on /admin/identities (docs/kratos-behaviour.md). */
export function identityOperations(ctx: KratosContext): IdentityOperations {
  const { call, capabilities } = ctx;

  async function getIdentity(id: string, options: GetIdentityOptions = {}): Promise<Identity> {
    // `include_credential=<type>` shows that credential's config (a password hash, OIDC providers);
    // identity/handler.go (getIdentity) checks each value against the known credential types.
    const include = (options.includeCredentials ?? []).map((type) => `include_credential=${type}`);
    const response = await call({
      operation: 'getIdentity',
      method: 'GET',
      path: include.length ? `${identityPath(id)}?${include.join('&')}` : identityPath(id),
      accept: [200],
      limit: { kind: 'read' },
      repeatable: true,
    });
    return asIdentity(response.data, 'getIdentity');
  }

  return {
    async createIdentity(body) {
      const withExternalId = capabilities.externalIdLookup && Boolean(body.external_id);
      const response = await call({
        operation: 'createIdentity',
        method: 'POST',
        path: '/admin/identities',
        body: createWireBody(body, capabilities),
        accept: [200, 201],
        limit: { kind: 'collection' },
        // A unique external_id turns a repeated create into a 409 instead of a second identity.
        repeatable: withExternalId,
      });
      return asIdentity(response.data, 'createIdentity');
    },

    getIdentity,

    async getIdentityByExternalId(externalId) {
      if (!capabilities.externalIdLookup) {
        throw unsupported('getIdentityByExternalId', capabilities, 'lookup by external_id');
      }
      const segment = pathSegmentProblem(externalId);
      if (segment) throw refused('getIdentityByExternalId', `external_id ${segment}`);
      const plan: RequestPlan = {
        operation: 'getIdentityByExternalId',
        method: 'GET',
        path: `/admin/identities/by/external/${encodeURIComponent(externalId)}`,
        accept: [200, 404],
        limit: { kind: 'read' },
        repeatable: true,
      };
      const response = await call(plan);
      if (isKratosNotFound(plan, response, ctx.now())) return null;
      return asIdentity(response.data, plan.operation);
    },

    async updateIdentity(id, body) {
      const current = needsCurrent(body, capabilities) ? await getIdentity(id) : undefined;
      const response = await call({
        operation: 'updateIdentity',
        method: 'PUT',
        path: identityPath(id),
        body: updateWireBody(body, current, capabilities),
        accept: [200],
        limit: { kind: 'identity', id },
        repeatable: true,
      });
      return asIdentity(response.data, 'updateIdentity');
    },

    async patchIdentity(id, operations) {
      if (!capabilities.jsonPatch) throw unsupported('patchIdentity', capabilities, 'JSON Patch');
      const response = await call({
        operation: 'patchIdentity',
        method: 'PATCH',
        path: identityPath(id),
        body: operations,
        accept: [200],
        limit: { kind: 'identity', id },
        repeatable: operations.every(isRepeatablePatch),
      });
      return asIdentity(response.data, 'patchIdentity');
    },

    async deleteIdentity(id) {
      const plan: RequestPlan = {
        operation: 'deleteIdentity',
        method: 'DELETE',
        path: identityPath(id),
        accept: [204, 404],
        limit: { kind: 'identity', id },
        // A repeat after a lost answer gets 404, which is reported as "already gone": the end state is the same.
        repeatable: true,
      };
      const response = await call(plan);
      return !isKratosNotFound(plan, response, ctx.now());
    },
  };
}

/**
 * Servers without external ids (v0.10.1, v1.x) decode creates strictly and answer 400
 * `json: unknown field "external_id"` (identity/handler.go), so the field is never sent there.
 */
export function createWireBody(
  body: CreateIdentityBody,
  capabilities: KratosCapabilities,
): CreateIdentityBody {
  if (body.external_id === undefined) return body;
  if (capabilities.externalIdLookup && body.external_id !== '') return body;
  const { external_id: _dropped, ...rest } = body;
  return rest;
}

function needsCurrent(body: UpdateIdentityBody, capabilities: KratosCapabilities): boolean {
  return (
    body.metadata_public === undefined ||
    body.metadata_admin === undefined ||
    (capabilities.externalIdLookup && body.external_id === undefined)
  );
}

/**
 * PUT replaces: a missing `metadata_*` or `external_id` is cleared (docs/kratos-behaviour.md, "Updating
 * identities"). So every field is sent, taken from the caller or, when the caller left it undefined, from
 * the identity as it is now.
 */
function updateWireBody(
  body: UpdateIdentityBody,
  current: Identity | undefined,
  capabilities: KratosCapabilities,
): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    schema_id: body.schema_id,
    traits: body.traits,
    state: body.state,
    metadata_public:
      body.metadata_public !== undefined ? body.metadata_public : (current?.metadata_public ?? null),
    metadata_admin:
      body.metadata_admin !== undefined ? body.metadata_admin : (current?.metadata_admin ?? null),
  };
  if (capabilities.externalIdLookup) {
    // Kratos stores "" as NULL: that is how `null` (clear) is sent.
    wire.external_id =
      body.external_id !== undefined ? (body.external_id ?? '') : (current?.external_id ?? '');
  }
  return wire;
}

/** Replacing or adding at a fixed path gives the same result twice; removing or appending does not. */
function isRepeatablePatch(operation: JsonPatchOperation): boolean {
  return operation.op !== 'remove' && !operation.path.endsWith('/-');
}

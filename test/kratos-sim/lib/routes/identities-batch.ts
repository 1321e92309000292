import { batchBodySpec } from '../body-specs.ts';
import { errorObject, KratosHttpError, MSG } from '../herodot.ts';
import { buildIdentity } from '../identity-build.ts';
import { badRequest } from '../herodot.ts';
import { jsonReply } from '../replies.ts';
import type { Handler } from '../router.ts';
import { GoDecodeError, strictDecode } from '../strict-decode.ts';
import type { JsonObject } from '../types.ts';
import { createInput } from './identities-crud.ts';

/**
 * PATCH /admin/identities: batch create, v26 only (BEHAVIOUR.md §5). Whole-request 400s for decode errors,
 * the 1000/200 limits, bad states and bad hashes; otherwise 200 with index-aligned per-entry results,
 * where conflicts inside the batch are resolved first-wins.
 */
export const batchCreateIdentities: Handler = async (ctx, req) => {
  let body: JsonObject;
  try {
    body = strictDecode(await req.body(), batchBodySpec());
  } catch (err) {
    if (!(err instanceof GoDecodeError)) throw err;
    throw new KratosHttpError({ status: 400, bodyCode: 500, message: err.message });
  }
  const entries = (body.identities as Array<JsonObject | null> | null | undefined) ?? [];
  if (entries.length > 1000)
    throw badRequest(
      'The maximum number of identities per request that can be created or deleted at once is 1000.',
    );

  let plaintext = 0;
  const prepared = entries.map((entry) => {
    const create = entry?.create as JsonObject | null | undefined;
    if (!create) return undefined;
    const passwordConfig = (
      (create.credentials as JsonObject | null | undefined)?.password as JsonObject | null | undefined
    )?.config as JsonObject | null | undefined;
    if (typeof passwordConfig?.password === 'string' && passwordConfig.password !== '') plaintext++;
    return createInput(ctx, create);
  });
  if (plaintext > 200)
    throw badRequest(
      'The maximum number of identities per request that can be created with a plaintext password is 200.',
    );

  const results = prepared.map((prep, i) => {
    if (!prep) return null;
    const patchId = entries[i]?.patch_id as string | null | undefined;
    const withPatchId = (r: JsonObject): JsonObject => (patchId ? { ...r, patch_id: patchId } : r);
    try {
      const identity = buildIdentity(ctx, ctx.newId(), undefined, prep.input, prep.password);
      if (ctx.store.findConflict(identity))
        return withPatchId({
          action: 'error',
          error: errorObject({ status: 409, message: MSG.uniqueViolation }, ctx.api),
        });
      ctx.store.put(identity);
      return { action: 'create', identity: identity.id, ...(patchId ? { patch_id: patchId } : {}) };
    } catch (err) {
      if (!(err instanceof KratosHttpError)) throw err;
      return withPatchId({ action: 'error', error: errorObject(err.error, ctx.api) });
    }
  });
  return jsonReply(200, { identities: results });
};

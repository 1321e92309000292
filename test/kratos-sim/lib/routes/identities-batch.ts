import type { SimContext } from '../context.ts';
import { batchBodySpec } from '../body-specs.ts';
import {
  badRequest,
  errorObject,
  type HerodotError,
  KratosHttpError,
  MSG,
  uniqueViolation,
} from '../herodot.ts';
import { buildIdentity, type IdentityInput } from '../identity-build.ts';
import { jsonReply } from '../replies.ts';
import type { Handler } from '../router.ts';
import { GoDecodeError, strictDecode } from '../strict-decode.ts';
import type { JsonObject, StoredIdentity } from '../types.ts';
import { createInput } from './identities-crud.ts';

/**
 * PATCH /admin/identities: batch create (`identity/handler.go` `batchPatchIdentities`, `identity/manager.go`
 * `CreateIdentities`). Whole-request 400s for decode errors, the entry limit (and from v25.4 the plaintext
 * limit), bad states and bad hashes. Then either per-item results (v1.3+: 200, index-aligned, conflicts
 * inside the batch resolved first-wins) or, before v1.3, all or nothing: one invalid or conflicting entry
 * fails the whole request and nothing is created.
 */
type Prepared = { input: IdentityInput; password: JsonObject | undefined } | undefined;

export const batchCreateIdentities: Handler = async (ctx, req) => {
  const limits = ctx.profile.batch;
  let body: JsonObject;
  try {
    body = strictDecode(await req.body(), batchBodySpec(ctx.profile));
  } catch (err) {
    if (!(err instanceof GoDecodeError)) throw err;
    throw new KratosHttpError({ status: 400, bodyCode: 500, message: err.message });
  }
  const entries = (body.identities as Array<JsonObject | null> | null | undefined) ?? [];
  if (entries.length > limits.maxEntries) throw badRequest(limits.limitReason);

  let plaintext = 0;
  const prepared: Prepared[] = entries.map((entry) => {
    const create = entry?.create as JsonObject | null | undefined;
    if (!create) return undefined;
    const passwordConfig = (
      (create.credentials as JsonObject | null | undefined)?.password as JsonObject | null | undefined
    )?.config as JsonObject | null | undefined;
    if (typeof passwordConfig?.password === 'string' && passwordConfig.password !== '') plaintext++;
    return createInput(ctx, create);
  });
  if (limits.maxPlaintext !== undefined && plaintext > limits.maxPlaintext)
    throw badRequest(
      `The maximum number of identities per request that can be created with a plaintext password is ${limits.maxPlaintext}.`,
    );

  const results =
    limits.mode === 'all-or-nothing' ? createAll(ctx, entries, prepared) : createEach(ctx, entries, prepared);
  return jsonReply(200, { identities: results });
};

/** The result entry echoes `patch_id` when the request sent one. */
function withPatchId(entry: JsonObject | null | undefined, result: JsonObject): JsonObject {
  const patchId = entry?.patch_id as string | null | undefined;
  return patchId ? { ...result, patch_id: patchId } : result;
}

function createEach(ctx: SimContext, entries: Array<JsonObject | null>, prepared: Prepared[]): unknown[] {
  return prepared.map((prep, i) => {
    if (!prep) return null;
    const entry = entries[i];
    try {
      const identity = buildIdentity(ctx, ctx.newId(), undefined, prep.input, prep.password);
      if (ctx.store.findConflict(identity))
        return withPatchId(entry, {
          action: 'error',
          error: errorObject({ status: 409, message: MSG.uniqueViolation }, ctx.profile),
        });
      ctx.store.put(identity);
      return withPatchId(entry, { action: 'create', identity: identity.id });
    } catch (err) {
      if (!(err instanceof KratosHttpError)) throw err;
      return withPatchId(entry, {
        action: 'error',
        error: errorObject(itemError(ctx, err.error), ctx.profile),
      });
    }
  });
}

/** v1.3 and v25.4 re-wrap the validation error with `WithReasonf("%s", err)`, which prints its message. */
function itemError(ctx: SimContext, error: HerodotError): HerodotError {
  if (ctx.profile.batch.itemReason === 'specific' || error.status !== 400) return error;
  return { ...error, reason: error.message };
}

/**
 * Before v1.3 the batch is one transaction: an entry that fails validation fails the request with its
 * 400, and any unique conflict, with Kratos' data or inside the batch, with the raw 409; nothing stays.
 */
function createAll(ctx: SimContext, entries: Array<JsonObject | null>, prepared: Prepared[]): unknown[] {
  const built = prepared.map((prep) =>
    prep ? buildIdentity(ctx, ctx.newId(), undefined, prep.input, prep.password) : undefined,
  );
  const inserted: StoredIdentity[] = [];
  for (const identity of built) {
    if (!identity) continue;
    if (ctx.store.findConflict(identity)) {
      for (const done of inserted) ctx.store.delete(done.id);
      throw uniqueViolation();
    }
    ctx.store.put(identity);
    inserted.push(identity);
  }
  return built.map((identity, i) =>
    identity ? withPatchId(entries[i], { action: 'create', identity: identity.id }) : null,
  );
}

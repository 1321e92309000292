import { boundRemoteText } from '../config/remote-text.ts';
import { refused, unsupported, type KratosContext } from './context.ts';
import { codeForStatus, KratosError } from './errors.ts';
import { createWireBody } from './identities.ts';
import { PreparedJson } from './prepared-json.ts';
import type { BatchCreateResult, CreateIdentityBody, KratosCapabilities } from './types.ts';

const OPERATION = 'batchCreateIdentities';

interface BatchEntry {
  action?: unknown;
  identity?: unknown;
  error?: { code?: unknown; reason?: unknown; message?: unknown } | null;
}

/**
 * PATCH /admin/identities with `{identities:[{create}]}` (docs/kratos-behaviour.md, "Batch create"). The
 * answer is index-aligned: `action: "create"` with the new id, `action: "error"` with a bare herodot error,
 * or `null` for a skipped entry. v1.3+ answers 200 even when every entry failed.
 *
 * A per-entry error has no HTTP status of its own, so its `status` is the entry's `error.code` — the only
 * place the client reads a body code.
 *
 * A batch refused as a whole created nothing:
 * - 409 (v1.0–v1.2 for any conflict, MySQL always): thrown as a conflict. Only the caller knows how to find
 *   the people already there (by marker, email or external id), so it finds them and sends the rest again
 *   instead of creating 2,000 identities one by one.
 * - 400 (one entry with a bad state or hash, a schema-invalid entry on v1.0–v1.2, or the docs' "all
 *   failed" form): the batch is split in halves and each half sent again, down to the entry at fault, which
 *   gets the 400 as its own answer. One bad entry among 2,000 costs about 22 requests, not 2,000.
 * Transient failures are retried as usual; a repeated batch after a lost answer is allowed only when every
 * entry has an external_id (a repeat then yields 409s, which the caller resolves by lookup, never duplicates).
 */
export async function batchCreateIdentities(
  ctx: KratosContext,
  bodies: CreateIdentityBody[],
): Promise<BatchCreateResult[]> {
  if (!ctx.capabilities.batchCreate) {
    throw unsupported(OPERATION, ctx.capabilities, 'batch create (PATCH /admin/identities, Kratos ≥ v0.13)');
  }
  const limit = ctx.capabilities.batchLimit;
  if (bodies.length > limit) {
    throw refused(OPERATION, `${bodies.length} entries; Kratos accepts at most ${limit} per request`);
  }
  if (bodies.length === 0) return [];
  return sendOrSplit(ctx, bodies);
}

/** Requests serialised by `prepareBatchCreate`, by the bodies array they were made from. */
const prepared = new WeakMap<CreateIdentityBody[], { externalIds: boolean; json: PreparedJson }>();

/**
 * Serialise the batch create of `bodies` for a server with these capabilities now (while the batch before
 * it is in flight); a later `batchCreateIdentities` with this same array, unchanged, sends that text once.
 * Its halves, after a 400, are serialised when they are sent.
 */
export function prepareBatchCreate(capabilities: KratosCapabilities, bodies: CreateIdentityBody[]): void {
  if (!capabilities.batchCreate || bodies.length === 0) return;
  const externalIds = capabilities.externalIdLookup;
  prepared.set(bodies, { externalIds, json: new PreparedJson(requestBody(capabilities, bodies)) });
}

function requestBody(capabilities: KratosCapabilities, bodies: CreateIdentityBody[]) {
  return { identities: bodies.map((create) => ({ create: createWireBody(create, capabilities) })) };
}

/** The prepared text of this batch, if it was made for a server that stores external ids as this one does. */
function takePrepared(ctx: KratosContext, bodies: CreateIdentityBody[]): PreparedJson | undefined {
  const ready = prepared.get(bodies);
  prepared.delete(bodies);
  return ready?.externalIds === ctx.capabilities.externalIdLookup ? ready.json : undefined;
}

async function sendOrSplit(ctx: KratosContext, bodies: CreateIdentityBody[]): Promise<BatchCreateResult[]> {
  let response;
  const ready = takePrepared(ctx, bodies);
  try {
    response = await ctx.call({
      operation: OPERATION,
      method: 'PATCH',
      path: '/admin/identities',
      body: ready ?? requestBody(ctx.capabilities, bodies),
      accept: [200],
      limit: { kind: 'collection' },
      repeatable: ctx.capabilities.externalIdLookup && bodies.every((body) => Boolean(body.external_id)),
    });
  } catch (err) {
    if (!(err instanceof KratosError) || err.status !== 400) throw err;
    if (bodies.length === 1) return [entryRefused(err)];
    ctx.logger.warn(
      { operation: OPERATION, status: err.status, entries: bodies.length, reason: err.envelope.reason },
      'kratos refused the batch as a whole; sending each half again',
    );
    const half = Math.ceil(bodies.length / 2);
    const first = await sendOrSplit(ctx, bodies.slice(0, half));
    try {
      return [...first, ...(await sendOrSplit(ctx, bodies.slice(half)))];
    } catch (later) {
      // The first half may have created identities: the caller must look its entries up, not retry blindly.
      if (later instanceof KratosError && first.some((result) => result?.ok === true))
        throw later.withAttempts(later.attempts, true);
      throw later;
    }
  }
  return readResults(response.data, bodies.length);
}

/** A one-entry batch refused as a whole: the refusal is that entry's own answer. */
function entryRefused(err: KratosError): BatchCreateResult {
  return {
    ok: false,
    status: err.status ?? 400,
    code: err.code,
    message: err.envelope.message ?? err.message,
    ...(err.envelope.reason !== undefined ? { reason: err.envelope.reason } : {}),
  };
}

function readResults(data: unknown, expected: number): BatchCreateResult[] {
  const entries = (data as { identities?: unknown } | null)?.identities;
  if (!Array.isArray(entries) || entries.length !== expected) {
    throw new KratosError({
      status: undefined,
      operation: OPERATION,
      message: `Kratos ${OPERATION}: expected ${expected} index-aligned results, got ${
        Array.isArray(entries) ? entries.length : 'none'
      }`,
    });
  }
  return entries.map((entry: BatchEntry | null) => {
    if (entry === null || typeof entry !== 'object') return null;
    if (entry.action === 'create' && typeof entry.identity === 'string')
      return { ok: true, id: entry.identity };
    const error = entry.error ?? {};
    const status = typeof error.code === 'number' ? error.code : 500;
    return {
      ok: false,
      status,
      code: codeForStatus(status),
      message:
        typeof error.message === 'string'
          ? boundRemoteText(error.message)
          : 'batch entry failed without a message',
      ...(typeof error.reason === 'string' ? { reason: boundRemoteText(error.reason) } : {}),
    };
  });
}

import { iso, type SimContext } from '../context.ts';
import { badRequest, KratosHttpError, MSG } from '../herodot.ts';
import { formatGoDuration, parseGoDuration } from '../go-duration.ts';
import { issueRecoveryCode, issueRecoveryLink } from '../recovery-flows.ts';
import { decodeRelaxedJson } from '../relaxed-decode.ts';
import { jsonReply } from '../replies.ts';
import type { Handler, RequestInfo } from '../router.ts';
import { isUuid } from '../strict-decode.ts';
import type { JsonObject } from '../types.ts';

/** Kratos' default `selfservice.methods.{link,code}.config.lifespan`. */
const DEFAULT_LIFESPAN_MS = 3_600_000;

async function decode(req: RequestInfo): Promise<JsonObject> {
  const body = decodeRelaxedJson(req, 'POST', await req.body());
  const id = body.identity_id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || !isUuid(id)))
    throw badRequest(`Unable to decode JSON payload: invalid UUID ${JSON.stringify(id)}`);
  return body;
}

/**
 * The link endpoint echoes the raw text ("must be result to"); the code endpoint prints Go's formatting
 * from v1.2 and the raw text before.
 */
function lifespan(ctx: SimContext, body: JsonObject, kind: 'link' | 'code'): number {
  const raw = body.expires_in;
  if (raw === undefined || raw === null || raw === '') return DEFAULT_LIFESPAN_MS;
  const ms = parseGoDuration(String(raw));
  if (ms === undefined)
    throw badRequest(
      `Unable to parse "expires_in" whose format should match "[0-9]+(ns|us|ms|s|m|h)" but did not: ${String(raw)}`,
    );
  if (ms <= 0)
    throw badRequest(
      kind === 'link'
        ? `Value from "expires_in" must be result to a future time: ${String(raw)}`
        : `Value from "expires_in" must result to a future time: ${
            ctx.profile.recovery.codeExpiresInFormat === 'go' ? formatGoDuration(ms) : String(raw)
          }`,
    );
  return ms;
}

function ensureEnabled(ctx: SimContext, method: 'link' | 'code'): void {
  if (ctx.disabledRecoveryMethods.has(method))
    throw new KratosHttpError({
      status: 404,
      message: MSG.notFound,
      reason:
        'This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.',
    });
}

/** POST /admin/recovery/link: 200, or 400 for an unknown identity (`selfservice/strategy/link/strategy_recovery.go`). */
export const createRecoveryLink: Handler = async (ctx, req) => {
  ensureEnabled(ctx, 'link');
  const body = await decode(req);
  const ms = lifespan(ctx, body, 'link');
  const id = typeof body.identity_id === 'string' ? body.identity_id.toLowerCase() : '';
  if (!ctx.store.identities.has(id)) throw badRequest('The requested identity id does not exist.');
  const { link, flow } = issueRecoveryLink(ctx, id, ms);
  return jsonReply(200, { recovery_link: link, expires_at: iso(flow.expiresAtMs) });
};

/** POST /admin/recovery/code (v0.11+): 201 with a 6-digit code, 404 for an unknown identity (§9.2). */
export const createRecoveryCode: Handler = async (ctx, req) => {
  ensureEnabled(ctx, 'code');
  const body = await decode(req);
  const ms = lifespan(ctx, body, 'code');
  // Before v1.2 `flow_type` is ignored and every flow is a browser flow.
  const flowType = ctx.profile.recovery.codeFlowType ? (body.flow_type ?? 'browser') : 'browser';
  if (flowType !== 'browser' && flowType !== 'api')
    throw badRequest(`Value from "flow_type" is not valid: "${String(flowType)}"`);
  const id = typeof body.identity_id === 'string' ? body.identity_id.toLowerCase() : '';
  if (!ctx.store.identities.has(id))
    throw new KratosHttpError({ status: 404, message: MSG.noRows, reason: 'could not find identity' });
  const { link, flow } = issueRecoveryCode(ctx, id, ms);
  return jsonReply(201, { recovery_link: link, recovery_code: flow.code, expires_at: iso(flow.expiresAtMs) });
};

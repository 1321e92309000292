import { randomBytes, randomInt } from 'node:crypto';
import type { SimContext } from './context.ts';
import { createSession } from './sessions.ts';
import type { RecoveryFlow } from './types.ts';

/**
 * Recovery flows behind admin-issued links and codes, and what happens when someone uses one: a valid,
 * unexpired secret works exactly once and logs the person in (a new session, as Kratos does before
 * sending them to the settings UI); a wrong, used or expired one does not. Codes allow 5 wrong attempts.
 */
export type RecoveryOutcome =
  | { ok: true; identityId: string; sessionToken: string; sessionId: string }
  | {
      ok: false;
      error: 'unknown_flow' | 'invalid_token' | 'used' | 'expired' | 'invalid_code' | 'too_many_attempts';
    };

const MAX_CODE_ATTEMPTS = 5;

export function issueRecoveryLink(
  ctx: SimContext,
  identityId: string,
  lifespanMs: number,
): { link: string; flow: RecoveryFlow } {
  const flow: RecoveryFlow = {
    id: ctx.newId(),
    identity_id: identityId,
    kind: 'link',
    token: randomBytes(24).toString('base64url'),
    expiresAtMs: ctx.now() + lifespanMs,
    used: false,
    failedAttempts: 0,
  };
  ctx.store.addRecoveryFlow(flow);
  return { link: `${ctx.baseUrl}/self-service/recovery?flow=${flow.id}&token=${flow.token}`, flow };
}

export function issueRecoveryCode(
  ctx: SimContext,
  identityId: string,
  lifespanMs: number,
): { link: string; flow: RecoveryFlow } {
  const flow: RecoveryFlow = {
    id: ctx.newId(),
    identity_id: identityId,
    kind: 'code',
    code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
    expiresAtMs: ctx.now() + lifespanMs,
    used: false,
    failedAttempts: 0,
  };
  ctx.store.addRecoveryFlow(flow);
  return { link: `${ctx.baseUrl}/_sim/ui/recovery?flow=${flow.id}`, flow };
}

export function useRecoveryToken(ctx: SimContext, flowId: string, token: string): RecoveryOutcome {
  const flow = ctx.store.recoveryFlows.get(flowId);
  if (!flow || flow.kind !== 'link') return { ok: false, error: 'unknown_flow' };
  if (flow.token !== token) return { ok: false, error: 'invalid_token' };
  return redeem(ctx, flow);
}

export function useRecoveryCode(ctx: SimContext, flowId: string, code: string): RecoveryOutcome {
  const flow = ctx.store.recoveryFlows.get(flowId);
  if (!flow || flow.kind !== 'code') return { ok: false, error: 'unknown_flow' };
  if (flow.failedAttempts >= MAX_CODE_ATTEMPTS) return { ok: false, error: 'too_many_attempts' };
  if (flow.code !== code.trim()) {
    flow.failedAttempts++;
    return { ok: false, error: 'invalid_code' };
  }
  return redeem(ctx, flow);
}

/** Parses a full recovery link (as delivered to a new hire) and uses it. */
export function useRecoveryLinkUrl(ctx: SimContext, link: string): RecoveryOutcome {
  const url = new URL(link);
  return useRecoveryToken(ctx, url.searchParams.get('flow') ?? '', url.searchParams.get('token') ?? '');
}

function redeem(ctx: SimContext, flow: RecoveryFlow): RecoveryOutcome {
  if (flow.used) return { ok: false, error: 'used' };
  if (ctx.now() >= flow.expiresAtMs) return { ok: false, error: 'expired' };
  const identity = ctx.store.identities.get(flow.identity_id);
  if (!identity) return { ok: false, error: 'unknown_flow' };
  flow.used = true;
  const session = createSession(ctx, identity.id, flow.kind === 'link' ? 'link_recovery' : 'code_recovery');
  return { ok: true, identityId: identity.id, sessionToken: session.token, sessionId: session.id };
}

import type { SimContext } from '../context.ts';
import { badRequest } from '../herodot.ts';
import { useRecoveryCode, useRecoveryLinkUrl } from '../recovery-flows.ts';
import { jsonReply } from '../replies.ts';
import type { Route } from '../router.ts';
import { createSession } from '../sessions.ts';
import type { SimStats } from '../stats.ts';
import type { Faults } from '../types.ts';
import { recoveryUi, settingsUi } from './self-service-recovery.ts';

/**
 * Test-only routes under `/_sim/` (never faulted, never counted): simulated logins, counters, reset,
 * fault control, and using a recovery link or code as a person would.
 */
export interface SimControl {
  stats(): SimStats;
  reset(): void;
  faults(): Faults;
  setFaults(faults: Faults): void;
}

async function jsonBody(body: () => Promise<string>): Promise<Record<string, unknown>> {
  const text = await body();
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest(`/_sim body is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('/_sim body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function simControlRoutes(control: SimControl): Route[] {
  return [
    {
      method: 'POST',
      template: '/_sim/sessions',
      handler: async (ctx: SimContext, req) => {
        const body = await jsonBody(req.body);
        const identity = ctx.store.identities.get(String(body.identity_id ?? ''));
        if (!identity) return jsonReply(404, { error: 'unknown identity_id' });
        // Kratos refuses logins of inactive identities.
        if (identity.state !== 'active') return jsonReply(403, { error: 'identity is inactive' });
        const lifespan = typeof body.expires_in_ms === 'number' ? body.expires_in_ms : undefined;
        const session = createSession(ctx, identity.id, 'password', lifespan);
        return jsonReply(201, {
          session_token: session.token,
          session_id: session.id,
          expires_at: session.expires_at,
        });
      },
    },
    { method: 'GET', template: '/_sim/stats', handler: () => jsonReply(200, control.stats()) },
    {
      method: 'POST',
      template: '/_sim/reset',
      handler: () => {
        control.reset();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      template: '/_sim/faults',
      handler: () => jsonReply(200, control.faults()),
    },
    {
      method: 'PUT',
      template: '/_sim/faults',
      handler: async (_ctx, req) => {
        const body = await jsonBody(req.body);
        try {
          control.setFaults(body as Faults);
        } catch (err) {
          throw badRequest((err as Error).message);
        }
        return jsonReply(200, control.faults());
      },
    },
    {
      method: 'POST',
      template: '/_sim/recovery/use',
      handler: async (ctx, req) => {
        const body = await jsonBody(req.body);
        const outcome =
          typeof body.link === 'string'
            ? useRecoveryLinkUrl(ctx, body.link)
            : useRecoveryCode(ctx, String(body.flow ?? ''), String(body.code ?? ''));
        return jsonReply(outcome.ok ? 200 : 410, outcome);
      },
    },
    { method: 'GET', template: '/_sim/ui/recovery', handler: recoveryUi },
    { method: 'GET', template: '/_sim/ui/settings', handler: settingsUi },
  ];
}

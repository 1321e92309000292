import type { SimContext } from '../context.ts';
import { type RecoveryOutcome, useRecoveryCode, useRecoveryToken } from '../recovery-flows.ts';
import { htmlReply, redirect } from '../replies.ts';
import type { Handler } from '../router.ts';
import type { Reply } from '../types.ts';

/**
 * What a new hire's browser meets: `GET /self-service/recovery?flow&token` (the admin link) and the code
 * form posted to `POST /self-service/recovery?flow`. Success logs them in (session cookie) and sends them
 * to the settings UI; failure sends them back to the recovery UI with the reason, as Kratos does.
 */
const MESSAGES: Record<string, string> = {
  unknown_flow: 'The recovery flow could not be found. Please start a new one.',
  invalid_token: 'The recovery token is invalid or has already been used. Please retry the flow.',
  used: 'The recovery token is invalid or has already been used. Please retry the flow.',
  expired: 'The recovery flow expired, please try again.',
  invalid_code: 'The recovery code is invalid or has already been used. Please try again.',
  too_many_attempts: 'The request was submitted too often. Please request another code.',
};

function outcomeReply(ctx: SimContext, outcome: RecoveryOutcome, flowId: string, method: string): Reply {
  if (!outcome.ok)
    return redirect(
      303,
      `${ctx.baseUrl}/_sim/ui/recovery?flow=${encodeURIComponent(flowId)}&error=${outcome.error}`,
      method,
    );
  const reply = redirect(303, `${ctx.baseUrl}/_sim/ui/settings?identity=${outcome.identityId}`, method);
  reply.headers = {
    ...reply.headers,
    'set-cookie': `ory_kratos_session=${outcome.sessionToken}; Path=/; HttpOnly; SameSite=Lax`,
  };
  return reply;
}

export const recoveryWithToken: Handler = (ctx, req) => {
  const flowId = req.query.get('flow') ?? '';
  return outcomeReply(ctx, useRecoveryToken(ctx, flowId, req.query.get('token') ?? ''), flowId, req.method);
};

export const recoveryWithCode: Handler = async (ctx, req) => {
  const flowId = req.query.get('flow') ?? '';
  const text = await req.body();
  const isJson = String(req.headers['content-type'] ?? '').includes('json');
  const code = isJson ? jsonCode(text) : (new URLSearchParams(text).get('code') ?? '');
  return outcomeReply(ctx, useRecoveryCode(ctx, flowId, code), flowId, req.method);
};

function jsonCode(text: string): string {
  try {
    return String((JSON.parse(text) as { code?: unknown }).code ?? '');
  } catch {
    return '';
  }
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The recovery UI (`selfservice.flows.recovery.ui_url`): the code form, or the error of a failed attempt. */
export const recoveryUi: Handler = (_ctx, req) => {
  const flow = req.query.get('flow') ?? '';
  const error = req.query.get('error');
  const message = error ? `<p id="error" role="alert">${escapeHtml(MESSAGES[error] ?? error)}</p>` : '';
  return htmlReply(
    200,
    `<!doctype html><html><head><title>Recover your account</title></head><body><h1>Recover your account</h1>${message}` +
      `<form method="post" action="/self-service/recovery?flow=${encodeURIComponent(flow)}">` +
      `<input type="hidden" name="method" value="code"><label>Recovery code <input name="code" id="code" autocomplete="one-time-code"></label>` +
      `<button type="submit" id="submit">Continue</button></form></body></html>`,
  );
};

/** The settings UI a recovered user lands on; shows who is logged in (from the session cookie). */
export const settingsUi: Handler = (ctx, req) => {
  const identity = ctx.store.identities.get(req.query.get('identity') ?? '');
  const traits = (identity?.traits ?? {}) as { email?: unknown };
  return htmlReply(
    200,
    `<!doctype html><html><head><title>Account settings</title></head><body><h1>Set your password</h1>` +
      `<p id="recovered">Account recovered${typeof traits.email === 'string' ? ` for ${escapeHtml(traits.email)}` : ''}.</p></body></html>`,
  );
};

import { Secret } from '../config/secret.ts';
import { unsupported, type KratosContext } from './context.ts';
import { KratosError } from './errors.ts';
import type { RecoveryCode, RecoveryLink } from './types.ts';

/**
 * Admin recovery (docs/kratos-behaviour.md, "Deleting, sessions and recovery"). The link and the code are
 * wrapped in `Secret` the moment they are read, so no later log line, error or report can print them. Note the asymmetry for an unknown identity: the
 * link endpoint answers 400, the code endpoint 404.
 */
export async function createRecoveryLink(
  ctx: KratosContext,
  identityId: string,
  expiresIn: string,
): Promise<RecoveryLink> {
  const data = await postRecovery(ctx, 'createRecoveryLink', '/admin/recovery/link', identityId, expiresIn);
  return {
    link: new Secret(requireString(data?.recovery_link, 'createRecoveryLink', 'recovery_link')),
    expiresAt: requireString(data?.expires_at, 'createRecoveryLink', 'expires_at'),
  };
}

export async function createRecoveryCode(
  ctx: KratosContext,
  identityId: string,
  expiresIn: string,
): Promise<RecoveryCode> {
  if (!ctx.capabilities.recoveryCodes) {
    throw unsupported('createRecoveryCode', ctx.capabilities, 'POST /admin/recovery/code');
  }
  const data = await postRecovery(ctx, 'createRecoveryCode', '/admin/recovery/code', identityId, expiresIn);
  return {
    link: new Secret(requireString(data?.recovery_link, 'createRecoveryCode', 'recovery_link')),
    code: new Secret(requireString(data?.recovery_code, 'createRecoveryCode', 'recovery_code')),
    expiresAt: requireString(data?.expires_at, 'createRecoveryCode', 'expires_at'),
  };
}

/** The answer's fields, unread: the caller wraps each secret in `Secret` as it takes it. */
async function postRecovery(
  ctx: KratosContext,
  operation: 'createRecoveryLink' | 'createRecoveryCode',
  path: string,
  identityId: string,
  expiresIn: string,
): Promise<{ recovery_link?: unknown; recovery_code?: unknown; expires_at?: unknown } | undefined> {
  const response = await ctx.call({
    operation,
    method: 'POST',
    path,
    body: { identity_id: identityId, expires_in: expiresIn },
    accept: [200, 201],
    limit: { kind: 'write' },
    // A repeat only makes a second, equally valid link or code; the caller delivers the one it got.
    repeatable: true,
  });
  return response.data as
    { recovery_link?: unknown; recovery_code?: unknown; expires_at?: unknown } | undefined;
}

function requireString(value: unknown, operation: string, field: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  // Names the missing field only: the rest of the body may hold the secret we are protecting.
  throw new KratosError({
    status: undefined,
    operation,
    message: `Kratos ${operation}: answer has no "${field}"`,
  });
}

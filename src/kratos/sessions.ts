import { asArray, isKratosNotFound, type KratosContext } from './context.ts';
import type { RequestPlan } from './requester.ts';
import type { KratosSession } from './types.ts';

const PER_PAGE = 250;

/**
 * GET /admin/identities/{id}/sessions, every page (docs/kratos-behaviour.md, "Deleting, sessions and
 * recovery"). Every version pages with pop's 1-based `page`; v0.10 sends no Link header and later versions'
 * links are 0-based (following them repeats a page), so pages are walked 1, 2, … until a short one, and ids
 * already seen are dropped.
 */
export async function listIdentitySessions(
  ctx: KratosContext,
  identityId: string,
  options: { active?: boolean } = {},
): Promise<KratosSession[]> {
  const sessions: KratosSession[] = [];
  const seen = new Set<string>();
  const active = options.active === undefined ? '' : `&active=${options.active}`;
  for (let page = 1; ; page++) {
    const response = await ctx.call({
      operation: 'listIdentitySessions',
      method: 'GET',
      path: `/admin/identities/${encodeURIComponent(identityId)}/sessions?page=${page}&per_page=${PER_PAGE}${active}`,
      accept: [200],
      limit: { kind: 'read' },
      repeatable: true,
    });
    const items = asArray(response.data, 'listIdentitySessions') as KratosSession[];
    for (const session of items) {
      if (seen.has(session.id)) continue;
      seen.add(session.id);
      sessions.push(session);
    }
    if (items.length < PER_PAGE) return sessions;
  }
}

/**
 * DELETE /admin/identities/{id}/sessions: true when sessions were deleted, false on Kratos' 404, which means
 * the identity is unknown or had no sessions — nothing left to revoke either way.
 */
export async function revokeIdentitySessions(ctx: KratosContext, identityId: string): Promise<boolean> {
  const plan: RequestPlan = {
    operation: 'revokeIdentitySessions',
    method: 'DELETE',
    path: `/admin/identities/${encodeURIComponent(identityId)}/sessions`,
    accept: [204, 404],
    limit: { kind: 'identity', id: identityId },
    repeatable: true,
  };
  const response = await ctx.call(plan);
  return !isKratosNotFound(plan, response, ctx.now());
}

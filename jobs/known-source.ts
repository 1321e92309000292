import { UnrecoverableError } from 'bullmq';
import type { SyncContext } from '../src/sync/context.ts';

/**
 * A job for a source the configuration no longer has (removed or renamed while jobs waited) can never
 * succeed: fail it at once, with a reason an operator can act on, instead of spending its attempts.
 */
export function requireKnownSource(ctx: Pick<SyncContext, 'sources'>, source: string): void {
  if (ctx.sources.has(source)) return;
  const known = [...ctx.sources.keys()].map((name) => `"${name}"`).join(', ') || 'none';
  throw new UnrecoverableError(`SYNC_ERR_JOB_PAYLOAD: unknown source "${source}" (configured: ${known})`);
}

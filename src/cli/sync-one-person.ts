import { createPersonLocks } from '../queue/person-locks.ts';
import type { SyncContext } from '../sync/context.ts';
import { syncPerson, type PersonOutcome } from '../sync/sync-person.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** How long the person's lock lives without renewal (a CLI that dies releases it by expiry). */
const LOCK_TTL_MS = 30_000;

/**
 * One person's sync from the CLI: the same code the `person.sync` job runs (fetch the record, map, plan,
 * guard, apply), under the same per-person lock, so it never overlaps a worker's job or a full-sync chunk of
 * that person. A person locked by someone else is not waited for: the command says so and exits 1.
 */
export async function syncOnePersonNow(
  ctx: SyncContext,
  source: string,
  key: string,
): Promise<PersonOutcome | { status: 'busy'; source: string; key: string }> {
  const locks = createPersonLocks({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    logger: ctx.logger,
    ttlMs: LOCK_TTL_MS,
  });
  const lock = await locks.tryAcquire([{ source, key }], `cli:${process.pid}`);
  if (!lock) return { status: 'busy', source, key };
  try {
    return await syncPerson(ctx, source, key, { trigger: 'cli', signal: lock.lost });
  } finally {
    await lock.release();
  }
}

export function personExitCode(status: PersonOutcome['status'] | 'busy'): ExitCode {
  if (status === 'failed' || status === 'busy') return EXIT.failure;
  if (status === 'quarantined' || status === 'skipped') return EXIT.partial;
  if (status === 'held') return EXIT.held;
  return EXIT.ok;
}

/** One line per fact, values never (field names and reasons only). */
export function renderPersonOutcome(outcome: Awaited<ReturnType<typeof syncOnePersonNow>>): string {
  if (outcome.status === 'busy')
    return `${outcome.source}/${outcome.key}: another job is syncing this person right now; try again in a moment`;
  const lines = [`${outcome.source}/${outcome.key}: ${outcome.status.toUpperCase()}  (run ${outcome.runId})`];
  if (outcome.identityId) lines.push(`  identity  ${outcome.identityId}`);
  if (outcome.changed?.length) lines.push(`  changed   ${outcome.changed.join(', ')}`);
  if (outcome.reason) lines.push(`  why       ${outcome.reason}`);
  if (outcome.error) lines.push(`  error     ${outcome.error.code}: ${outcome.error.message}`);
  if (outcome.status === 'held')
    lines.push(`  the removal waits for \`kratos-sync approve ${outcome.runId}\` (or reject)`);
  return lines.join('\n');
}

import { createPersonLocks } from '../queue/person-locks.ts';
import type { SyncContext } from '../sync/context.ts';
import type { PersonOutcome } from '../sync/sync-person.ts';
import { syncPersonNow, type PersonNowOutcome } from '../sync/sync-person-now.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/**
 * `sync --person`: the person.sync job's code under the person's lock (see syncPersonNow). The lock lives
 * `queue.lockDuration` without renewal, as the workers' do: a CLI that dies releases it by expiry.
 */
export async function syncOnePersonNow(
  ctx: SyncContext,
  source: string,
  key: string,
): Promise<PersonNowOutcome> {
  const locks = createPersonLocks({
    redis: ctx.redis,
    prefix: ctx.config.redis.prefix,
    logger: ctx.logger,
    ttlMs: ctx.config.queue.lockDuration,
  });
  return await syncPersonNow(ctx, (person, owner) => locks.tryAcquire([person], owner), {
    source,
    key,
    owner: `cli:${process.pid}`,
    trigger: 'cli',
  });
}

export function personExitCode(status: PersonOutcome['status'] | 'busy'): ExitCode {
  if (status === 'failed' || status === 'busy') return EXIT.failure;
  if (status === 'quarantined' || status === 'skipped') return EXIT.partial;
  if (status === 'held') return EXIT.held;
  return EXIT.ok;
}

/** One line per fact, values never (field names and reasons only). */
export function renderPersonOutcome(outcome: PersonNowOutcome): string {
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

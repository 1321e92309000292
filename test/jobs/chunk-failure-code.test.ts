import { describe, expect, it } from 'vitest';
import { prefix, redis } from '../support/redis-per-test.ts';
import { createChunkStore } from '../../jobs/full-sync/chunk-store.ts';
import type { PlanAction } from '../../src/domain/plan.ts';
import { newReport } from '../../src/domain/run-report.ts';

// BullMQ keeps a failed chunk's reason as text; the code its leftover people are reported with is kept as a
// field beside the chunk instead of being read back out of that text.

const action: PlanAction = { kind: 'deactivate', key: 'E1', identityId: 'id-1', reason: 'left the source' };
const report = newReport({
  id: 'run-1',
  source: 'hr',
  trigger: 'schedule',
  dryRun: false,
  startedAt: new Date(0),
});

describe('a chunk that gave up', () => {
  it("keeps its latest failure's catalogue code beside its leftovers (none if the last had none), and drops it with the run", async () => {
    const chunks = createChunkStore({ redis, prefix, ttlMs: 60_000 });
    const ref = { runId: 'run-1', plan: 'abcdef01', chunk: 0 };
    await chunks.writeAndClaim('run-1', 'abcdef01', [[action]], report);
    expect((await chunks.leftovers(ref)).failureCode).toBeUndefined();

    await chunks.noteFailure(ref, 'SYNC_ERR_KRATOS_UNAVAILABLE');
    await chunks.noteFailure(ref, 'SYNC_ERR_KRATOS_RATE_LIMITED');
    expect(await chunks.leftovers(ref)).toMatchObject({
      remaining: [action],
      failureCode: 'SYNC_ERR_KRATOS_RATE_LIMITED',
    });

    await chunks.noteFailure(ref, undefined);
    expect((await chunks.leftovers(ref)).failureCode).toBeUndefined();

    await chunks.noteFailure(ref, 'SYNC_ERR_KRATOS_UNAVAILABLE');
    await chunks.removeRun('run-1');
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });
});

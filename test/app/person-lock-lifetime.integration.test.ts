import { afterEach, describe, expect, it } from 'vitest';
import { openOffboardSession } from '../../src/app/offboard-session.ts';
import { syncOnePersonNow } from '../../src/cli/sync-one-person.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { newRunbookId, startRunbook } from '../../src/lifecycle/offboard-runbook.ts';
import { runtimeKeys } from '../../src/queue/runtime-keys.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { waitFor } from '../queue/helpers.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from '../sync/engine-harness.ts';

/**
 * The person locks the CLI takes live as long as `queue.lockDuration` says, like the worker's: a CLI that
 * holds a person for a slow Kratos call must not lose the lock to a fixed 30 s.
 */
describe('person locks taken by CLI commands', { timeout: 60_000 }, () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  async function start(): Promise<Harness> {
    harness = await startHarness({
      api: 'v26',
      people: people(2),
      config: { queue: { lockDuration: '10m' } },
    });
    return harness;
  }

  /** The lock's remaining lifetime while it is held (polled until it shows). */
  async function heldTtl(h: Harness, key: string): Promise<number> {
    const lock = runtimeKeys(h.prefix).personLock('hr', key);
    return await waitFor(`the person lock of ${key}`, async () => {
      const left = await h.redis.pttl(lock);
      return left > 0 ? left : false;
    });
  }

  it('`sync --person` holds the person with the configured queue.lockDuration, not a fixed 30 s', async () => {
    const h = await start();
    h.sim.setFaults({ latencyMs: 300 }); // the sync's Kratos calls take a while: the lock can be seen
    const synced = syncOnePersonNow(h.ctx, 'hr', 'E00001');
    const ttl = await heldTtl(h, 'E00001');
    expect((await synced).status).toBe('created');
    expect(ttl).toBeGreaterThan(60_000);
    expect(await h.redis.exists(runtimeKeys(h.prefix).personLock('hr', 'E00001'))).toBe(0);
  });

  it('`offboard --inline` holds each person with the configured queue.lockDuration, not a fixed 30 s', async () => {
    const h = await start();
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    const identity = simIdentitiesByKey(h.sim).get('E00001')!;
    await using session = await openOffboardSession({
      config: h.ctx.config,
      baseDir: h.dir,
      logger: silentLogger(),
      source: 'hr',
      inline: true,
    });
    h.sim.setFaults({ latencyMs: 300 });
    const request = {
      source: 'hr',
      reason: 'lock lifetime',
      deleteNow: false,
      people: [
        {
          entry: { input: 'E00001', kind: 'id' as const, origin: '--ids #1' },
          identityId: identity.id,
          key: 'E00001',
        },
      ],
    };
    await startRunbook(
      { connection: session.connection, prefix: h.prefix, queueName: session.queue.name },
      newRunbookId(new Date()),
      request,
      new Date(),
    );
    const ttl = await heldTtl(h, 'E00001');
    expect(ttl).toBeGreaterThan(60_000);
    await waitFor('the offboarding', () => h.sim.identity(identity.id)?.state === 'inactive' || false);
  });
});

import { afterEach, describe, expect, inject, it } from 'vitest';
import { offboardPersonJob } from '../../jobs/offboard-person.ts';
import { offboardRunbookJob } from '../../jobs/offboard-runbook.ts';
import { configSchema } from '../../src/config/schema.ts';
import { startInlineWorker, type InlineWorker } from '../../src/app/inline-runbook-worker.ts';
import { newRunbookId, startRunbook, waitForRunbook } from '../../src/lifecycle/offboard-runbook.ts';
import { createCatalogue } from '../../src/queue/job-definition.ts';
import { createPersonLocks } from '../../src/queue/person-locks.ts';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import type { SourceRuntime } from '../../src/sync/context.ts';
import {
  createManagedIdentity,
  mintSession,
  startHarness,
  whoamiStatus,
  type Harness,
} from './support/harness.ts';

describe('a runbook while the sync works on the same person', () => {
  let h: Harness;
  let inline: InlineWorker | undefined;
  afterEach(async () => {
    await inline?.close();
    await h.close();
  });

  it("waits for the person's lock, then offboards them; the others do not wait", async () => {
    h = await startHarness({ api: 'v26', redisUrl: inject('redisUrl') });
    const busy = await createManagedIdentity(h.kratos, { key: 'B1' });
    const free = await createManagedIdentity(h.kratos, { key: 'F1' });
    const busyToken = await mintSession(h.sim, busy.id);
    const config = configSchema.parse({
      kratos: { adminUrl: h.sim.adminUrl },
      redis: { url: inject('redisUrl'), prefix: h.prefix },
      sources: { hr: { connection: { type: 'csv', path: 'x.csv' }, mapping: { key: 'id', traits: '{}' } } },
    });
    const locks = createPersonLocks({ redis: h.redis, prefix: h.prefix, logger: h.logger, ttlMs: 30_000 });
    const hr = {
      name: 'hr',
      config: config.sources.hr!,
      source: { fetchOne: async () => null },
    } as unknown as SourceRuntime;
    const ctx = {
      config,
      baseDir: process.cwd(),
      kratos: h.kratos,
      redis: h.redis,
      logger: h.logger,
      now: () => new Date(),
      sources: new Map([['hr', hr]]),
    };
    inline = startInlineWorker({
      config,
      kratos: h.kratos,
      logger: h.logger,
      catalogue: createCatalogue([offboardPersonJob, offboardRunbookJob]),
      host: { ctx, locks },
    });
    // A sync job holds B1.
    const syncLock = await locks.tryAcquire([{ source: 'hr', key: 'B1' }], 'sync.apply:test');
    expect(syncLock).not.toBeNull();

    const request = {
      source: 'hr',
      reason: 'runbook',
      deleteNow: false,
      people: [
        { entry: { input: 'B1', kind: 'id' as const, origin: '--ids #1' }, identityId: busy.id, key: 'B1' },
        { entry: { input: 'F1', kind: 'id' as const, origin: '--ids #2' }, identityId: free.id, key: 'F1' },
      ],
    };
    const started = await startRunbook(
      { connection: h.redis, prefix: h.prefix, queueName: inline.queue.name },
      newRunbookId(new Date()),
      request,
      new Date(),
    );
    const receipts = createReceiptStore({ redis: h.redis, prefix: h.prefix });
    const progress: number[] = [];
    const done = waitForRunbook({ queue: inline.queue, receipts }, started, request, {
      timeoutMs: 30_000,
      pollMs: 50,
      onProgress: (p) => progress.push(p.done),
    });

    // F1 goes through; B1 waits for the sync's lock.
    const deadline = Date.now() + 20_000;
    while (h.sim.identity(free.id)!.state !== 'inactive') {
      if (Date.now() > deadline) throw new Error('F1 was not offboarded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(h.sim.identity(busy.id)!.state).toBe('active');
    expect(await whoamiStatus(h.sim, busyToken)).toBe(200);

    await syncLock!.release();
    const outcomes = await done;
    expect(outcomes.map((o) => o.receipt?.outcome)).toEqual(['offboarded', 'offboarded']);
    expect(outcomes[0]!.receipt).toMatchObject({ key: 'B1', sessionsRevoked: 1, verified: true });
    expect(await whoamiStatus(h.sim, busyToken)).toBe(401);
    expect(progress.at(-1)).toBe(2);
  });
});

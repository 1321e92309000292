import { afterEach, describe, expect, it } from 'vitest';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import type { KratosSim } from '../kratos-sim/index.ts';
import { people } from '../sync/engine-harness.ts';
import { spawnWorker, stopAll, waitForLine, writeConfigFile, type WorkerChild } from './process-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

const PEOPLE = 50_000;
const CHUNK = 1_000;
const PAGE_SIZE = 500;
let harness: RuntimeHarness | undefined;
const children: WorkerChild[] = [];
afterEach(async () => {
  await stopAll(children.splice(0));
  await harness?.close();
  harness = undefined;
});

/** Requests the simulator answered, by route, since `before` (every status counted). */
function callsSince(sim: KratosSim, before: ReturnType<KratosSim['stats']>): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [route, byStatus] of Object.entries(sim.stats().requests)) {
    for (const [status, count] of Object.entries(byStatus)) {
      const diff = count - (before.requests[route]?.[status] ?? 0);
      if (diff > 0) calls[route] = (calls[route] ?? 0) + diff;
    }
  }
  return calls;
}

describe(`a full sync of ${PEOPLE} people split over two worker processes`, () => {
  it('imports everyone once with the minimum calls, and a second run lists every page and writes nothing', async () => {
    const h = (harness = await startRuntimeHarness({
      people: people(PEOPLE),
      config: {
        queue: { concurrency: 2, lockDuration: '60s', shutdownTimeout: '5s', applyChunkSize: CHUNK },
        log: { level: 'info' },
      },
      // Generous: the machine running the suite is shared and loaded.
      kratos: { timeoutMs: 30_000, pageSize: PAGE_SIZE },
    }));
    const configFile = writeConfigFile(h.dir, {
      ...h.configObject,
      sources: {
        hr: {
          ...(h.configObject.sources as { hr: object }).hr,
          connection: { type: 'csv', path: 'people.csv' },
        },
      },
    });
    for (const name of ['w1', 'w2']) children.push(spawnWorker({ configFile, roles: 'worker', name }));
    for (const child of children) await waitForLine(child, 'kratos-sync worker started');

    // Run 1: one list page (Kratos is empty) and one batch create per chunk of 1 000.
    let before = h.sim.stats();
    const first = await h.waitForJob(await h.enqueueFullSync(), 120_000);
    expect(first.state).toBe('completed');
    const imported = first.job.returnvalue as SyncFullResult;
    expect(imported.chunks).toBe(PEOPLE / CHUNK);
    expect(imported.counts.create).toEqual({ planned: PEOPLE, applied: PEOPLE, failed: 0, skipped: 0 });
    expect(callsSince(h.sim, before)).toEqual({
      'GET /admin/identities': 1,
      'PATCH /admin/identities': PEOPLE / CHUNK,
    });
    const byExternalId = h.identitiesByExternalId();
    expect(byExternalId.size).toBe(PEOPLE);
    expect([...byExternalId.values()].filter((n) => n !== 1)).toEqual([]);
    // Both workers applied chunks.
    const chunks = (await h.queue.getJobs(['completed'])).filter((j) => j.name === 'sync.apply');
    expect(new Set(chunks.map((c) => c.processedBy))).toEqual(new Set(['w1', 'w2']));

    // Run 2: nothing changed in the source, so every page is read once and nothing is written.
    before = h.sim.stats();
    const second = await h.waitForJob(await h.enqueueFullSync(), 120_000);
    expect(second.state).toBe('completed');
    const noop = second.job.returnvalue as SyncFullResult;
    expect(noop.status).toBe('completed');
    expect(noop.chunks).toBe(0);
    expect(noop.counts).toEqual({});
    expect(callsSince(h.sim, before)).toEqual({ 'GET /admin/identities': PEOPLE / PAGE_SIZE });
    const report = await runStoreFor({ redis: h.redis, config: h.config } as never).get(noop.runId);
    expect(report?.unchanged).toBe(PEOPLE);
    expect(report?.managed).toBe(PEOPLE);
  }, 240_000);
});

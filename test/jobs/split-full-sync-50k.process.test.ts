import { afterEach, describe, expect, it } from 'vitest';
import type { SyncFullResult } from '../../jobs/sync-full.ts';
import { runStoreFor } from '../../src/sync/apply-deps.ts';
import type { KratosSim } from '../kratos-sim/index.ts';
import { people, person, type Person } from '../sync/engine-harness.ts';
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

/**
 * Kratos holds exactly what `source` says, person by person: one identity per key, its traits, and active
 * unless the person left (deactivated: state inactive).
 */
function expectEndState(h: RuntimeHarness, source: Map<number, Person>): void {
  const byExternalId = new Map<string, { state?: string; traits: Record<string, unknown> }[]>();
  for (const identity of h.sim.state.identities.values()) {
    const list = byExternalId.get(identity.external_id ?? '(none)') ?? [];
    list.push(identity as never);
    byExternalId.set(identity.external_id ?? '(none)', list);
  }
  expect(byExternalId.size).toBe(source.size);
  const wrong: string[] = [];
  for (const p of source.values()) {
    const found = byExternalId.get(`hr-${p.id}`) ?? [];
    const identity = found[0];
    const state = p.status === 'terminated' ? 'inactive' : 'active';
    if (
      found.length !== 1 ||
      identity?.state !== state ||
      JSON.stringify(identity.traits) !==
        JSON.stringify({
          email: p.email,
          name: { first: p.first, last: p.last },
          department: p.department ?? '',
        })
    )
      wrong.push(`${p.id}: ${found.length} × ${JSON.stringify(identity ?? null)}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

describe(`a full sync of ${PEOPLE} people split over two worker processes`, () => {
  it('imports everyone once with the minimum calls, a second run lists every page and writes nothing, a third applies every kind of change, and a fourth holds removals over the guard on the run total', async () => {
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
    // The planning worker logged where its time went, phase by phase (what bench/million.ts reads).
    const phases = children
      .flatMap((c) => c.lines.filter((l) => l.includes('full sync phase done')))
      .map((l) => JSON.parse(l) as { phase: string; ms: number; rssMb: number });
    expect(phases.map((p) => p.phase)).toEqual(['source', 'kratos', 'plan', 'stored']);
    expect(phases.every((p) => p.ms >= 0 && p.rssMb > 0)).toBe(true);

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

    // Run 3: a reconcile with every kind of change, spread over both workers. 1,000 people move department,
    // 100 leave (exactly the guard's maxRemoveCount: applied), 500 join.
    const runs = runStoreFor({ redis: h.redis, config: h.config } as never);
    const source = new Map<number, Person>(people(PEOPLE).map((p, i) => [i + 1, p]));
    for (let n = 1; n <= 1_000; n++) source.set(n, person(n, { department: 'Moved' }));
    for (let n = 1_001; n <= 1_100; n++) source.set(n, person(n, { status: 'terminated' }));
    for (let n = PEOPLE + 1; n <= PEOPLE + 500; n++) source.set(n, person(n));
    h.writePeople([...source.values()]);
    before = h.sim.stats();
    const third = await h.waitForJob(await h.enqueueFullSync(), 120_000);
    expect(third.state).toBe('completed');
    const changed = third.job.returnvalue as SyncFullResult;
    expect(changed.status).toBe('completed');
    expect(changed.counts).toEqual({
      create: { planned: 500, applied: 500, failed: 0, skipped: 0 },
      update: { planned: 1_000, applied: 1_000, failed: 0, skipped: 0 },
      deactivate: { planned: 100, applied: 100, failed: 0, skipped: 0 },
    });
    // Each list page once and one batch create. A chunk job is not handed the listed identities (they are
    // the before-images, which never go into Redis in clear), so each update reads its identity by id; a
    // deactivation reads it twice, and a leaver's sessions are listed, revoked and checked.
    expect(callsSince(h.sim, before)).toEqual({
      'GET /admin/identities': PEOPLE / PAGE_SIZE,
      'PATCH /admin/identities': 1,
      'GET /admin/identities/{id}': 1_000 + 2 * 100,
      'PATCH /admin/identities/{id}': 1_000 + 100,
      'GET /admin/identities/{id}/sessions': 2 * 100,
      'DELETE /admin/identities/{id}/sessions': 100,
    });
    expectEndState(h, source);
    const thirdChunks = (await h.queue.getJobs(['completed'])).filter(
      (j) => j.name === 'sync.apply' && j.parent?.id === third.job.id,
    );
    expect(thirdChunks).toHaveLength(Math.ceil(1_600 / CHUNK));

    // Run 4: 150 more leave — over the guard (at most 100) on the run's total, though no chunk holds that
    // many — while 200 others move: the updates go ahead, every removal waits for approval.
    for (let n = 1_101; n <= 1_250; n++) source.set(n, person(n, { status: 'terminated' }));
    for (let n = 1_251; n <= 1_450; n++) source.set(n, person(n, { department: 'Moved' }));
    h.writePeople([...source.values()]);
    const fourth = await h.waitForJob(await h.enqueueFullSync(), 120_000);
    expect(fourth.state).toBe('completed');
    const held = fourth.job.returnvalue as SyncFullResult;
    expect(held.status).toBe('held');
    expect(held.counts).toEqual({
      update: { planned: 200, applied: 200, failed: 0, skipped: 0 },
      deactivate: { planned: 150, applied: 0, failed: 0, skipped: 0 },
    });
    const heldReport = await runs.get(held.runId);
    expect(heldReport?.guard.held).toBe(150);
    expect((await runs.readHeld(held.runId)).map((a) => a.key).sort()).toEqual(
      Array.from({ length: 150 }, (_, i) => person(1_101 + i).id).sort(),
    );
    // Kratos: the 200 moved, the 150 still active (as if they had not left yet).
    for (let n = 1_101; n <= 1_250; n++) source.set(n, person(n));
    expectEndState(h, source);
  }, 240_000);
});

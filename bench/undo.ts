/**
 * undo: `kratos-sync undo` of a run that changed 1 000 people — 500 updated, 400 deactivated, 100 deleted —
 * on the simulator (v26, and v0.10 with `--api v0.10`) with LATENCY_MS per request, real Redis, undo.key set.
 * Prints the time and Kratos calls of the run itself (with before-images), of the undo's plan (dry run), and
 * of the undo, and checks the end state equals the state before the run.
 * `node bench/undo.ts [--api v0.10] [--without-key]` (without undo.key: what keeping images costs the run,
 * and a states-only undo).
 * A small standalone script (not part of `npm run bench`): the simulator runs in this process, so wall
 * times include its work too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { buildContext } from '../src/app/build-context.ts';
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log/logger.ts';
import { runFullSync } from '../src/sync/run-full-sync.ts';
import { undoRun } from '../src/sync/run-undo.ts';
import { startKratosSim } from '../test/kratos-sim/index.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { csvOf, people, sourceSection, type Person } from '../test/sync/engine-harness.ts';

const LATENCY_MS = 2;
const { values } = parseArgs({
  options: { api: { type: 'string', default: 'v26' }, 'without-key': { type: 'boolean', default: false } },
});
const api = values.api === 'v0.10' ? 'v0.10' : 'v26';

const redisServer = await startRedisServer();
const sim = await startKratosSim({ api, latencyMs: LATENCY_MS });
const dir = mkdtempSync(path.join(tmpdir(), 'ks-bench-undo-'));
const redis = new Redis(redisServer.url);
const clock = { now: new Date('2026-11-27T08:00:00Z') };
const write = (list: Person[]) => writeFileSync(path.join(dir, 'people.csv'), csvOf(list));
try {
  const TOTAL = 1_200;
  write(people(TOTAL));
  const { config } = loadConfig({
    env: {},
    object: {
      kratos: { adminUrl: sim.adminUrl, concurrency: 16 },
      redis: { url: redisServer.url, prefix: `{bench-undo-${randomBytes(4).toString('hex')}}` },
      sources: {
        hr: sourceSection({
          leaver: { policy: 'delete', graceDays: 10, when: 'status = "terminated"' },
          guard: { maxRemoveFraction: 1, maxRemoveCount: 100_000 },
        }),
      },
      undo: values['without-key'] ? {} : { key: 'bench-undo-key-0123456789abcdefghijklmnopqrstuvwxyz' },
    },
  });
  await using built = await buildContext({
    config,
    baseDir: dir,
    logger: silentLogger(),
    now: () => clock.now,
    redis,
  });
  const { ctx } = built;
  await runFullSync(ctx, 'hr', { trigger: 'cli' });
  // Day 2: 100 leave (deactivated); 12 days later they are deleted, 400 more leave and 500 change.
  const day = (n: number, status: string, changes: Partial<Person> = {}) => ({
    ...people(1, n)[0]!,
    status: status as Person['status'],
    ...changes,
  });
  write(
    people(TOTAL).map((p, i) =>
      i >= 1_100 ? day(i + 1, 'terminated', { updated: '2026-11-28T00:00:00Z' }) : p,
    ),
  );
  clock.now = new Date('2026-11-28T08:00:00Z');
  await runFullSync(ctx, 'hr', { trigger: 'cli' });
  clock.now = new Date('2026-12-10T08:00:00Z');
  write(
    people(TOTAL).map((p, i) => {
      const n = i + 1;
      if (n <= 500) return { ...p, last: `Moved${n}`, department: 'Sales', updated: '2026-12-10T00:00:00Z' };
      if (n > 700) return day(n, 'terminated', { updated: '2026-12-10T00:00:00Z' });
      return p;
    }),
  );
  const before = stateOf(sim);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const timed = async <T>(work: () => Promise<T>) => {
    const calls = sim.stats().total;
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started, calls: sim.stats().total - calls };
  };
  const run = await timed(() => runFullSync(ctx, 'hr', { trigger: 'cli' }));
  const counts = run.value.counts;
  console.log(
    `kratos ${api}, ${LATENCY_MS} ms per request, kratos.concurrency 16 — the run: ${counts.update?.applied} updated, ` +
      `${counts.deactivate?.applied} deactivated, ${counts.delete?.applied} deleted in ${seconds(run.ms)}, ${run.calls} Kratos calls`,
  );
  const plan = await timed(() => undoRun(ctx, run.value.id, { dryRun: true, by: 'bench' }));
  console.log(
    `undo --dry-run (plan): ${plan.value.plan.steps.length} steps in ${seconds(plan.ms)}, ${plan.calls} Kratos calls`,
  );
  const undo = await timed(() => undoRun(ctx, run.value.id, { by: 'bench' }));
  const report = undo.value.report!;
  console.log(
    `undo: ${report.counts.update?.applied ?? 0} restored, ${report.counts.reactivate?.applied ?? 0} reactivated, ` +
      `${report.counts.create?.applied ?? 0} recreated, ${report.failures.total} failed in ${seconds(undo.ms)}, ` +
      `${undo.calls} Kratos calls (${JSON.stringify(report.kratosCalls.byOperation)})`,
  );
  const after = stateOf(sim);
  const differing = [...before.keys()].filter((key) => after.get(key) !== before.get(key));
  console.log(
    `undo.key ${values['without-key'] ? 'not set' : 'set'}; end state equal to the state before the run: ${differing.length === 0 ? 'yes' : `no (${differing.length} differ)`}`,
  );
} finally {
  redis.disconnect();
  await sim.stop();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}

function stateOf(s: typeof sim): Map<string, string> {
  const out = new Map<string, string>();
  for (const identity of s.state.identities.values()) {
    const key = (identity.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync?.key;
    if (!key) continue;
    out.set(
      key,
      JSON.stringify([
        identity.schema_id,
        identity.traits,
        identity.state,
        identity.metadata_public,
        identity.metadata_admin,
        identity.external_id ?? null,
      ]),
    );
  }
  return out;
}

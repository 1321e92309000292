/**
 * steady-state: 100 000 people already in Kratos, 1 % of them changed in the source, 5 ms per request (v26
 * simulator; the other profiles with 10 000 people, calls only).
 * The reconcile must list every identity (the serial chain of keyset pages), write only the changed people,
 * and finish close to the larger of the list chain and the writes spread over `kratos.concurrency`.
 */
import { peopleCsv, removeWorkspace, writePeople } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { populated, populatedPhases } from './support/populated.ts';
import {
  formatCounts,
  goal,
  int,
  mb,
  ms,
  ratio,
  type BenchOptions,
  type BenchResult,
} from './support/report.ts';
import { perRoute, statsDelta, total } from './support/sim-process.ts';
import type { SyncPhaseResult } from './initial-import.ts';
import { listPages, OTHER_PROFILES, pinnedApiVersion } from './support/profiles.ts';

const LATENCY_MS = 5;
const PAGE_SIZE = 500;
const CONCURRENCY = 16;

/**
 * The same reconcile against every other simulator profile, at a smaller population: its Kratos calls
 * against the minimum that server allows (its list pages, offset or keyset, plus one write per change).
 */
async function otherProfiles(
  options: BenchOptions,
): Promise<{ figures: BenchResult['figures']; goals: BenchResult['goals'] }> {
  const people = options.quick ? 2_000 : 10_000;
  const changedEvery = 100;
  const changed = Math.floor(people / changedEvery);
  const figures: BenchResult['figures'] = [];
  const goals: BenchResult['goals'] = [];
  for (const api of OTHER_PROFILES) {
    const kratos = { apiVersion: pinnedApiVersion(api) };
    const { sim, workspace } = await populated(options.redisUrl, people, { api }, kratos);
    try {
      await sim.setFaults({ latencyMs: LATENCY_MS });
      writePeople(workspace, peopleCsv(people, { changedEvery }));
      const before = await sim.stats();
      const ours = await runPhase<SyncPhaseResult>(
        new URL('./initial-import.ts', import.meta.url).href,
        'kratosSyncPhase',
        { workspace, url: sim.url, kratos: { ...kratos, concurrency: CONCURRENCY } },
      );
      const calls = perRoute(statsDelta(before, await sim.stats()));
      const runCalls = total(calls) - (calls['GET /schemas'] ?? 0);
      const writes = Object.entries(calls)
        .filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route))
        .reduce((sum, [, n]) => sum + n, 0);
      const pages = listPages(api, people, PAGE_SIZE);
      const minimum = pages + changed;
      figures.push([
        `${api}: ${int(people)} people, ${int(changed)} changed`,
        `${int(runCalls)} calls (${formatCounts(calls)}); minimum ${int(minimum)} = ${pages} list pages + ${int(changed)} writes; ${ms(ours.result.wallMs)} wall`,
      ]);
      goals.push(
        goal(
          `calls / minimum on ${api}, no write for unchanged people`,
          '≤ 1.05×, 0',
          `${ratio(runCalls / minimum)}, ${int(writes - changed)}`,
          runCalls <= 1.05 * minimum && writes === changed,
        ),
      );
    } finally {
      await sim.stop();
      await removeWorkspace(workspace);
    }
  }
  return { figures, goals };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const others = await otherProfiles(options);
  const people = options.quick ? 10_000 : 100_000;
  const changedEvery = 100;
  const changed = Math.floor(people / changedEvery);
  const { sim, workspace, importMs } = await populated(options.redisUrl, people);
  try {
    await sim.setFaults({ latencyMs: LATENCY_MS });
    const chain = await runPhase<{ wallMs: number; pages: number }>(populatedPhases, 'listChainPhase', {
      url: sim.url,
      pageSize: PAGE_SIZE,
    });
    writePeople(workspace, peopleCsv(people, { changedEvery }));
    const before = await sim.stats();
    const simCpuBefore = await sim.cpuMs();
    const ours = await runPhase<SyncPhaseResult>(
      new URL('./initial-import.ts', import.meta.url).href,
      'kratosSyncPhase',
      { workspace, url: sim.url, kratos: { concurrency: CONCURRENCY } },
      options.cpuProf ? { cpuProf: options.cpuProf } : {},
    );
    const simCpuMs = (await sim.cpuMs()) - simCpuBefore;
    const calls = perRoute(statsDelta(before, await sim.stats()));
    const writes = Object.entries(calls)
      .filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route))
      .reduce((sum, [, n]) => sum + n, 0);
    const pages = Math.ceil(people / PAGE_SIZE);
    const minimum = pages + changed;
    // GET /schemas is the engine's start-up (buildContext), not the reconcile's work.
    const runCalls = total(calls) - (calls['GET /schemas'] ?? 0);
    const writeFloorMs = Math.ceil(changed / CONCURRENCY) * LATENCY_MS;
    const floorMs = Math.max(chain.result.wallMs, writeFloorMs);
    const updates = (ours.result.counts as Record<string, { applied?: number }>).update?.applied ?? 0;
    return {
      name: 'steady-state',
      title: `${int(people)} people in Kratos, ${int(changed)} changed (v26 simulator, ${LATENCY_MS} ms per request)`,
      figures: [
        [
          'kratos-sync reconcile',
          `${ms(ours.result.wallMs)} wall, ${ms(ours.cpuMs)} CPU, peak RSS ${mb(ours.peakRssMb)}`,
        ],
        [
          'Kratos calls',
          `${int(runCalls)} (${formatCounts(calls)}); minimum ${int(minimum)} = ${pages} list pages + ${int(changed)} writes`,
        ],
        [
          'floor',
          `${ms(floorMs)} = max(serial list chain ${ms(chain.result.wallMs)} over ${chain.result.pages} pages, ${int(changed)} writes / ${CONCURRENCY} × ${LATENCY_MS} ms = ${ms(writeFloorMs)})`,
        ],
        ['simulator CPU during the run', ms(simCpuMs)],
        ['setup: first import (0 ms latency)', ms(importMs)],
        ...others.figures,
      ],
      goals: [
        goal(
          'writes for unchanged people',
          '0',
          int(writes - changed),
          writes === changed && updates === changed,
        ),
        goal('calls / minimum', '≤ 1.05×', ratio(runCalls / minimum), runCalls <= 1.05 * minimum),
        goal(
          'wall time / floor',
          '≤ 1.25×',
          ratio(ours.result.wallMs / floorMs),
          ours.result.wallMs <= 1.25 * floorMs,
        ),
        ...others.goals,
      ],
      notes: [
        "The floor is measured: the same keyset pages walked one after the other through kratos-sync's client with no other work, in the same simulator.",
        `kratos.concurrency ${CONCURRENCY}; calls counted by the simulator; the run itself also reads the CSV, maps, plans and writes its audit trail and marker index to Redis.`,
      ],
    };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

/**
 * ory-network: the simulator with Ory Network's limits — one POST/PATCH on /admin/identities in flight, and a
 * shared write budget of 425 requests a minute announced in x-ratelimit-* headers — and kratos-sync with
 * `oryNetwork: true`. A reconcile of 1 % churn of 10 000 people (joiners, changes, leavers) must finish within
 * 1.25× the floor the limits allow, with fewer than 1 % of its requests answered 429. A second run churns
 * 5 % so that its writes exceed one minute's budget: only pacing by the headers keeps it off the 429s.
 */
import { CSV_HEADER, personRow, removeWorkspace, writePeople } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { populated, populatedPhases } from './support/populated.ts';
import { formatCounts, goal, int, ms, ratio, type BenchOptions, type BenchResult } from './support/report.ts';
import { countStatus, perRoute, statsDelta, total, type SimProcess } from './support/sim-process.ts';
import type { SyncPhaseResult } from './initial-import.ts';

const LATENCY_MS = 5;
const BUDGET_PER_MINUTE = 425;

interface ChurnOutcome {
  churnPercent: number;
  people: number;
  wallMs: number;
  calls: Record<string, number>;
  writes: number;
  rejected429: number;
  floorMs: number;
  floorWhy: string;
  counts: Record<string, unknown>;
}

/** 1/3 leavers, 1/3 changed, 1/3 joiners (new people after the last one). */
function churnedCsv(people: number, percent: number, round: number): string {
  const every = Math.round(300 / percent);
  const rows = [CSV_HEADER];
  for (let n = 1; n <= people; n++) {
    if (n % every === round) rows.push(personRow(n, { leaverEvery: 1 }));
    else if (n % every === (round + Math.floor(every / 3)) % every)
      rows.push(personRow(n, { changedEvery: 1 }));
    else rows.push(personRow(n));
  }
  const joiners = Math.round((people * percent) / 300);
  for (let n = people + round * 10_000; n < people + round * 10_000 + joiners; n++) rows.push(personRow(n));
  return rows.join('\n') + '\n';
}

async function churnRun(
  sim: SimProcess,
  workspace: Parameters<typeof writePeople>[0],
  people: number,
  percent: number,
  round: number,
  listChainMs: number,
  phaseOptions: { cpuProf?: string },
): Promise<ChurnOutcome> {
  writePeople(workspace, churnedCsv(people, percent, round));
  const before = await sim.stats();
  const ours = await runPhase<SyncPhaseResult>(
    new URL('./initial-import.ts', import.meta.url).href,
    'kratosSyncPhase',
    { workspace, url: sim.url, kratos: { oryNetwork: true, concurrency: 8 } },
    phaseOptions,
  );
  const delta = statsDelta(before, await sim.stats());
  const calls = perRoute(delta);
  const writes = Object.entries(calls)
    .filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route))
    .reduce((sum, [, n]) => sum + n, 0);
  const accepted = writes - countStatus(delta, 429);
  // The budget is per wall-clock minute (as the simulator keeps it): the floor depends on where in the
  // minute the run started.
  const msToWindowEnd = 60_000 - (ours.result.startedAtEpoch % 60_000);
  let floorMs = listChainMs;
  let floorWhy = `serial list chain ${ms(listChainMs)}`;
  if (accepted > BUDGET_PER_MINUTE) {
    // The writes beyond this window's budget cannot start before the window resets.
    const windows = Math.ceil(accepted / BUDGET_PER_MINUTE) - 1;
    floorMs = Math.max(floorMs, msToWindowEnd + (windows - 1) * 60_000);
    floorWhy = `${int(accepted)} writes > ${BUDGET_PER_MINUTE}/min: the next window opens ${ms(msToWindowEnd)} after the start${windows > 1 ? ` (+${windows - 1} min)` : ''}`;
  }
  return {
    churnPercent: percent,
    people,
    wallMs: ours.result.wallMs,
    calls,
    writes,
    rejected429: countStatus(delta, 429),
    floorMs,
    floorWhy,
    counts: ours.result.counts,
  };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const people = options.quick ? 2_000 : 10_000;
  const { sim, workspace } = await populated(options.redisUrl, people);
  const phaseOptions = options.cpuProf ? { cpuProf: options.cpuProf } : {};
  try {
    await sim.setFaults({
      latencyMs: LATENCY_MS,
      inflightLimit: true,
      writeBudget: { perMinute: BUDGET_PER_MINUTE },
    });
    const chain = await runPhase<{ wallMs: number }>(populatedPhases, 'listChainPhase', {
      url: sim.url,
      pageSize: 500,
    });
    const light = await churnRun(sim, workspace, people, 1, 1, chain.result.wallMs, phaseOptions);
    // Start the heavy run 40 s into a minute, so that its floor (the next window) is about 20 s away.
    const into = Date.now() % 60_000;
    await new Promise((resolve) => setTimeout(resolve, (40_000 - into + 60_000) % 60_000));
    const heavy = await churnRun(
      sim,
      workspace,
      people,
      options.quick ? 30 : 5,
      2,
      chain.result.wallMs,
      phaseOptions,
    );
    const peak = (await sim.stats()).peakInflight;
    const figures: BenchResult['figures'] = [];
    const goals: BenchResult['goals'] = [];
    for (const outcome of [light, heavy]) {
      const label = `${outcome.churnPercent} % churn of ${int(outcome.people)}`;
      const requests = total(outcome.calls);
      figures.push(
        [
          label,
          `${ms(outcome.wallMs)}, ${int(requests)} requests (${formatCounts(outcome.calls)}), ${int(outcome.writes)} writes, ${outcome.rejected429} answered 429`,
        ],
        [`${label}: floor`, `${ms(outcome.floorMs)} (${outcome.floorWhy})`],
        [`${label}: plan`, JSON.stringify(outcome.counts)],
      );
      goals.push(
        goal(
          `${label}: wall time / floor`,
          '≤ 1.25×',
          ratio(outcome.wallMs / outcome.floorMs),
          outcome.wallMs <= 1.25 * outcome.floorMs,
        ),
        goal(
          `${label}: requests answered 429`,
          '< 1 %',
          `${((100 * outcome.rejected429) / requests).toFixed(2)} %`,
          outcome.rejected429 < 0.01 * requests,
        ),
      );
    }
    figures.push([
      'peak concurrent POST/PATCH /admin/identities',
      String(peak['PATCH /admin/identities'] ?? 0),
    ]);
    return {
      name: 'ory-network',
      title: `Ory Network limits (1 create/batch in flight, ${BUDGET_PER_MINUTE} writes/min with x-ratelimit headers), ${LATENCY_MS} ms latency`,
      figures,
      goals,
      notes: [
        'Churn = one third leavers (deactivate + revoke sessions), one third changed (one PATCH), one third joiners (batch create).',
        'The write budget is counted per wall-clock minute by the simulator, as the rate-limit headers announce it.',
      ],
    };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

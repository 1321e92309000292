/**
 * no-op throughput: 100 000 people, none changed, 0 ms latency — how many people per second a reconcile
 * gets through end to end when the only limit is CPU (CSV → map → list → plan → nothing to write).
 * The simulator runs in its own process so its CPU is not counted against kratos-sync.
 */
import { removeWorkspace } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { populated } from './support/populated.ts';
import { formatCounts, goal, int, mb, ms, type BenchOptions, type BenchResult } from './support/report.ts';
import { perRoute, statsDelta } from './support/sim-process.ts';
import type { SyncPhaseResult } from './initial-import.ts';

export async function run(options: BenchOptions): Promise<BenchResult> {
  const people = options.quick ? 10_000 : 100_000;
  const { sim, workspace } = await populated(options.redisUrl, people);
  try {
    const before = await sim.stats();
    const simCpuBefore = await sim.cpuMs();
    const ours = await runPhase<SyncPhaseResult>(
      new URL('./initial-import.ts', import.meta.url).href,
      'kratosSyncPhase',
      { workspace, url: sim.url },
      options.cpuProf ? { cpuProf: options.cpuProf } : {},
    );
    const simCpuMs = (await sim.cpuMs()) - simCpuBefore;
    const calls = perRoute(statsDelta(before, await sim.stats()));
    const writes = Object.entries(calls).filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route)).length;
    const perSecond = people / (ours.result.wallMs / 1000);
    const perCpuSecond = people / (ours.cpuMs / 1000);
    return {
      name: 'noop-throughput',
      title: `${int(people)} unchanged people, 0 ms latency (simulator in a separate process)`,
      figures: [
        ['throughput', `${int(perSecond)} people/s (${ms(ours.result.wallMs)} wall)`],
        [
          'kratos-sync CPU',
          `${ms(ours.cpuMs)} (${int(perCpuSecond)} people per CPU-second, start-up included)`,
        ],
        ['simulator CPU during the run', ms(simCpuMs)],
        ['peak RSS (kratos-sync process)', mb(ours.peakRssMb)],
        ['Kratos calls', formatCounts(calls)],
      ],
      goals: [
        goal('people per second end to end', '≥ 10,000/s', `${int(perSecond)}/s`, perSecond >= 10_000),
        goal('peak RSS', '≤ 512 MB', mb(ours.peakRssMb), ours.peakRssMb <= 512),
        goal('writes', '0', String(writes), writes === 0),
      ],
      notes: [
        'The run is `runFullSync` as `kratos-sync sync` calls it, in a fresh process; start-up (config, schemas) is outside the wall time but inside the RSS.',
      ],
    };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

/**
 * kratos-versions: the Kratos calls of a first run (N new people into an empty Kratos) and a second run
 * (nothing changed) against every simulator profile, with the API line probed at start-up as in production
 * (`kratos.apiVersion: auto`, default `batchSize` and `pageSize`). Calls are counted by the simulator, per
 * route, and compared with the minimum the server allows: one list page to see Kratos, the creates (one batch
 * per batch limit, or one POST per person without batch create), and for the second run the list pages.
 * Start-up (the three detection probes and GET /schemas) is counted apart.
 */
import type { SyncPhaseResult } from './initial-import.ts';
import { newWorkspace, peopleCsv, removeWorkspace, writePeople } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { formatCounts, int, ms, type BenchOptions, type BenchResult } from './support/report.ts';
import { perRoute, startSimProcess, statsDelta, total } from './support/sim-process.ts';

/** The phase runs in its own process: `kratosSyncPhase` of initial-import.ts. */
const PHASE_MODULE = new URL('./initial-import.ts', import.meta.url).href;
const PROFILES = ['v26', 'v25.4', 'v1', 'v1.0', 'v0.10'] as const;
/**
 * What each line allows (see src/kratos/detect.ts): batch limit (0 = none), the default page size, and
 * whether it pages by offset (a full last page then needs one more, empty, page to be sure it was the last).
 */
const SERVER = {
  v26: { batch: 1000, page: 500, offset: false },
  'v25.4': { batch: 1000, page: 500, offset: false },
  v1: { batch: 2000, page: 500, offset: false },
  'v1.0': { batch: 2000, page: 500, offset: true },
  'v0.10': { batch: 0, page: 500, offset: true },
} as const;

/**
 * Start-up requests, not the run's: the schema read and the `/by/external/` probe (a route older lines do
 * not have: the simulator counts it as unmatched).
 */
const isStartUp = (route: string) =>
  route === 'GET /schemas' || route.includes('/by/external/') || route === 'GET (unmatched)';

function runCalls(perRouteCalls: Record<string, number>, detect: number): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [route, n] of Object.entries(perRouteCalls)) if (!isStartUp(route)) calls[route] = n;
  // Two of the three probes are GET /admin/identities: they are start-up, not the run.
  const list = 'GET /admin/identities';
  if (calls[list] !== undefined) calls[list] -= detect - 1;
  return calls;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const people = options.quick ? 1_000 : 10_000;
  const figures: BenchResult['figures'] = [];
  const notes: string[] = [];
  for (const api of PROFILES) {
    const workspace = newWorkspace(options.redisUrl);
    writePeople(workspace, peopleCsv(people));
    const sim = await startSimProcess({ api });
    try {
      const args = { workspace, url: sim.url, kratos: { apiVersion: 'auto' } };
      let before = await sim.stats();
      const first = await runPhase<SyncPhaseResult>(PHASE_MODULE, 'kratosSyncPhase', args);
      const firstCalls = runCalls(perRoute(statsDelta(before, await sim.stats())), 3);
      before = await sim.stats();
      const second = await runPhase<SyncPhaseResult>(PHASE_MODULE, 'kratosSyncPhase', args);
      const secondCalls = runCalls(perRoute(statsDelta(before, await sim.stats())), 3);
      const { batch, page, offset } = SERVER[api];
      const pages = offset ? Math.floor(people / page) + 1 : Math.ceil(people / page);
      const minimumFirst = 1 + (batch > 0 ? Math.ceil(people / batch) : people);
      figures.push([
        `${api} first run, ${int(people)} new`,
        `${int(total(firstCalls))} calls (${formatCounts(firstCalls)}), minimum ${int(minimumFirst)}, ${ms(first.result.wallMs)} wall, ${int(await sim.count())} identities`,
      ]);
      figures.push([
        `${api} second run, nothing changed`,
        `${int(total(secondCalls))} calls (${formatCounts(secondCalls)}), minimum ${int(pages)}, ${ms(second.result.wallMs)} wall, writes: ${int(
          Object.entries(secondCalls)
            .filter(([route]) => !route.startsWith('GET '))
            .reduce((sum, [, n]) => sum + n, 0),
        )}`,
      ]);
      if (api === 'v1') {
        // No page-size cap on v1.1–v1.3: the same second run with kratos.pageSize 5000.
        before = await sim.stats();
        const big = { ...args, kratos: { apiVersion: 'auto', pageSize: 5000 } };
        await runPhase<SyncPhaseResult>(PHASE_MODULE, 'kratosSyncPhase', big);
        const bigCalls = runCalls(perRoute(statsDelta(before, await sim.stats())), 3);
        figures.push([
          `${api} second run, kratos.pageSize 5000`,
          `${int(total(bigCalls))} calls (${formatCounts(bigCalls)}), minimum ${int(Math.ceil(people / 5000))}`,
        ]);
      }
    } finally {
      await sim.stop();
      await removeWorkspace(workspace);
    }
  }
  notes.push(
    'Simulator without added latency; the API line is probed (3 GETs) and GET /schemas read at start-up, both left out.',
    'Default page size 500 on every line (v1.1+ has no cap: kratos.pageSize up to 5000 means fewer list calls there).',
  );
  return {
    name: 'kratos-versions',
    title: `Kratos calls of a first and a second run of ${int(people)} people, per Kratos line`,
    figures,
    goals: [],
    notes,
  };
}

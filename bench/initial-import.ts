/**
 * initial-import: N new people into an empty Kratos (v26 simulator, 5 ms per request), and the calls of the
 * same import against every other simulator profile (v25.4, v1, v1.0, v0.10).
 * kratos-sync (one full sync: CSV → map → list → batch creates of 1 000) against what users run today: one
 * create per person, in sequence, through the official SDK (`@ory/client-fetch` IdentityApi.createIdentity,
 * which is what `kratos import identities` does).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Configuration, IdentityApi } from '@ory/client-fetch';
import { parse } from 'csv-parse/sync';
import { runFullSync } from '../src/sync/run-full-sync.ts';
import {
  baselineBody,
  newWorkspace,
  peopleCsv,
  removeWorkspace,
  setUpSync,
  writePeople,
  type Workspace,
} from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import {
  goal,
  int,
  mb,
  ms,
  ratio,
  type BenchOptions,
  type BenchResult,
  formatCounts,
} from './support/report.ts';
import { importMinimum, OTHER_PROFILES, pinnedApiVersion } from './support/profiles.ts';
import { perRoute, startSimProcess, statsDelta, total } from './support/sim-process.ts';

const LATENCY_MS = 5;

export interface SyncPhaseResult {
  wallMs: number;
  setupMs: number;
  /** Date.now() when the run itself started (after start-up). */
  startedAtEpoch: number;
  status: string;
  /** Kratos calls of the run, by client operation (every attempt counted). */
  calls: Record<string, number>;
  counts: Record<string, unknown>;
}

/** Phase (own process): one full sync of the workspace's CSV. */
export async function kratosSyncPhase(args: {
  workspace: Workspace;
  url: string;
  kratos?: Record<string, unknown>;
}) {
  const setupStarted = performance.now();
  const sync = await setUpSync(args.workspace, {
    adminUrl: args.url,
    ...(args.kratos ? { kratos: args.kratos } : {}),
  });
  const setupMs = performance.now() - setupStarted;
  try {
    const startedAtEpoch = Date.now();
    const started = performance.now();
    const report = await runFullSync(sync.ctx, 'hr', { trigger: 'cli' });
    const wallMs = performance.now() - started;
    if (report.error) throw new Error(`sync ${report.status}: ${report.error.code} ${report.error.message}`);
    return {
      wallMs,
      setupMs,
      startedAtEpoch,
      status: report.status,
      counts: report.counts,
      calls: report.kratosCalls.byOperation,
    } satisfies SyncPhaseResult;
  } finally {
    await sync.release();
  }
}

/** Phase (own process): the baseline — the same CSV, one SDK create per person, in sequence. */
export async function baselinePhase(args: { csvPath: string; url: string }) {
  const identityApi = new IdentityApi(new Configuration({ basePath: args.url }));
  const started = performance.now();
  const rows = parse(readFileSync(args.csvPath, 'utf8'), { columns: true }) as Array<{ employee_id: string }>;
  for (const row of rows) {
    const n = Number(row.employee_id.slice(1));
    await identityApi.createIdentity({ createIdentityBody: baselineBody(n) });
  }
  return { wallMs: performance.now() - started, created: rows.length };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const sideBySide = options.quick ? 500 : 5_000;
  const large = options.quick ? 5_000 : 100_000;
  const here = import.meta.url;
  const phaseOptions = options.cpuProf ? { cpuProf: options.cpuProf } : {};

  // Side by side: a fresh simulator for each contender, the same CSV.
  const workspace = newWorkspace(options.redisUrl);
  writePeople(workspace, peopleCsv(sideBySide));
  let sim = await startSimProcess({ api: 'v26', latencyMs: LATENCY_MS });
  let before = await sim.stats();
  const baseline = await runPhase<{ wallMs: number; created: number }>(here, 'baselinePhase', {
    csvPath: path.join(workspace.dir, 'people.csv'),
    url: sim.url,
  });
  const baselineCalls = perRoute(statsDelta(before, await sim.stats()));
  const baselineCount = await sim.count();
  await sim.stop();

  sim = await startSimProcess({ api: 'v26', latencyMs: LATENCY_MS });
  before = await sim.stats();
  const ours = await runPhase<SyncPhaseResult>(
    here,
    'kratosSyncPhase',
    { workspace, url: sim.url },
    phaseOptions,
  );
  const oursCalls = perRoute(statsDelta(before, await sim.stats()));
  const oursCount = await sim.count();
  await sim.stop();
  await removeWorkspace(workspace);

  // kratos-sync alone at the large size.
  const bigWorkspace = newWorkspace(options.redisUrl);
  writePeople(bigWorkspace, peopleCsv(large));
  sim = await startSimProcess({ api: 'v26', latencyMs: LATENCY_MS });
  before = await sim.stats();
  const big = await runPhase<SyncPhaseResult>(
    here,
    'kratosSyncPhase',
    { workspace: bigWorkspace, url: sim.url },
    phaseOptions,
  );
  const bigCalls = perRoute(statsDelta(before, await sim.stats()));
  const bigCount = await sim.count();
  const bigManaged = Object.values(await sim.managed());
  await sim.stop();
  await removeWorkspace(bigWorkspace);

  // What the work needs: one list page to see Kratos is empty, and one batch per 1 000 people. GET /schemas
  // is the engine's start-up (buildContext validates the mapping against Kratos' schemas), not the import's.
  const minimum = (n: number) => importMinimum('v26', n);
  const runCalls = (calls: Record<string, number>) => total(calls) - (calls['GET /schemas'] ?? 0);

  // The same import against every other Kratos profile, at the side-by-side size: calls against the
  // minimum that server allows (v1.x batches 2 000, v0.10 has no batch create).
  const profiles: Array<{ api: string; calls: Record<string, number>; count: number; minimum: number }> = [];
  for (const api of OTHER_PROFILES) {
    const profileWorkspace = newWorkspace(options.redisUrl);
    writePeople(profileWorkspace, peopleCsv(sideBySide));
    const profileSim = await startSimProcess({ api, latencyMs: LATENCY_MS });
    try {
      const start = await profileSim.stats();
      await runPhase<SyncPhaseResult>(here, 'kratosSyncPhase', {
        workspace: profileWorkspace,
        url: profileSim.url,
        kratos: { apiVersion: pinnedApiVersion(api) },
      });
      profiles.push({
        api,
        calls: perRoute(statsDelta(start, await profileSim.stats())),
        count: await profileSim.count(),
        minimum: importMinimum(api, sideBySide),
      });
    } finally {
      await profileSim.stop();
      await removeWorkspace(profileWorkspace);
    }
  }
  const speedup = baseline.result.wallMs / ours.result.wallMs;
  const oursTotal = runCalls(oursCalls);
  const bigTotal = runCalls(bigCalls);
  const duplicates = bigManaged.filter((m) => m.copies > 1).length;
  return {
    name: 'initial-import',
    title: `new people into an empty Kratos (v26 simulator, ${LATENCY_MS} ms per request)`,
    figures: [
      [
        `baseline (SDK, sequential) ${int(sideBySide)}`,
        `${ms(baseline.result.wallMs)} wall, ${ms(baseline.cpuMs)} CPU, ${int(total(baselineCalls))} calls (${formatCounts(baselineCalls)}), peak RSS ${mb(baseline.peakRssMb)}, ${int(baselineCount)} identities`,
      ],
      [
        `kratos-sync ${int(sideBySide)}`,
        `${ms(ours.result.wallMs)} wall, ${ms(ours.cpuMs)} CPU, ${int(oursTotal)} calls in the run (${formatCounts(oursCalls)}, GET /schemas at start-up), minimum ${minimum(sideBySide)}, peak RSS ${mb(ours.peakRssMb)}, ${int(oursCount)} identities`,
      ],
      [
        `kratos-sync ${int(large)}`,
        `${ms(big.result.wallMs)} wall (${int(large / (big.result.wallMs / 1000))} people/s), ${ms(big.cpuMs)} CPU, ${int(bigTotal)} calls in the run (${formatCounts(bigCalls)}), minimum ${minimum(large)}, peak RSS ${mb(big.peakRssMb)}, ${int(bigCount)} identities, ${duplicates} duplicates`,
      ],
      ['start-up (probe, schemas, Redis)', `${ms(ours.result.setupMs)} (not in the wall times)`],
      ...profiles.map((p): [string, string] => [
        `kratos-sync ${int(sideBySide)} on ${p.api}`,
        `${int(runCalls(p.calls))} calls in the run (${formatCounts(p.calls)}), minimum ${int(p.minimum)}, ${int(p.count)} identities`,
      ]),
    ],
    goals: [
      goal(`speed-up over the baseline at ${int(sideBySide)}`, '≥ 50×', ratio(speedup), speedup >= 50),
      goal(
        `calls / minimum at ${int(sideBySide)}`,
        '≤ 1.05×',
        ratio(oursTotal / minimum(sideBySide)),
        oursTotal <= 1.05 * minimum(sideBySide),
      ),
      goal(
        `calls / minimum at ${int(large)}`,
        '≤ 1.05×',
        ratio(bigTotal / minimum(large)),
        bigTotal <= 1.05 * minimum(large),
      ),
      goal(
        `every person created once at ${int(large)}`,
        `${int(large)} identities, 0 duplicates`,
        `${int(bigCount)}, ${duplicates} duplicates`,
        bigCount === large && duplicates === 0 && oursCount === sideBySide && baselineCount === sideBySide,
      ),
      ...profiles.map((p) =>
        goal(
          `calls / minimum at ${int(sideBySide)} on ${p.api}`,
          '≤ 1.05×, everyone created',
          `${ratio(runCalls(p.calls) / p.minimum)}, ${int(p.count)} identities`,
          runCalls(p.calls) <= 1.05 * p.minimum && p.count === sideBySide,
        ),
      ),
    ],
    notes: [
      'The simulator runs in its own process; each contender runs in a fresh process (its peak RSS is its own) against a fresh simulator.',
      'Calls are counted by the simulator (every request it answered during the run), not by the client.',
    ],
  };
}

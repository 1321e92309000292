/**
 * import-floor: `kratos-sync sync` of 5,000 and 20,000 new people into an empty Kratos at 5 ms per request,
 * timed as a user times it (process start to exit, the real CLI), against the floor — what Kratos itself
 * needs for those calls: the simulator's own busy time during the run (its CPU, measured; it is one
 * single-threaded process) plus the serial latency chain (every call the run made × 5 ms: start-up probe,
 * schemas, the list page and the batches follow one another). Beside it, the ratio to the sequential SDK
 * baseline (one create per person), measured in the same run on a sample and scaled to the size.
 * `npm run bench -- import-floor [--quick]`. `BENCH_VERSUS=<bin>` (another checkout's src/app/bin.ts, or a
 * build's bin.js) runs that CLI as well, alternating with this one size by size, `BENCH_ROUNDS` times (default
 * 1): on a shared machine only runs side by side compare.
 */
import path from 'node:path';
import type { baselinePhase as BaselinePhase } from './initial-import.ts';
import { newWorkspace, peopleCsv, removeWorkspace, writeCliConfig, writePeople } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
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
import { perRoute, startSimProcess, statsDelta, total } from './support/sim-process.ts';
import { timedNodeProcess } from './support/timed-process.ts';

const LATENCY_MS = 5;
const ROOT = path.resolve(import.meta.dirname, '..');

interface Measured {
  people: number;
  wallMs: number;
  rssMb: number;
  /** kratos-sync's own CPU (user + system) from start to exit. */
  cpuMs: number;
  simCpuMs: number;
  calls: Record<string, number>;
  identities: number;
}

const THIS_BIN =
  process.env.BENCH_BIN ??
  (process.env.BENCH_DIST
    ? path.join(process.env.BENCH_DIST, 'src/app/bin.js')
    : path.join(ROOT, 'src/app/bin.ts'));

/** One `kratos-sync sync` process from start to exit (the CLI from source, or BENCH_DIST's build). */
async function cliSync(
  people: number,
  redisUrl: string,
  bin = THIS_BIN,
  cpuProf?: string,
): Promise<Measured> {
  const workspace = newWorkspace(redisUrl);
  const sim = await startSimProcess({ api: 'v26', latencyMs: LATENCY_MS });
  try {
    writePeople(workspace, peopleCsv(people));
    const config = writeCliConfig(workspace, sim.url, 'warn');
    const before = await sim.stats();
    const cpuBefore = await sim.cpuMs();
    const { wallMs, rssMb, cpuMs } = await timedNodeProcess(
      [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), bin, '-c', config, 'sync'],
      path.join(workspace.dir, 'rss.txt'),
    );
    const simCpuMs = (await sim.cpuMs()) - cpuBefore;
    const calls = perRoute(statsDelta(before, await sim.stats()));
    return { people, wallMs, rssMb, cpuMs, simCpuMs, calls, identities: await sim.count() };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

/** The SDK baseline's time per create at 5 ms, measured on a sample (sequential: it scales linearly). */
async function baselinePerCreate(sample: number, redisUrl: string): Promise<number> {
  const workspace = newWorkspace(redisUrl);
  const sim = await startSimProcess({ api: 'v26', latencyMs: LATENCY_MS });
  try {
    writePeople(workspace, peopleCsv(sample));
    const outcome = await runPhase<Awaited<ReturnType<typeof BaselinePhase>>>(
      new URL('./initial-import.ts', import.meta.url).href,
      'baselinePhase',
      { csvPath: path.join(workspace.dir, 'people.csv'), url: sim.url },
    );
    if (outcome.result.created !== sample)
      throw new Error(`baseline created ${outcome.result.created} of ${sample}`);
    return outcome.result.wallMs / sample;
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const sizes = process.env.BENCH_SIZES
    ? process.env.BENCH_SIZES.split(',').map(Number)
    : options.quick
      ? [1_000, 5_000]
      : [5_000, 20_000];
  const sample = options.quick ? 200 : 1_000;
  const perCreateMs = await baselinePerCreate(sample, options.redisUrl);
  const versus = process.env.BENCH_VERSUS;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const measured: Array<Measured & { cli: string }> = [];
  // One discarded run per CLI first: a checkout's first run fills Node's compile cache, the later ones read it.
  if (versus) await cliSync(sizes[0]!, options.redisUrl, versus);
  await cliSync(sizes[0]!, options.redisUrl);
  for (const people of sizes)
    for (let round = 0; round < rounds; round++) {
      if (versus) measured.push({ ...(await cliSync(people, options.redisUrl, versus)), cli: 'versus ' });
      measured.push({ ...(await cliSync(people, options.redisUrl, THIS_BIN, options.cpuProf)), cli: '' });
    }
  const rows = measured.map((m) => {
    const chainMs = total(m.calls) * LATENCY_MS;
    const floorMs = m.simCpuMs + chainMs;
    const baselineMs = perCreateMs * m.people;
    return {
      ...m,
      chainMs,
      floorMs,
      overFloor: m.wallMs / floorMs,
      speedup: baselineMs / m.wallMs,
      baselineMs,
    };
  });
  return {
    name: 'import-floor',
    title: `kratos-sync sync of new people, process start to exit, against the floor (v26 simulator, ${LATENCY_MS} ms per request)`,
    figures: [
      ...rows.map((r): [string, string] => [
        `${r.cli}kratos-sync ${int(r.people)}`,
        `${ms(r.wallMs)} wall (kratos-sync CPU ${ms(r.cpuMs)}) = ${ratio(r.overFloor)} the floor of ${ms(r.floorMs)} (simulator CPU ${ms(r.simCpuMs)} + ${int(total(r.calls))} calls × ${LATENCY_MS} ms = ${ms(r.chainMs)}); ${ratio(r.speedup)} faster than the SDK baseline (${ms(r.baselineMs)}); calls ${formatCounts(r.calls)}; peak RSS ${mb(r.rssMb)}; ${int(r.identities)} identities`,
      ]),
      ...summaries(rows),
      [
        'SDK baseline, per create',
        `${perCreateMs.toFixed(2)} ms (sequential creates of a ${int(sample)}-person sample, scaled to each size)`,
      ],
    ],
    goals: rows
      .filter((r) => r.cli === '')
      .flatMap((r) => [
        goal(`wall / floor at ${int(r.people)}`, '≤ 1.25×', ratio(r.overFloor), r.overFloor <= 1.25),
        goal(
          `everyone created at ${int(r.people)}`,
          int(r.people),
          int(r.identities),
          r.identities === r.people,
        ),
      ]),
    notes: [
      `The CLI runs ${process.env.BENCH_BIN ?? (process.env.BENCH_DIST ? `from ${process.env.BENCH_DIST}` : 'from source (type stripping)')}; its wall time includes Node's start-up and loading every module.`,
      'CPU per person is the median CPU at the largest size less that at the smallest, over the people between: start-up and fixed costs cancel out.',
      'The floor counts every call the run made as one link of the serial chain, start-up calls included.',
      ...(versus ? [`"versus" rows ran ${versus}, alternating with this CLI.`] : []),
    ],
  };
}

type Row = Measured & { cli: string; floorMs: number; overFloor: number };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Per CLI and size: median wall, CPU and ratio to the floor; per CLI: kratos-sync CPU per person created. */
function summaries(rows: Row[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const cli of [...new Set(rows.map((r) => r.cli))]) {
    const mine = rows.filter((r) => r.cli === cli);
    const sizes = [...new Set(mine.map((r) => r.people))].sort((a, b) => a - b);
    const cpuAt = (people: number) => median(mine.filter((r) => r.people === people).map((r) => r.cpuMs));
    for (const people of sizes) {
      const at = mine.filter((r) => r.people === people);
      out.push([
        `${cli}median ${int(people)} (${at.length} runs)`,
        `${ms(median(at.map((r) => r.wallMs)))} wall = ${ratio(median(at.map((r) => r.overFloor)))} the floor of ${ms(median(at.map((r) => r.floorMs)))}; kratos-sync CPU ${ms(cpuAt(people))}`,
      ]);
    }
    if (sizes.length >= 2) {
      const [low, high] = [sizes[0]!, sizes.at(-1)!];
      const perPerson = ((cpuAt(high) - cpuAt(low)) / (high - low)) * 1000;
      out.push([`${cli}CPU per person`, `${perPerson.toFixed(1)} µs (${int(low)} → ${int(high)})`]);
    }
  }
  return out;
}

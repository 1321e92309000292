/**
 * start-up: how long `kratos-sync` takes from process start to exit, as a user times it, against the floor
 * of `node -e 0` measured in the same run (each contender in turn, round after round, so a busy machine
 * slows them alike). Peak RSS is the process's own (`/usr/bin/time`'s maximum resident set size).
 * Contenders: `--help` from source (Node's type stripping), `--help` from the built `dist/` when it exists,
 * and a no-op `kratos-sync sync` of one person against the simulator in its own process (config, Kratos
 * probe, schemas, Redis, then a run with nothing to do).
 * `npm run bench -- startup`; `BENCH_DIST=<folder>` measures a build other than ./dist; `BENCH_VERSUS=<bin>`
 * (another build's src/app/bin.js) adds its no-op sync to the same rounds, for a before/after side by side.
 * The measured syncs find their identity-schema validators in the user's validator cache (the first sync, which
 * creates the person, fills it); "no validator cache" runs the same sync with the cache folder unusable, so it
 * loads Ajv and compiles the schema as a first run on a machine does.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { newWorkspace, peopleCsv, removeWorkspace, writeCliConfig, writePeople } from './support/fixture.ts';
import { goal, mb, ms, ratio, type BenchOptions, type BenchResult } from './support/report.ts';
import { startSimProcess } from './support/sim-process.ts';
import { TIME, timedNodeProcess, type ProcessSample } from './support/timed-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function run(options: BenchOptions): Promise<BenchResult> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed to read each process's peak RSS`);
  const rounds = options.quick ? 5 : 15;
  const sim = await startSimProcess({ api: 'v26' });
  const workspace = newWorkspace(options.redisUrl);
  const rssFile = path.join(workspace.dir, 'rss.txt');
  writePeople(workspace, peopleCsv(1));
  const configFile = writeCliConfig(workspace, sim.url, 'silent');
  // BENCH_DIST=<folder>: a build elsewhere (`tsc -p tsconfig.build.json --outDir <folder>`), e.g. when
  // dist/ in a shared checkout is older than the source.
  const dist = path.join(process.env.BENCH_DIST ?? path.join(ROOT, 'dist'), 'src/app/bin.js');
  const noCache = { NODE_DISABLE_COMPILE_CACHE: '1' };
  // A cache folder under a file cannot be made: the process compiles its schemas (src/mapping/validator-cache.ts).
  const noValidatorCache = { XDG_CACHE_HOME: path.join(rssFile, 'none') };
  const contenders: Array<{ label: string; args: string[]; env?: NodeJS.ProcessEnv }> = [
    { label: 'floor: node -e 0', args: ['-e', '0'] },
    { label: 'kratos-sync --help (source)', args: ['src/app/bin.ts', '--help'] },
    ...(existsSync(dist) ? [{ label: 'kratos-sync --help (dist)', args: [dist, '--help'] }] : []),
    { label: 'kratos-sync sync, nothing to do (source)', args: ['src/app/bin.ts', '-c', configFile, 'sync'] },
    ...(existsSync(dist)
      ? [
          { label: 'kratos-sync sync, nothing to do (dist)', args: [dist, '-c', configFile, 'sync'] },
          {
            label: 'kratos-sync sync, nothing to do (dist, compile cache off)',
            args: [dist, '-c', configFile, 'sync'],
            env: noCache,
          },
          {
            label: 'kratos-sync sync, nothing to do (dist, no validator cache)',
            args: [dist, '-c', configFile, 'sync'],
            env: noValidatorCache,
          },
        ]
      : []),
    {
      label: 'kratos-sync sync, nothing to do (source, compile cache off)',
      args: ['src/app/bin.ts', '-c', configFile, 'sync'],
      env: noCache,
    },
    ...(process.env.BENCH_VERSUS
      ? [
          {
            label: `kratos-sync --help (versus ${process.env.BENCH_VERSUS})`,
            args: [process.env.BENCH_VERSUS, '--help'],
          },
          {
            label: `kratos-sync sync, nothing to do (versus ${process.env.BENCH_VERSUS})`,
            args: [process.env.BENCH_VERSUS, '-c', configFile, 'sync'],
          },
        ]
      : []),
  ];
  try {
    // The first sync creates the one person; every measured one has nothing to do.
    await timedNodeProcess(['src/app/bin.ts', '-c', configFile, 'sync'], rssFile);
    const samples = new Map<string, ProcessSample[]>(contenders.map((c) => [c.label, []]));
    for (let round = 0; round < rounds; round++)
      for (const contender of contenders)
        samples.get(contender.label)!.push(await timedNodeProcess(contender.args, rssFile, contender.env));
    const figure = (label: string) => {
      const list = samples.get(label)!;
      return {
        wallMs: median(list.map((s) => s.wallMs)),
        minMs: Math.min(...list.map((s) => s.wallMs)),
        rssMb: Math.max(...list.map((s) => s.rssMb)),
        cpuMs: median(list.map((s) => s.cpuMs)),
      };
    };
    const floor = figure('floor: node -e 0');
    const figures: Array<[string, string]> = contenders.map(({ label }) => {
      const f = figure(label);
      const over = label.startsWith('floor') ? '' : `, ${ratio(f.wallMs / floor.wallMs)} the floor`;
      return [
        label,
        `${ms(f.wallMs)} median (min ${ms(f.minMs)})${over}, CPU ${ms(f.cpuMs)} median, peak RSS ${mb(f.rssMb)}`,
      ];
    });
    const helpSource = figure('kratos-sync --help (source)');
    const helpDist = existsSync(dist) ? figure('kratos-sync --help (dist)') : undefined;
    const help = helpDist ?? helpSource;
    const sync = figure(`kratos-sync sync, nothing to do (${helpDist ? 'dist' : 'source'})`);
    const distNote = helpDist
      ? `${path.relative(ROOT, dist)} built ${statSync(dist).mtime.toISOString()}${statSync(dist).mtimeMs < statSync(path.join(ROOT, 'src/cli/program.ts')).mtimeMs ? ' — OLDER than src/cli/program.ts' : ''}`
      : 'no dist/ (run `npm run build` to measure the built CLI)';
    return {
      name: 'startup',
      title: `process start to exit, median of ${rounds} rounds, against node -e 0 in the same rounds`,
      figures,
      goals: [
        goal(
          `--help wall (${helpDist ? 'dist' : 'source'})`,
          '≤ 100 ms',
          ms(help.wallMs),
          help.wallMs <= 100,
        ),
        goal(
          `--help peak RSS (${helpDist ? 'dist' : 'source'})`,
          '≤ 70 MB',
          mb(help.rssMb),
          help.rssMb <= 70,
        ),
        goal(
          'a sync’s own start-up (whole no-op sync of one person, process start to exit)',
          '≤ 150 ms',
          ms(sync.wallMs),
          sync.wallMs <= 150,
        ),
      ],
      notes: [
        'Wall times include spawning through /usr/bin/time; the floor pays the same.',
        distNote,
        'The sync figure is a whole run (config, Kratos probe, schemas, Redis, read 1 record, list, plan, audit), so it bounds start-up from above.',
      ],
    };
  } finally {
    rmSync(rssFile, { force: true });
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

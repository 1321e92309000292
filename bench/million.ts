/**
 * million: an initial import and a no-op reconcile of 1,000,000 people (0 ms latency), each a fresh
 * kratos-sync process against the simulator in its own process; then the queue's split full sync (one plan
 * job, `sync.apply` chunk jobs on any worker) run by 1 and by 2 `kratos-sync worker` processes side by side.
 *
 * `BENCH_MILLION=N` changes the size of the first part (default 1,000,000; `--quick` 50,000);
 * `BENCH_WORKERS_PEOPLE=N` the size of the worker part (default 100,000; `--quick` 20,000; 0 leaves it out);
 * `BENCH_WORKERS_ROUNDS=1,2,1,2` its worker counts in order; `BENCH_WORKERS_LATENCY_MS` its simulator latency.
 * Each worker round prints which worker planned, each worker's CPU per run, the simulator's CPU, the plan
 * job's phases (ms since it began) and when the first chunk started.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { enqueueFullSync } from '../jobs/enqueue.ts';
import { silentLogger } from '../src/log/logger.ts';
import { createQueue } from '../src/queue/job-queue.ts';
import { spawnWorker, stopAll, waitForLine, type WorkerChild } from '../test/jobs/process-harness.ts';
import type { SyncPhaseResult } from './initial-import.ts';
import {
  newWorkspace,
  peopleCsv,
  removeWorkspace,
  sourceSection,
  writePeople,
  type Workspace,
} from './support/fixture.ts';
import { runPhase, type PhaseOutcome } from './support/phase.ts';
import { importMinimum } from './support/profiles.ts';
import { formatCounts, goal, int, mb, ms, type BenchOptions, type BenchResult } from './support/report.ts';
import { perRoute, startSimProcess, statsDelta, total, type SimProcess } from './support/sim-process.ts';

const PHASES = new URL('./initial-import.ts', import.meta.url).href;
const PAGE_SIZE = 500;
const RSS_GOAL_MB = 1024;
/** `BENCH_WORKERS_LATENCY_MS`: the simulator's latency in the worker part (default 0). */
const WORKERS_LATENCY_MS = Number(process.env.BENCH_WORKERS_LATENCY_MS ?? 0);

interface Measured {
  outcome: PhaseOutcome<SyncPhaseResult>;
  calls: Record<string, number>;
  simCpuMs: number;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const people = Number(process.env.BENCH_MILLION ?? (options.quick ? 50_000 : 1_000_000));
  const workerPeople = Number(process.env.BENCH_WORKERS_PEOPLE ?? (options.quick ? 20_000 : 100_000));
  const load = [loadAverage()];
  const single = await singleProcess(options, people);
  load.push(loadAverage());
  const split: SplitOutcome[] = [];
  // BENCH_WORKERS_PEOPLE=0 leaves the worker part out.
  // BENCH_WORKERS_ROUNDS: the worker counts to run, in order (default 1,2,1,2).
  const rounds = (process.env.BENCH_WORKERS_ROUNDS ?? '1,2,1,2').split(',').map(Number);
  for (const workers of workerPeople > 0 ? rounds : []) {
    split.push(await queueSplit(options.redisUrl, workerPeople, workers));
    load.push(loadAverage());
  }
  const importMin = importMinimum('v26', people);
  const noopMin = Math.ceil(people / PAGE_SIZE);
  const runCalls = (calls: Record<string, number>) => total(calls) - (calls['GET /schemas'] ?? 0);
  const writes = (calls: Record<string, number>) =>
    Object.entries(calls)
      .filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route))
      .reduce((sum, [, n]) => sum + n, 0);
  const line = (m: Measured) =>
    `${ms(m.outcome.result.wallMs)} wall, ${ms(m.outcome.cpuMs)} CPU (start-up included), peak RSS ${mb(m.outcome.peakRssMb)}; ${int(runCalls(m.calls))} calls (${formatCounts(m.calls)}); simulator CPU ${ms(m.simCpuMs)}`;
  const byWorkers = (n: number) => split.filter((s) => s.workers === n);
  const best = (n: number, pick: (s: SplitOutcome) => number) => Math.min(...byWorkers(n).map(pick));
  const splitLine = (s: SplitOutcome) =>
    `${ms(s.importMs)} import, ${ms(s.noopMs)} no-op (enqueue to job completed); planned by ${s.planners.join(', ')}; workers' CPU import ${s.importCpuMs.map(ms).join(' + ')}, no-op ${s.noopCpuMs.map(ms).join(' + ')}; simulator CPU ${s.simCpuMs.map(ms).join(' / ')}; plan phases [${s.phases.join('] / [')}]; in all ${s.workerCpuMs.map(ms).join(' + ')}, peak RSS ${s.workerRssMb.map(mb).join(' / ')}; import ${int(runCalls(s.importCalls))} calls (${formatCounts(s.importCalls)}), no-op ${int(runCalls(s.noopCalls))} calls`;
  const oneImport = best(1, (s) => s.importMs);
  const twoImport = best(2, (s) => s.importMs);
  return {
    name: 'million',
    title:
      `${int(people)} people in one process` +
      (split.length > 0
        ? `, then the queue's split full sync of ${int(workerPeople)} on 1 and 2 worker processes`
        : '') +
      ` (0 ms latency${split.length > 0 && WORKERS_LATENCY_MS > 0 ? `; the worker part at ${WORKERS_LATENCY_MS} ms` : ''})`,
    figures: [
      [`initial import of ${int(people)}`, line(single.import)],
      [`no-op reconcile of ${int(people)}`, line(single.noop)],
      ['identities in the simulator', `${int(single.count)}; simulator peak RSS ${mb(single.simRssMb)}`],
      ...split.map((s, i): [string, string] => [`split run ${i + 1}: ${s.workers} worker(s)`, splitLine(s)]),
      ['load average (1 min) before, between and after the parts', load.join(', ')],
    ],
    goals: [
      goal(
        `import calls / minimum at ${int(people)}`,
        '1.00×',
        `${int(runCalls(single.import.calls))} / ${int(importMin)}`,
        runCalls(single.import.calls) === importMin,
      ),
      goal(
        `no-op calls / minimum at ${int(people)}`,
        `${int(noopMin)} pages, 0 writes`,
        `${int(runCalls(single.noop.calls))}, ${writes(single.noop.calls)} writes`,
        runCalls(single.noop.calls) === noopMin && writes(single.noop.calls) === 0,
      ),
      goal(
        'peak RSS of the import process',
        `≤ ${RSS_GOAL_MB} MB`,
        mb(single.import.outcome.peakRssMb),
        single.import.outcome.peakRssMb <= RSS_GOAL_MB,
      ),
      goal(
        'peak RSS of the no-op process',
        `≤ ${RSS_GOAL_MB} MB`,
        mb(single.noop.outcome.peakRssMb),
        single.noop.outcome.peakRssMb <= RSS_GOAL_MB,
      ),
      ...(split.length === 0
        ? []
        : [
            goal(
              `split import of ${int(workerPeople)}: 2 workers faster than 1 (best of 2 each)`,
              '< 1',
              `${ms(twoImport)} / ${ms(oneImport)} = ${(twoImport / oneImport).toFixed(2)}`,
              twoImport < oneImport,
            ),
          ]),
    ],
    notes: [
      'Each kratos-sync run is a fresh process (its peak RSS and CPU are its own); calls are counted by the simulator. The import minimum is one list page plus one batch create per 1,000; the no-op minimum one list page per 500 identities.',
      "The split full sync plans in one job (one worker: source, list, plan) and spreads only the apply over the workers' `sync.apply` chunk jobs (queue.applyChunkSize 1,000): a no-op run has nothing to apply, so its time does not depend on the number of workers.",
    ],
  };
}

async function singleProcess(options: BenchOptions, people: number) {
  const sim = await startSimProcess({ api: 'v26' });
  const workspace = newWorkspace(options.redisUrl);
  try {
    writePeople(workspace, peopleCsv(people));
    const phaseOptions = options.cpuProf ? { cpuProf: options.cpuProf } : {};
    const measure = async (): Promise<Measured> => {
      const before = await sim.stats();
      const simCpuBefore = await sim.cpuMs();
      const outcome = await runPhase<SyncPhaseResult>(
        PHASES,
        'kratosSyncPhase',
        { workspace, url: sim.url },
        phaseOptions,
      );
      if (outcome.result.status !== 'completed') throw new Error(`run ${outcome.result.status}`);
      return {
        outcome,
        calls: perRoute(statsDelta(before, await sim.stats())),
        simCpuMs: (await sim.cpuMs()) - simCpuBefore,
      };
    };
    const imported = await measure();
    const count = await sim.count();
    const noop = await measure();
    return { import: imported, noop, count, simRssMb: peakRssMb(sim.pid) };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

interface SplitOutcome {
  workers: number;
  /** The worker that ran each run's plan step (import, then no-op). */
  planners: string[];
  importCpuMs: number[];
  noopCpuMs: number[];
  /** The simulator's CPU during the import and during the no-op. */
  simCpuMs: number[];
  /** The plan job's phases (worker, phase, ms since the plan began), import then no-op. */
  phases: string[];
  importMs: number;
  noopMs: number;
  importCalls: Record<string, number>;
  noopCalls: Record<string, number>;
  workerCpuMs: number[];
  workerRssMb: number[];
}

/** A fresh simulator and N `kratos-sync worker` processes; two full syncs through the queue. */
async function queueSplit(redisUrl: string, people: number, workers: number): Promise<SplitOutcome> {
  const sim = await startSimProcess({ api: 'v26', latencyMs: WORKERS_LATENCY_MS });
  const workspace = newWorkspace(redisUrl);
  const children: WorkerChild[] = [];
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createQueue({ connection: producer, prefix: workspace.prefix, logger: silentLogger() });
  try {
    writePeople(workspace, peopleCsv(people));
    const configFile = writeWorkerConfig(workspace, sim);
    for (let i = 1; i <= workers; i++) {
      children.push(spawnWorker({ configFile, roles: 'worker', name: `w${i}` }));
    }
    for (const child of children) await waitForLine(child, 'kratos-sync worker started');
    const timed = async () => {
      const before = await sim.stats();
      const simCpuBefore = await sim.cpuMs();
      for (const child of children) child.lines.length = 0;
      const started = performance.now();
      const id = await enqueueFullSync(queue, { source: 'hr', trigger: 'api', now: new Date() });
      for (;;) {
        const state = await queue.getJobState(id);
        if (state === 'completed') break;
        if (state === 'failed') throw new Error(`full sync job ${id} failed`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const jobs = await queue.getJobs(['completed']);
      const full = jobs.find((j) => j.id === id)!;
      const applies = jobs.filter((j) => j.name === 'sync.apply' && j.parent?.id === id);
      const firstChunk = Math.min(...applies.map((j) => j.processedOn ?? Infinity));
      const busy = (name: string) =>
        applies
          .filter((j) => j.processedBy === name)
          .reduce((sum, j) => sum + (j.finishedOn! - j.processedOn!), 0);
      const timeline =
        applies.length === 0
          ? 'no chunks'
          : // The parent's processedOn moves when it is taken up again to finish: its enqueue time is the start.
            `plan step ${firstChunk - full.timestamp} ms, chunks ${Math.max(...applies.map((j) => j.finishedOn!)) - firstChunk} ms (busy ${children.map((c) => `${c.name} ${busy(c.name)}`).join(', ')})`;
      // The worker that logged the plan's phases planned; `processedBy` names the one that finished the job
      // (after its chunks, any worker takes the parent up again).
      const planner =
        children.find((c) => c.lines.some((l) => l.includes('full sync phase done')))?.name ?? '?';
      const phases = children.flatMap((child) =>
        child.lines
          .filter((l) => l.includes('full sync phase done'))
          .map((l) => {
            const { phase, ms: at } = JSON.parse(l) as { phase: string; ms: number };
            return `${child.name} ${phase} ${at}`;
          }),
      );
      return {
        ms: performance.now() - started,
        calls: perRoute(statsDelta(before, await sim.stats())),
        simCpuMs: (await sim.cpuMs()) - simCpuBefore,
        phases: [...phases, timeline],
        planner,
      };
    };
    const pids = children.map((c) => c.process.pid!);
    const cpuBefore = pids.map(cpuMsOf);
    const imported = await timed();
    const held = await sim.count();
    if (held !== people) {
      const lines = children.flatMap((c) => c.lines.filter((l) => /"level":(40|50)/.test(l)).slice(-5));
      throw new Error(`split import: expected ${people} identities, found ${held}:\n${lines.join('\n')}`);
    }
    const cpuAfterImport = pids.map(cpuMsOf);
    const noop = await timed();
    const cpuAfterNoop = pids.map(cpuMsOf);
    return {
      planners: [imported.planner, noop.planner],
      importCpuMs: pids.map((_, i) => cpuAfterImport[i]! - cpuBefore[i]!),
      noopCpuMs: pids.map((_, i) => cpuAfterNoop[i]! - cpuAfterImport[i]!),
      workers,
      importMs: imported.ms,
      noopMs: noop.ms,
      importCalls: imported.calls,
      simCpuMs: [imported.simCpuMs, noop.simCpuMs],
      phases: [imported.phases.join(', '), noop.phases.join(', ')],
      noopCalls: noop.calls,
      workerCpuMs: pids.map(cpuMsOf),
      workerRssMb: pids.map(peakRssMb),
    };
  } finally {
    await stopAll(children);
    await queue.close();
    producer.disconnect();
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

function writeWorkerConfig(workspace: Workspace, sim: SimProcess): string {
  const file = path.join(workspace.dir, 'kratos-sync.yaml');
  const config = {
    kratos: { adminUrl: sim.url, apiVersion: 'v26' },
    redis: { url: workspace.redisUrl, prefix: workspace.prefix },
    sources: {
      hr: sourceSection({ connection: { type: 'csv', path: path.join(workspace.dir, 'people.csv') } }),
    },
    // One chunk job per batch create; a worker runs 2 at once (each waits on Kratos as much as it works).
    queue: { concurrency: 2, applyChunkSize: 1_000, lockDuration: '60s' },
    log: { level: 'info' },
  };
  writeFileSync(file, stringify(config));
  return file;
}

/** Peak resident set (VmHWM) of a live process, in MiB. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** User + system CPU of a live process so far, in ms (fields 14 and 15 of /proc/PID/stat, in clock ticks). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
}

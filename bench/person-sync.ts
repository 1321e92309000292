/**
 * person-sync: `person.sync` jobs (a webhook's job: fetch the record, map, find the identity, plan, apply)
 * completed per second by one worker process at 0 ms Kratos latency, against a no-op job through the same
 * queue runtime in the same process and run. Also counts, per person job, the Redis commands the process
 * sent (MONITOR, Lua-internal ones left out) by command, and the Kratos calls (counted by the simulator).
 * The people already exist and are unchanged, so every job is the whole path with nothing to write: the
 * job's own overhead. `npm run bench -- person-sync [--quick]`.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { enqueuePersonSync } from '../jobs/enqueue.ts';
import { coalesceRedisWrites } from '../src/queue/coalesce-redis-writes.ts';
import { silentLogger } from '../src/log/logger.ts';
import { createCatalogue } from '../src/queue/job-definition.ts';
import { noopJob } from './support/noop-job.ts';
import { addJob, createQueue } from '../src/queue/job-queue.ts';
import { createJobWorker } from '../src/queue/job-worker.ts';
import { createKratosOutagePause } from '../src/queue/kratos-outage-pause.ts';
import { closeRedis, createRedis, redisReady } from '../src/queue/redis-connection.ts';
import { startWorkerProcess } from '../src/app/worker-process.ts';
import { personKey, removeWorkspace, syncConfig, type Workspace } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { countSocketWrites } from './support/socket-writes.ts';
import { populated } from './support/populated.ts';
import { formatCounts, goal, int, mb, ratio, type BenchOptions, type BenchResult } from './support/report.ts';
import { perRoute, statsDelta } from './support/sim-process.ts';

// queue.concurrency's default; BENCH_CONCURRENCY=<n> measures another.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/**
 * Also measured: more jobs in flight per process. More answers arrive per socket read and event-loop turn, and
 * more jobs start together, so more of them share one lock script and one Kratos read
 * (src/queue/person-locks.ts, src/kratos/identity-loader.ts): each job costs less CPU.
 */
const MID_CONCURRENCY = 16;
const HIGH_CONCURRENCY = 32;

interface PhaseResult {
  personJobs: number;
  personMs: number;
  /** Worker process start-up and its first person job (which builds the CSV key index). */
  warmUpMs: number;
  /** CPU of this process while the person jobs ran (the bench's drain polling included). */
  personCpuMs: number;
  /** Writes to TCP sockets while they ran (null: not countable on this Node). */
  personWrites: number | null;
  failed: number;
  noopJobs: number;
  noopMs: number;
  noopCpuMs: number;
  noopWrites: number | null;
  commands: Record<string, number>;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function drained(queue: ReturnType<typeof createQueue>): Promise<void> {
  for (;;) {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Phase (own process): enqueue, then run `jobs` person.sync jobs with a worker process; then no-op jobs. */
export async function personSyncPhase(args: {
  workspace: Workspace;
  url: string;
  jobs: number;
  people: number;
  /** Count the Redis commands sent (MONITOR): a separate run, as MONITOR slows the process down. */
  countCommands: boolean;
  /** Jobs in flight in the worker process (queue.concurrency). @defaultValue CONCURRENCY */
  concurrency?: number;
}): Promise<PhaseResult> {
  const concurrency = args.concurrency ?? CONCURRENCY;
  const { workspace } = args;
  const writes = countSocketWrites();
  const writesSince = (start: number) => (writes.available ? writes.count() - start : null);
  const config = syncConfig(workspace, {
    adminUrl: args.url,
    source: { connection: { type: 'csv', path: path.join(workspace.dir, 'people.csv') } },
    extra: { queue: { concurrency } },
  });
  const logger = silentLogger();
  const producer = createRedis(config.redis, { role: 'producer', logger });
  await redisReady(producer);
  const queue = createQueue({ connection: producer, prefix: config.redis.prefix, logger });
  const receivedAt = new Date().toISOString();
  // Warm-up, not timed as per-job cost: the worker process starts and runs one person job (its first
  // lookup builds the CSV key index); then the queue is paused while the measured jobs are enqueued.
  const warmStarted = performance.now();
  await enqueuePersonSync(queue, { source: 'hr', key: personKey(args.people), receivedAt });
  const running = await startWorkerProcess({
    config,
    baseDir: workspace.dir,
    roles: new Set(['worker']),
    logger,
  });
  await drained(queue);
  const warmUpMs = performance.now() - warmStarted;
  await queue.pause();
  for (let i = 0; i < args.jobs; i++)
    await enqueuePersonSync(queue, {
      source: 'hr',
      key: personKey(Math.floor((i * args.people) / args.jobs) + 1),
      receivedAt,
    });
  const queued = await queue.getJobCountByTypes('wait', 'prioritized');
  if (queued !== args.jobs) throw new Error(`expected ${args.jobs} queued person jobs, found ${queued}`);

  // Every command this process's clients send from here on (MONITOR sees them all; Lua-internal ones and
  // the bench's own queue polling are left out). MONITOR costs this process CPU (it receives a copy of
  // every command), so the throughput figures come from a run without it.
  const monitorClient = args.countCommands ? new Redis(workspace.redisUrl) : undefined;
  const monitor = monitorClient ? await monitorClient.monitor() : undefined;
  const commands: Record<string, number> = {};
  let counting = false;
  monitor?.on('monitor', (_time: string, argv: string[], source: string) => {
    if (!counting || source === 'lua') return;
    const name = argv[0]!.toLowerCase();
    // The bench's drain check (getJobCounts) is not the worker's.
    if (name === 'zcard' || name === 'llen' || name === 'multi' || name === 'exec') return;
    commands[name] = (commands[name] ?? 0) + 1;
  });

  counting = true;
  const started = performance.now();
  const personCpu = process.cpuUsage();
  const personWritesAtStart = writes.count();
  await queue.resume();
  await drained(queue);
  const personMs = performance.now() - started;
  const personCpuMs = cpuMsSince(personCpu);
  const personWrites = writesSince(personWritesAtStart);
  counting = false;
  await running.close();
  monitor?.disconnect();
  monitorClient?.disconnect();
  const failed = await queue.getJobCountByTypes('failed');

  // The no-op job through the same queue runtime, same concurrency, same process.
  const noopJobs = args.jobs;
  for (let n = 0; n < noopJobs; n++) await addJob(queue, noopJob, { n });
  const outagePause = createKratosOutagePause({
    ready: async () => true,
    hold: (ms) => queue.rateLimit(ms),
    release: async () => void (await queue.removeRateLimitKey()),
    logger,
  });
  const connection = createRedis(config.redis, { role: 'worker', logger });
  // As the worker role does (src/app/job-worker-role.ts), so both job kinds run on the same runtime.
  coalesceRedisWrites(connection);
  let done = 0;
  let resolveDone = () => {};
  const allDone = new Promise<void>((resolve) => (resolveDone = resolve));
  const noopStarted = performance.now();
  const noopCpu = process.cpuUsage();
  const noopWritesAtStart = writes.count();
  const worker = createJobWorker({
    connection,
    prefix: config.redis.prefix,
    catalogue: createCatalogue([noopJob]),
    deps: null,
    logger,
    outagePause,
    rateLimit: (ms) => queue.rateLimit(ms),
    concurrency,
    lockDurationMs: 30_000,
    defaultTimeoutMs: 60_000,
    keepCompleted: config.queue.keepCompleted,
    keepFailed: config.queue.keepFailed,
    observer: { jobFinished: () => void (++done === noopJobs && resolveDone()) },
  });
  await allDone;
  const noopMs = performance.now() - noopStarted;
  const noopCpuMs = cpuMsSince(noopCpu);
  const noopWrites = writesSince(noopWritesAtStart);
  await worker.close(5_000);
  outagePause.close();
  await closeRedis(connection);
  await queue.close();
  await closeRedis(producer);
  return {
    personJobs: args.jobs,
    personMs,
    warmUpMs,
    personCpuMs,
    personWrites,
    failed,
    noopJobs,
    noopMs,
    noopCpuMs,
    noopWrites,
    commands,
  };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  // One job per person: a second job for someone already queued is deduplicated (jobs/enqueue.ts).
  const people = options.quick ? 2_000 : 20_000;
  const jobs = options.quick ? 1_000 : 4_000;
  const countedJobs = 1_000;
  const { sim, workspace } = await populated(options.redisUrl, people);
  try {
    const before = await sim.stats();
    const simCpuBefore = await sim.cpuMs();
    const phase = await runPhase<PhaseResult>(
      import.meta.url,
      'personSyncPhase',
      { workspace, url: sim.url, jobs, people, countCommands: false },
      options.cpuProf ? { cpuProf: options.cpuProf } : {},
    );
    const simCpuMs = (await sim.cpuMs()) - simCpuBefore;
    const calls = perRoute(statsDelta(before, await sim.stats()));
    const more = (concurrency: number) =>
      runPhase<PhaseResult>(import.meta.url, 'personSyncPhase', {
        workspace,
        url: sim.url,
        jobs,
        people,
        countCommands: false,
        concurrency,
      });
    const mid = await more(MID_CONCURRENCY);
    const high = await more(HIGH_CONCURRENCY);
    const counted = await runPhase<PhaseResult>(import.meta.url, 'personSyncPhase', {
      workspace,
      url: sim.url,
      jobs: countedJobs,
      people,
      countCommands: true,
    });
    const r = phase.result;
    const personRate = r.personJobs / (r.personMs / 1000);
    const noopRate = r.noopJobs / (r.noopMs / 1000);
    const personCpuUs = (r.personCpuMs * 1000) / r.personJobs;
    const noopCpuUs = (r.noopCpuMs * 1000) / r.noopJobs;
    const h = high.result;
    const highRate = h.personJobs / (h.personMs / 1000);
    const highCpuUs = (h.personCpuMs * 1000) / h.personJobs;
    const highNoopRate = h.noopJobs / (h.noopMs / 1000);
    const m = mid.result;
    const midRate = m.personJobs / (m.personMs / 1000);
    const perJob = (n: number) => (n / counted.result.personJobs).toFixed(2);
    const commandTotal = Object.values(counted.result.commands).reduce((a, b) => a + b, 0);
    const top = Object.entries(counted.result.commands)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([name, n]) => `${name} ${perJob(n)}`)
      .join(', ');
    return {
      name: 'person-sync',
      title: `${int(jobs)} person.sync jobs for ${int(people)} unchanged people (CSV source), one worker process, concurrency ${CONCURRENCY}, Kratos at 0 ms`,
      figures: [
        [
          'person.sync',
          `${int(personRate)} jobs/s (${int(r.personMs)} ms, ${r.failed} failed); ${int(personCpuUs)} µs of worker CPU per job`,
        ],
        [
          'worker start-up and its first job (builds the CSV key index)',
          `${int(r.warmUpMs)} ms, not in the rates`,
        ],
        [
          'no-op job, same process and run',
          `${int(noopRate)} jobs/s, ${int(noopCpuUs)} µs CPU per job — person.sync is ${ratio(noopRate / personRate)} slower, ${ratio(personCpuUs / noopCpuUs)} the CPU`,
        ],
        [
          `person.sync at concurrency ${MID_CONCURRENCY} (queue.concurrency), same people`,
          `${int(midRate)} jobs/s (${m.failed} failed); ${int((m.personCpuMs * 1000) / m.personJobs)} µs of worker CPU per job; worker process peak RSS ${mb(mid.peakRssMb)}`,
        ],
        [
          `person.sync at concurrency ${HIGH_CONCURRENCY} (queue.concurrency), same people`,
          `${int(highRate)} jobs/s (${h.failed} failed); ${int(highCpuUs)} µs of worker CPU per job; no-op job ${int(highNoopRate)} jobs/s, ${int((h.noopCpuMs * 1000) / h.noopJobs)} µs CPU`,
        ],
        [
          'socket writes per job (Redis commands and HTTP requests leaving the process)',
          r.personWrites === null || r.noopWrites === null
            ? 'not countable on this Node version'
            : `person.sync ${(r.personWrites / r.personJobs).toFixed(2)}, no-op job ${(r.noopWrites / r.noopJobs).toFixed(2)}`,
        ],
        [
          'Redis commands per person job',
          `${perJob(commandTotal)} (${top}; counted on a separate run of ${int(countedJobs)} jobs)`,
        ],
        [
          'Kratos calls per person job',
          `${(Object.values(calls).reduce((a, b) => a + b, 0) / jobs).toFixed(2)} (${formatCounts(calls)})`,
        ],
        ['simulator CPU during the phase', `${int(simCpuMs)} ms`],
        ['worker process CPU, peak RSS', `${int(phase.cpuMs)} ms, ${mb(phase.peakRssMb)}`],
      ],
      goals: [
        goal(
          'person.sync jobs per second, one worker process',
          '≥ 2,000/s',
          `${int(personRate)}/s`,
          personRate >= 2_000,
        ),
        goal(
          `the same at concurrency ${MID_CONCURRENCY}`,
          '≥ 2,000/s',
          `${int(midRate)}/s`,
          midRate >= 2_000,
        ),
        goal(
          `the same at concurrency ${HIGH_CONCURRENCY}`,
          '≥ 2,000/s',
          `${int(highRate)}/s`,
          highRate >= 2_000,
        ),
      ],
      notes: [
        'Redis commands are counted with MONITOR on a second run of the person phase (the bench’s own drain polling left out); the rates come from a run without MONITOR, which costs the process CPU.',
        'CPU per job is the worker process’s CPU while the jobs ran (process.cpuUsage); the last figure covers the whole phase process (enqueueing both job kinds included). On a shared machine the CPU figures are the steadier ones.',
      ],
    };
  } finally {
    await sim.stop();
    await removeWorkspace(workspace);
  }
}

/**
 * webhook-intake: signed webhooks taken in by one `kratos-sync worker --role http` process, offered by a load
 * generator in a second process (bench/support/webhook-load.ts): (1) closed loop, 64 connections — how many
 * it answers a second; (2) open loop, 1,000 a second — how fast it answers at that load. Every request is a
 * valid, distinct person's event: verified (HMAC), checked against replays and enqueued as a person.sync
 * job. No worker runs, so the jobs only queue up: this is the intake alone. `npm run bench -- webhook-intake`.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startFakeHrApi } from '../test/support/fake-hr-api.ts';
import { freePort } from '../test/support/redis-server.ts';
import { WorkerCluster, writeClusterConfig } from '../test/resilience/support/worker-cluster.ts';
import { newWorkspace, removeWorkspace, sourceSection } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { processCpuMs } from './support/process-cpu.ts';
import { goal, int, type BenchOptions, type BenchResult } from './support/report.ts';
import { startSimProcess } from './support/sim-process.ts';
import type { WebhookLoadArgs, WebhookLoadResult } from './support/webhook-load.ts';

const SECRET = 'bench-webhook-secret';
const CONNECTIONS = 64;
const OFFERED = 1_000;
const LOAD = new URL('./support/webhook-load.ts', import.meta.url).href;
const WRITES_PRELOAD = new URL('./support/socket-writes-preload.ts', import.meta.url).href;

/** Socket writes of the HTTP process: answers to its clients, and its own connections' (Redis) writes. */
interface SocketWrites {
  answerWrites: number;
  clientWrites: number;
  clientChunks: number;
}

const fixed = (value: number) => value.toFixed(1);

export async function run(options: BenchOptions): Promise<BenchResult> {
  const seconds = options.quick ? 3 : 10;
  const sim = await startSimProcess({ api: 'v26' });
  const workspace = newWorkspace(options.redisUrl);
  const hr = await startFakeHrApi({ keyField: 'employee_id', people: [] });
  const port = await freePort();
  const config = writeClusterConfig({
    adminUrl: sim.url,
    redisUrl: options.redisUrl,
    prefix: workspace.prefix,
    http: { host: '127.0.0.1', port },
    source: {
      mapping: sourceSection().mapping as object,
      connection: { type: 'http-json', url: hr.collectionUrl, itemUrl: hr.itemUrlTemplate, itemPath: 'data' },
      webhook: { secret: SECRET, personKey: 'employee_id' },
    },
  });
  const cluster = new WorkerCluster(config);
  try {
    // --cpu-prof: the HTTP process writes a profile when it exits (SIGTERM below; SIGKILL would lose it).
    // The socket-write counter is loaded into the HTTP process only (not the load generator).
    const nodeOptions = process.env.NODE_OPTIONS;
    const writesFile = path.join(config.dir, 'socket-writes.json');
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${WRITES_PRELOAD}${options.cpuProf ? ` --cpu-prof --cpu-prof-dir=${options.cpuProf}` : ''}`;
    process.env.BENCH_SOCKET_WRITES_FILE = writesFile;
    cluster.start(1, 'http');
    delete process.env.BENCH_SOCKET_WRITES_FILE;
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
    const server = cluster.alive[0]!;
    let snapshots = 0;
    /** The HTTP process's socket writes so far (bench/support/socket-writes-preload.ts), or null. */
    const writesNow = async (): Promise<SocketWrites | null> => {
      const wanted = ++snapshots;
      server.kill('SIGUSR2');
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        try {
          const counts = JSON.parse(readFileSync(writesFile, 'utf8')) as SocketWrites & { snapshot: number };
          if (counts.snapshot >= wanted) return counts;
        } catch {
          // not written yet
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return null;
    };
    const deadline = Date.now() + 120_000;
    while ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) throw new Error('webhook-intake: the HTTP role did not start');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    let nextPerson = 1;
    const load = async (args: Omit<WebhookLoadArgs, 'url' | 'secret' | 'firstPerson' | 'people'>) => {
      const people = Math.ceil(args.seconds * (args.rate ?? 20_000));
      const firstPerson = nextPerson;
      nextPerson += people;
      const writesBefore = await writesNow();
      const cpuBefore = processCpuMs(server.pid!);
      const phase = await runPhase<WebhookLoadResult>(LOAD, 'webhookLoadPhase', {
        ...args,
        url: `http://127.0.0.1:${port}/webhooks/hr`,
        secret: SECRET,
        firstPerson,
        people,
      } satisfies WebhookLoadArgs);
      const cpuAfter = processCpuMs(server.pid!);
      const writesAfter = await writesNow();
      const serverCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      const writes =
        writesBefore && writesAfter
          ? {
              answerWrites: writesAfter.answerWrites - writesBefore.answerWrites,
              clientWrites: writesAfter.clientWrites - writesBefore.clientWrites,
              clientChunks: writesAfter.clientChunks - writesBefore.clientChunks,
            }
          : null;
      return { ...phase.result, generatorCpuMs: phase.cpuMs, serverCpuMs, writes };
    };
    // Warm-up (JIT, connection pools, Redis scripts loaded), not reported.
    await load({ mode: 'closed', seconds: 2, connections: CONNECTIONS });
    const closed = await load({ mode: 'closed', seconds, connections: CONNECTIONS });
    const open = await load({ mode: 'open', seconds, connections: CONNECTIONS, rate: OFFERED });
    if (options.cpuProf) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }

    const accepted = (r: WebhookLoadResult) => r.statuses['202'] ?? 0;
    const closedRate = accepted(closed) / closed.seconds;
    const others = (r: WebhookLoadResult) =>
      Object.entries(r.statuses)
        .filter(([status]) => status !== '202')
        .map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`)
        .join(', ') || 'none';
    const cpuPer = (r: { serverCpuMs: number | null }, n: number) =>
      r.serverCpuMs === null ? 'n/a' : `${int((r.serverCpuMs * 1000) / Math.max(1, n))} µs`;
    const writesPer = (r: { writes: SocketWrites | null }, n: number) => {
      if (!r.writes) return 'n/a (counter not loaded)';
      const per = (count: number) => (count / Math.max(1, n)).toFixed(2);
      return `${per(r.writes.clientWrites)} to Redis, carrying ${per(r.writes.clientChunks)} commands; ${per(r.writes.answerWrites)} HTTP answer writes`;
    };
    const cpuShare = (r: { serverCpuMs: number | null; seconds: number }) =>
      r.serverCpuMs === null ? 'n/a' : `${Math.round(r.serverCpuMs / (r.seconds * 10))} % of a core`;
    return {
      name: 'webhook-intake',
      title: `signed webhooks into one \`worker --role http\` process, load from a second process (${CONNECTIONS} connections), no workers running`,
      figures: [
        [
          `closed loop, ${seconds} s`,
          `**${int(closedRate)} accepted/s** (${int(accepted(closed))} answered 202; other answers: ${others(closed)}); p50 ${fixed(closed.p50Ms)} ms, p99 ${fixed(closed.p99Ms)} ms`,
        ],
        [
          'closed loop: HTTP process CPU',
          `${cpuPer(closed, accepted(closed))} per request (${cpuShare(closed)}); load generator ${int(closed.generatorCpuMs)} ms CPU`,
        ],
        ['closed loop: socket writes per request', writesPer(closed, accepted(closed))],
        [
          `open loop, ${int(OFFERED)}/s offered for ${seconds} s`,
          `${int(accepted(open))} answered 202 (other answers: ${others(open)}); p50 ${fixed(open.p50Ms)} ms, p90 ${fixed(open.p90Ms)} ms, **p99 ${fixed(open.p99Ms)} ms**, max ${fixed(open.maxMs)} ms`,
        ],
        [
          'open loop: HTTP process CPU',
          `${cpuPer(open, accepted(open))} per request (${cpuShare(open)}); generator at most ${fixed(open.maxLagMs)} ms behind its schedule`,
        ],
        ['open loop: socket writes per request', writesPer(open, accepted(open))],
      ],
      goals: [
        goal(
          'signed webhooks accepted per second, one HTTP process',
          '≥ 5,000/s',
          `${int(closedRate)}/s`,
          closedRate >= 5_000,
        ),
        goal(
          `answer p99 at ${int(OFFERED)}/s offered`,
          '≤ 20 ms',
          `${fixed(open.p99Ms)} ms`,
          open.p99Ms <= 20,
        ),
        goal(
          'every request accepted',
          '202 for all',
          `${int(accepted(closed) + accepted(open))} of ${int(closed.sent + open.sent)}`,
          accepted(closed) === closed.sent && accepted(open) === open.sent,
        ),
      ],
      notes: [
        'Answer time = from the generator sending the request to it having read the whole answer (the 202 names the queued job).',
        'The generator, the HTTP process, Redis and the simulator share the machine’s cores; the CPU per request is the HTTP process’s own (/proc), the steadier figure on a shared machine.',
        'Source `hr` takes `generic`-signed webhooks (the webhook section’s defaults otherwise); every request names a person not named before, so none is refused as a replay or folded into a queued job.',
      ],
    };
  } finally {
    await cluster.stopAll();
    await hr.close();
    await sim.stop();
    await removeWorkspace(workspace);
    rmSync(config.dir, { recursive: true, force: true });
  }
}

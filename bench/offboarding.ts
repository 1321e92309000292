/**
 * offboarding: (1) an offboarding runbook for 1 000 leavers (`kratos-sync offboard --file`, two worker
 * processes) — time until every one is verifiably revoked in Kratos (inactive, no session left);
 * (2) one leaver at a time, 200 times: a signed webhook to the `--role http` process → person.sync on a
 * worker → offboarding → sessions revoked, timed from sending the webhook until the simulator's state shows
 * the identity inactive with no session (polled every 2 ms); (3) the same, one leaver at a time, while a load
 * generator in another process (bench/support/webhook-load.ts) sends 1,000 other signed events a second
 * (distinct, unchanged people: each one a person.sync job that fetches the record and reads the identity).
 * Simulator: v26, 5 ms per request.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { signGenericInboundWebhook } from '../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { QUEUE_NAME } from '../src/queue/runtime-keys.ts';
import { startFakeHrApi } from '../test/support/fake-hr-api.ts';
import { freePort } from '../test/support/redis-server.ts';
import { WorkerCluster, writeClusterConfig } from '../test/resilience/support/worker-cluster.ts';
import { personKey, removeWorkspace, sourceSection } from './support/fixture.ts';
import { runPhase } from './support/phase.ts';
import { populated } from './support/populated.ts';
import { goal, int, ms, type BenchOptions, type BenchResult } from './support/report.ts';
import type { WebhookLoadArgs, WebhookLoadResult } from './support/webhook-load.ts';

const LATENCY_MS = 5;
const SECRET = 'bench-webhook-secret';
const REPO = path.resolve(import.meta.dirname, '..');
const LOAD = new URL('./support/webhook-load.ts', import.meta.url).href;
/**
 * Other events per second during part (3): 1,000 (the goal's load), or `BENCH_OTHER_EVENTS`, e.g. a rate the
 * workers cannot keep up with on this machine, so a backlog builds as it does on a loaded one.
 */
const OTHER_EVENTS = Number(process.env.BENCH_OTHER_EVENTS ?? 1_000);
/**
 * Single leavers in part (2): 200 (20 with `--quick`), or `BENCH_SINGLE_LEAVERS`, e.g. 200 with `--quick` to
 * compare two builds' webhook → revoked percentiles round after round without the full runbook and load.
 */
const SINGLE_LEAVERS = process.env.BENCH_SINGLE_LEAVERS
  ? Number(process.env.BENCH_SINGLE_LEAVERS)
  : undefined;

function hrPerson(n: number, status = 'active') {
  return {
    employee_id: personKey(n),
    first_name: `First${n}`,
    last_name: `Last${n}`,
    work_email: `person${n}@example.com`,
    department: 'Engineering',
    status,
    updated_at: status === 'active' ? '2026-01-01T00:00:00Z' : '2026-03-01T00:00:00Z',
  };
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`offboarding bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const runbookSize = options.quick ? 100 : 1_000;
  const events = SINGLE_LEAVERS ?? (options.quick ? 20 : 200);
  const loadedLeavers = options.quick ? 10 : 50;
  const loadSeconds = options.quick ? 10 : 30;
  // Part (3)'s other events name people not named before, so none folds into a job already queued.
  const otherPeople = OTHER_EVENTS * loadSeconds;
  const firstOther = runbookSize + events + loadedLeavers + 1;
  const people = firstOther - 1 + otherPeople;
  const { sim, workspace } = await populated(options.redisUrl, people);
  const hr = await startFakeHrApi({
    keyField: 'employee_id',
    people: Array.from({ length: people }, (_, i) => hrPerson(i + 1)),
  });
  const port = await freePort();
  const config = writeClusterConfig({
    adminUrl: sim.url,
    redisUrl: options.redisUrl,
    prefix: workspace.prefix,
    http: { host: '127.0.0.1', port },
    queue: { concurrency: 16, lockDuration: '30s' },
    kratos: { timeoutMs: 10_000 },
    source: {
      mapping: sourceSection().mapping as object,
      connection: { type: 'http-json', url: hr.collectionUrl, itemUrl: hr.itemUrlTemplate, itemPath: 'data' },
      // The HR sender says what happened: terminations go ahead of the other events' backlog.
      webhook: { secret: SECRET, personKey: 'employee_id', leaverEvent: 'event = "employee.terminated"' },
      // Hundreds of single leavers within minutes: the rolling guard on event removals (20 per window by
      // default) would hold all but the first few for approval. It still runs on every one.
      guard: { maxRemoveFraction: 1, maxRemoveCount: 1_000_000, maxEventRemovals: 1_000_000 },
    },
  });
  const cluster = new WorkerCluster(config);
  try {
    await sim.setFaults({ latencyMs: LATENCY_MS });
    const managed = await sim.managed();
    const idOf = (n: number) => managed[personKey(n)]!.id;
    // Everyone who will leave has two live sessions to lose.
    await sim.login(
      Array.from({ length: runbookSize + events + loadedLeavers }, (_, i) => idOf(i + 1)),
      2,
    );
    cluster.start(1, 'http');
    cluster.start(2, 'worker');
    await until(
      'the HTTP role',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200,
      120_000,
      200,
    );

    // (1) The runbook.
    const leavers = Array.from({ length: runbookSize }, (_, i) => i + 1);
    const file = path.join(config.dir, 'leavers.csv');
    writeFileSync(file, ['employee_id', ...leavers.map(personKey)].join('\n') + '\n');
    const ids = leavers.map(idOf);
    const started = performance.now();
    const cli = spawn(
      process.execPath,
      [path.join(REPO, 'src/app/bin.ts'), '-c', config.file, 'offboard', '--file', file, '--reason', 'bench'],
      {
        cwd: REPO,
        env: { ...process.env, KRATOS_SYNC_CONFIG: '' },
        stdio: 'ignore',
      },
    );
    const cliExit = new Promise<{ code: number | null; ms: number }>((resolve) =>
      cli.once('exit', (code) => resolve({ code, ms: performance.now() - started })),
    );
    await until(
      'every runbook leaver revoked',
      async () => (await sim.revoked(ids)).length === ids.length,
      600_000,
    );
    const allRevokedMs = performance.now() - started;
    const exit = await cliExit;

    // (2) One leaver at a time, through a signed webhook.
    const latencies: number[] = [];
    // Where each event's time went, from the person.sync job's own timestamps (the 202 names the job).
    const parts = { answer: [] as number[], queued: [] as number[], running: [] as number[] };
    const jobIds: string[] = [];
    const jobs = new Queue(QUEUE_NAME, { connection: { url: options.redisUrl }, prefix: workspace.prefix });
    const leave = async (n: number) => {
      hr.people[n - 1] = hrPerson(n, 'terminated');
      const body = JSON.stringify({ event: 'employee.terminated', employee_id: personKey(n) });
      const timestamp = Math.floor(Date.now() / 1000);
      const sent = performance.now();
      const answer = await fetch(`http://127.0.0.1:${port}/webhooks/hr`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': signGenericInboundWebhook(SECRET, timestamp, body),
          'x-timestamp': String(timestamp),
        },
        body,
      });
      if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}: ${await answer.text()}`);
      const answerMs = performance.now() - sent;
      const { jobId } = (await answer.json()) as { jobId: string };
      const id = idOf(n);
      await until(`leaver ${n} revoked`, async () => (await sim.revoked([id])).length === 1, 300_000, 2);
      return { ms: performance.now() - sent, answerMs, jobId };
    };
    for (let e = 0; e < events; e++) {
      const one = await leave(runbookSize + 1 + e);
      parts.answer.push(one.answerMs);
      latencies.push(one.ms);
      jobIds.push(one.jobId);
    }
    // Read the jobs once they have all finished (the state shows revoked before the job's own verify step ends).
    const last = jobIds.at(-1);
    if (last)
      await until(
        'the last person job to finish',
        async () => (await jobs.getJob(last))?.finishedOn !== undefined,
        30_000,
      );
    for (const jobId of jobIds) {
      const job = await jobs.getJob(jobId);
      if (job?.processedOn !== undefined) {
        parts.queued.push(job.processedOn - job.timestamp);
        if (job.finishedOn !== undefined) parts.running.push(job.finishedOn - job.processedOn);
      }
    }

    // (3) One leaver at a time while the other events arrive (measured from 2 s after the load starts
    // until 1 s before it stops, so every measured leaver saw the load).
    const loadRun = runPhase<WebhookLoadResult>(LOAD, 'webhookLoadPhase', {
      url: `http://127.0.0.1:${port}/webhooks/hr`,
      secret: SECRET,
      mode: 'open',
      rate: OTHER_EVENTS,
      seconds: loadSeconds,
      connections: 64,
      firstPerson: firstOther,
      people: otherPeople,
    } satisfies WebhookLoadArgs);
    const loadStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const loaded: number[] = [];
    for (let e = 0; e < loadedLeavers; e++) {
      if (performance.now() - loadStarted > (loadSeconds - 1) * 1000) break;
      const one = await leave(runbookSize + events + 1 + e);
      // Counted only if it ended while the load still ran.
      if (performance.now() - loadStarted <= loadSeconds * 1000) loaded.push(one.ms);
    }
    const backlogAtEnd = await jobs.getJobCountByTypes('wait', 'prioritized', 'active');
    const load = (await loadRun).result;
    const drainStarted = performance.now();
    await until(
      'the other events to be synced',
      async () => (await jobs.getJobCountByTypes('wait', 'prioritized', 'active')) === 0,
      600_000,
      200,
    );
    const drainMs = performance.now() - drainStarted;
    await jobs.close();
    loaded.sort((a, b) => a - b);
    const loadedP99 = loaded.length === 0 ? Number.POSITIVE_INFINITY : percentile(loaded, 0.99);
    latencies.sort((a, b) => a - b);
    const spread = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length === 0
        ? 'n/a'
        : `p50 ${ms(percentile(sorted, 0.5))}, p99 ${ms(percentile(sorted, 0.99))}`;
    };
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    return {
      name: 'offboarding',
      title: `leavers revoked (v26 simulator, ${LATENCY_MS} ms per request, 2 worker processes + 1 HTTP process)`,
      figures: [
        [
          `runbook of ${int(runbookSize)} leavers`,
          `${ms(allRevokedMs)} until all verified revoked (${int(runbookSize / (allRevokedMs / 1000))} people/s); CLI exited ${exit.code} after ${ms(exit.ms)}`,
        ],
        [
          `webhook → revoked, ${events} single leavers`,
          `p50 ${ms(p50)}, p90 ${ms(percentile(latencies, 0.9))}, p99 ${ms(p99)}, max ${ms(latencies.at(-1)!)}`,
        ],
        [
          'of which',
          `webhook answered (202): ${spread(parts.answer)}; job waiting in the queue: ${spread(parts.queued)}; person.sync running: ${spread(parts.running)}`,
        ],
        [
          `webhook → revoked while ${int(OTHER_EVENTS)} other events/s arrive, ${loaded.length} single leavers`,
          loaded.length === 0
            ? 'none finished while the load ran'
            : `p50 ${ms(percentile(loaded, 0.5))}, p90 ${ms(percentile(loaded, 0.9))}, p99 ${ms(loadedP99)}, max ${ms(loaded.at(-1)!)}`,
        ],
        [
          'the other events',
          `${int(load.statuses['202'] ?? 0)} of ${int(load.sent)} answered 202 in ${load.seconds.toFixed(1)} s (answer p50 ${ms(load.p50Ms)}, p99 ${ms(load.p99Ms)}); person jobs queued or running when the load ended: ${int(backlogAtEnd)}, all synced ${ms(drainMs)} later`,
        ],
      ],
      goals: [
        goal('every runbook leaver revoked', `${int(runbookSize)}`, `${int(runbookSize)}`, true),
        goal('webhook → revoked p99, single leaver', '≤ 150 ms', ms(p99), p99 <= 150),
        goal(
          `webhook → revoked p99 while ${int(OTHER_EVENTS)} other events/s arrive`,
          '≤ 1 s',
          loaded.length === 0 ? 'none measured' : ms(loadedP99),
          loadedP99 <= 1_000,
        ),
      ],
      notes: [
        'Revoked = the simulator holds the identity inactive with no session; each leaver had 2 sessions.',
        'The runbook path: `kratos-sync offboard --file` enqueues one offboard.person job per leaver for the workers; the webhook path: person.sync fetches the record (status terminated) from a fake HR API and offboards.',
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

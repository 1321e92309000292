/**
 * offboarding: (1) an offboarding runbook for 1 000 leavers (`kratos-sync offboard --file`, two worker
 * processes) — time until every one is verifiably revoked in Kratos (inactive, no session left);
 * (2) one leaver at a time, 200 times: a signed webhook to the `--role http` process → person.sync on a
 * worker → offboarding → sessions revoked, timed from sending the webhook until the simulator's state shows
 * the identity inactive with no session (polled every 2 ms). Simulator: v26, 5 ms per request.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { signGenericInboundWebhook } from '../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { QUEUE_NAME } from '../src/queue/runtime-keys.ts';
import { startFakeHrApi } from '../test/support/fake-hr-api.ts';
import { freePort } from '../test/support/redis-server.ts';
import { WorkerCluster, writeClusterConfig } from '../test/resilience/support/worker-cluster.ts';
import { personKey, removeWorkspace, sourceSection } from './support/fixture.ts';
import { populated } from './support/populated.ts';
import { goal, int, ms, type BenchOptions, type BenchResult } from './support/report.ts';

const LATENCY_MS = 5;
const SECRET = 'bench-webhook-secret';
const REPO = path.resolve(import.meta.dirname, '..');

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
  const events = options.quick ? 20 : 200;
  const people = runbookSize + events + 100;
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
      webhook: { secret: SECRET, personKey: 'employee_id' },
    },
  });
  const cluster = new WorkerCluster(config);
  try {
    await sim.setFaults({ latencyMs: LATENCY_MS });
    const managed = await sim.managed();
    const idOf = (n: number) => managed[personKey(n)]!.id;
    // Everyone who will leave has two live sessions to lose.
    await sim.login(
      Array.from({ length: runbookSize + events }, (_, i) => idOf(i + 1)),
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
    for (let e = 0; e < events; e++) {
      const n = runbookSize + 1 + e;
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
      parts.answer.push(performance.now() - sent);
      const { jobId } = (await answer.json()) as { jobId: string };
      const id = idOf(n);
      await until(`leaver ${n} revoked`, async () => (await sim.revoked([id])).length === 1, 60_000, 2);
      latencies.push(performance.now() - sent);
      jobIds.push(jobId);
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
    await jobs.close();
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
      ],
      goals: [
        goal('every runbook leaver revoked', `${int(runbookSize)}`, `${int(runbookSize)}`, true),
        goal('webhook → revoked p99', '≤ 250 ms', ms(p99), p99 <= 250),
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
  }
}

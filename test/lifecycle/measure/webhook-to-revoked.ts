/**
 * Figure: webhook-to-revoked latency for single leavers. A worker process (roles worker + http) syncs an HR
 * CSV into the simulator (5 ms latency); then every person is marked terminated in the CSV and, one at a
 * time, gets a live session and a signed `POST /webhooks/hr`; the clock stops at the first whoami 401.
 * Prints p50/p99 as one JSON line.   node test/lifecycle/measure/webhook-to-revoked.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../../../src/config/schema.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { startWorkerProcess } from '../../../src/app/worker-process.ts';
import { enqueueFullSync } from '../../../jobs/enqueue.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startKratosSim } from '../../kratos-sim/index.ts';
import { startRedisServer } from '../../support/redis-server.ts';
import { hrWebhookSource, postLeaverWebhook } from '../support/hr-webhook-source.ts';

const PEOPLE = Number(process.env.PEOPLE ?? 100);
const SECRET = 'measure-webhook-secret';
const redisServer = await startRedisServer();
const sim = await startKratosSim({ api: 'v26', defaultSchemaId: 'employee' });
const dir = mkdtempSync(path.join(tmpdir(), 'measure-webhook-'));
const csv = (status: string) =>
  [
    'employee_id,email,first,last,status',
    ...Array.from({ length: PEOPLE }, (_, i) => `W${i},w${i}@example.com,W,${i},${status}`),
  ].join('\n');
writeFileSync(path.join(dir, 'hr.csv'), csv('active'));
const prefix = '{measure}';
const config = configSchema.parse({
  kratos: { adminUrl: sim.adminUrl, publicUrl: sim.publicUrl },
  redis: { url: redisServer.url, prefix },
  sources: {
    hr: hrWebhookSource(SECRET),
  },
  http: { host: '127.0.0.1', port: 0 },
  queue: { concurrency: 8 },
});
const worker = await startWorkerProcess({
  config,
  baseDir: dir,
  roles: new Set(['worker', 'http']),
  logger: silentLogger(),
});
const queueConnection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
const queue = new Queue('jobs', { connection: queueConnection, prefix });
try {
  await enqueueFullSync(queue, { source: 'hr', trigger: 'cli', now: new Date() });
  const deadline = Date.now() + 120_000;
  while (sim.state.identities.size < PEOPLE) {
    if (Date.now() > deadline) throw new Error(`full sync created ${sim.state.identities.size}/${PEOPLE}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  writeFileSync(path.join(dir, 'hr.csv'), csv('terminated'));
  sim.setFaults({ latencyMs: 5 });
  const address = worker.http!.server.address() as { port: number };
  const byKey = new Map([...sim.state.identities.values()].map((i) => [String(i.external_id), i.id]));
  const samples: number[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const { sessionToken } = sim.login(byKey.get(`W${i}`)!);
    const started = performance.now();
    const response = await postLeaverWebhook(address.port, SECRET, `W${i}`);
    if (response.status !== 202)
      throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    for (;;) {
      const whoami = await fetch(`${sim.publicUrl}/sessions/whoami`, {
        headers: { 'x-session-token': sessionToken },
      });
      await whoami.body?.cancel();
      if (whoami.status === 401) break;
      if (performance.now() - started > 30_000) throw new Error(`W${i} still signed in after 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!);
  console.log(
    JSON.stringify({
      leavers: PEOPLE,
      latencyMs: 5,
      p50Ms: pct(50),
      p99Ms: pct(99),
      maxMs: Math.round(samples.at(-1)!),
    }),
  );
} finally {
  await queue.close();
  queueConnection.disconnect();
  await worker.close();
  await sim.stop();
  await redisServer.stop();
}

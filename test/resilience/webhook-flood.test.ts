import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { startFakeHrApi, type FakeHrApi } from '../support/fake-hr-api.ts';
import { freePort } from '../support/redis-server.ts';
import { identitiesByKey } from './support/converge.ts';
import {
  ClusterControl,
  waitFor,
  WorkerCluster,
  writeClusterConfig,
  type ClusterConfig,
} from './support/worker-cluster.ts';

/**
 * 1 000 signed webhooks a second for 10 s at a `kratos-sync worker --role http` process (loopback only; the
 * loop is bounded in count and time), one in ten forged or stale. Every forged or stale one is refused with
 * 401; every valid one is accepted once and its person synced once by two worker processes. The p99 time to
 * answer is reported.
 */
const RATE = 1_000;
const SECONDS = 10;
const SECRET = 'flood-test-webhook-secret';

type Kind = 'valid' | 'forged' | 'stale';

describe('a webhook flood', () => {
  let sim: KratosSim;
  let hr: FakeHrApi;
  let redis: Redis;
  let config: ClusterConfig;
  let cluster: WorkerCluster;
  let control: ClusterControl;
  let baseUrl: string;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    const total = RATE * SECONDS;
    hr = await startFakeHrApi({
      keyField: 'employee_id',
      people: Array.from({ length: total }, (_, i) => ({
        employee_id: `W${i}`,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        work_email: `flood${i}@example.com`,
        department: 'Ops',
        status: 'active',
        updated_at: '2026-01-01T00:00:00Z',
      })),
    });
    redis = new Redis(inject('redisUrl'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    config = writeClusterConfig({
      adminUrl: sim.url,
      redisUrl: inject('redisUrl'),
      prefix: `{ks-flood-${randomBytes(4).toString('hex')}}`,
      http: { host: '127.0.0.1', port },
      queue: { concurrency: 16 },
      source: {
        connection: {
          type: 'http-json',
          url: hr.collectionUrl,
          itemUrl: hr.itemUrlTemplate,
          itemPath: 'data',
        },
        webhook: { secret: SECRET, personKey: 'employee_id', toleranceSeconds: 300 },
      },
    });
    cluster = new WorkerCluster(config);
    control = new ClusterControl(redis, config.prefix);
    cluster.start(1, 'http');
    cluster.start(2, 'worker');
    await waitFor(
      'the HTTP role to listen',
      async () => (await fetch(`${baseUrl}/healthz`).catch(() => null))?.status === 200,
      60_000,
    );
  });
  afterAll(async () => {
    await cluster?.stopAll();
    await control?.close();
    const keys = await redis.keys(`${config.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis?.disconnect();
    await hr?.close();
    await sim?.stop();
    if (process.env.KEEP_LOGS) console.log(`worker logs kept in ${config.dir}`);
    else rmSync(config.dir, { recursive: true, force: true });
  });

  it('refuses every forged or stale request and syncs every valid one once', async () => {
    const agent = new Agent({ connections: 64, pipelining: 1 });
    const answers: Array<{ kind: Kind; key: string; status: number; ms: number }> = [];
    const inFlight: Promise<void>[] = [];
    const send = (i: number) => {
      const kind: Kind = i % 20 === 7 ? 'forged' : i % 20 === 13 ? 'stale' : 'valid';
      const key = `W${i}`;
      const body = JSON.stringify({ event: 'employee.updated', employee_id: key });
      const now = Math.floor(Date.now() / 1000);
      const timestamp = kind === 'stale' ? now - 3_600 : now;
      const signature = signGenericInboundWebhook(
        kind === 'forged' ? 'not-the-secret' : SECRET,
        timestamp,
        body,
      );
      const started = performance.now();
      return request(`${baseUrl}/webhooks/hr`, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'x-signature': signature,
          'x-timestamp': String(timestamp),
        },
        body,
      })
        .then(async (res) => {
          await res.body.dump();
          answers.push({ kind, key, status: res.statusCode, ms: performance.now() - started });
        })
        .catch(() => {
          answers.push({ kind, key, status: 0, ms: performance.now() - started });
        });
    };

    // Bounded: exactly RATE * SECONDS requests, paced in 10 ms ticks, then the loop ends by itself.
    const total = RATE * SECONDS;
    const perTick = RATE / 100;
    const began = performance.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * RATE) + perTick);
      while (sent < due) inFlight.push(send(sent++));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const sendSeconds = (performance.now() - began) / 1000;
    await Promise.all(inFlight);
    await agent.close();

    const byKind = (kind: Kind) => answers.filter((a) => a.kind === kind);
    expect(answers).toHaveLength(total);
    expect(byKind('forged').every((a) => a.status === 401)).toBe(true);
    expect(byKind('stale').every((a) => a.status === 401)).toBe(true);
    const valid = byKind('valid');
    expect(
      valid
        .filter((a) => a.status !== 202)
        .map((a) => `${a.key}:${a.status}`)
        .slice(0, 10),
    ).toEqual([]);

    const times = answers.map((a) => a.ms).sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(
      `webhook flood: ${total} requests in ${sendSeconds.toFixed(1)} s (${Math.round(total / sendSeconds)}/s); ` +
        `answer time p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${p(1).toFixed(1)} ms; ` +
        `${byKind('forged').length + byKind('stale').length} refused`,
    );

    // Every valid event becomes exactly one synced person; forged and stale ones change nothing.
    await waitFor('every person job', async () => (await control.pending()) === 0, 300_000);
    expect(await control.failedJobs()).toEqual([]);
    const byKey = identitiesByKey(sim);
    expect([...byKey].filter(([, copies]) => copies.length > 1)).toEqual([]);
    expect([...byKey.keys()].sort()).toEqual(valid.map((a) => a.key).sort());
  });
});

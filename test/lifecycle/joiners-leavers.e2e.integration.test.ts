import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { enqueueFullSync } from '../../jobs/enqueue.ts';
import { configSchema } from '../../src/config/schema.ts';
import { startWorkerProcess, type WorkerProcess } from '../../src/app/worker-process.ts';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import { linksIn, startSmtpSink, type SmtpSink } from '../delivery/support/smtp-sink.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { PROFILES } from '../sync/engine-harness.ts';
import { captureLogger, mintSession, whoamiStatus } from './support/harness.ts';
import { hrWebhookSource, postLeaverWebhook } from './support/hr-webhook-source.ts';
import { dumpRedis, findLeaks, simSecrets } from './support/secret-scan.ts';

const SECRET = 'e2e-webhook-secret';
/** The identity this source created for a person key (the marker works on every Kratos version). */
const identityOf = (sim: KratosSim, key: string) =>
  [...sim.state.identities.values()].find(
    (i) => (i.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync?.key === key,
  )!.id;
const row = (key: string, status: string) => `${key},${key.toLowerCase()}@example.com,Alex,${key},${status}`;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('joiners and leavers through the running service', () => {
  let sim: KratosSim;
  let sink: SmtpSink;
  let worker: WorkerProcess | undefined;
  let queue: Queue;
  let redis: Redis;

  afterEach(async () => {
    await queue.close();
    await worker?.close();
    redis.disconnect();
    await sink.stop();
    await sim.stop();
  });

  it.each(PROFILES)(
    'on %s: welcomes each new hire with one working link, and a leaver webhook takes every session away',
    async (api) => {
      sim = await startKratosSim({ api, defaultSchemaId: 'employee' });
      sink = await startSmtpSink();
      redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
      const prefix = `{e2e-${process.pid}-${api}-${Date.now() % 100_000}}`;
      const dir = mkdtempSync(path.join(tmpdir(), 'joiners-leavers-'));
      const csv = (rows: string[]) =>
        writeFileSync(path.join(dir, 'hr.csv'), ['employee_id,email,first,last,status', ...rows].join('\n'));
      csv([row('J1', 'active'), row('J2', 'active'), row('J3', 'active')]);
      const config = configSchema.parse({
        kratos: { adminUrl: sim.adminUrl, publicUrl: sim.publicUrl },
        redis: { url: inject('redisUrl'), prefix },
        sources: {
          hr: hrWebhookSource(SECRET, {
            // Three people: the default 10 % guard would hold even one removal for approval.
            guard: { maxRemoveFraction: 1 },
            onboarding: { enabled: true, channel: 'smtp', name: 'first' },
          }),
        },
        delivery: { smtp: { host: '127.0.0.1', port: sink.port, from: 'IT <it@example.com>' } },
        http: { host: '127.0.0.1', port: 0 },
      });
      const { logger, lines } = captureLogger();
      worker = await startWorkerProcess({ config, baseDir: dir, roles: new Set(['worker', 'http']), logger });
      queue = new Queue('jobs', { connection: redis, prefix });

      await enqueueFullSync(queue, { source: 'hr', trigger: 'cli', now: new Date() });
      await waitFor('three welcome emails', () => sink.messages.length >= 3);
      await enqueueFullSync(queue, { source: 'hr', trigger: 'cli', now: new Date() }); // a second run welcomes nobody
      await waitFor(
        'the second run to finish',
        async () => (await queue.getJobs(['completed'])).filter((j) => j.name === 'sync.full').length >= 2,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([
        'j1@example.com',
        'j2@example.com',
        'j3@example.com',
      ]);

      const tokens: string[] = [];
      for (const mail of sink.messages) {
        expect(mail.decoded).toContain('Hello Alex');
        const used = sim.useRecoveryLink(linksIn(mail)[0]!);
        expect(used.ok).toBe(true);
        if (used.ok) tokens.push(used.sessionToken);
      }
      const leaverId = identityOf(sim, 'J2');
      const leaverTokens = [
        sim.sessionsOf(leaverId).map((s) => s.token)[0]!,
        await mintSession(sim, leaverId),
        await mintSession(sim, leaverId),
      ];
      tokens.push(...leaverTokens.slice(1));
      for (const token of leaverTokens) expect(await whoamiStatus(sim, token)).toBe(200);

      csv([row('J1', 'active'), row('J2', 'terminated'), row('J3', 'active')]);
      const port = (worker.http!.server.address() as { port: number }).port;
      const response = await postLeaverWebhook(port, SECRET, 'J2');
      expect(response.status).toBe(202);
      await waitFor(
        'the leaver to lose access',
        async () => (await whoamiStatus(sim, leaverTokens[0]!)) === 401,
      );
      for (const token of leaverTokens) expect(await whoamiStatus(sim, token)).toBe(401);
      expect(sim.identity(leaverId)!.state).toBe('inactive');
      const stayer = identityOf(sim, 'J1');
      expect(sim.identity(stayer)!.state).toBe('active');
      const receipt = await waitFor('the receipt', () =>
        createReceiptStore({ redis, prefix }).get('hr', 'J2'),
      );
      expect(receipt).toMatchObject({
        identityId: leaverId,
        outcome: 'offboarded',
        sessionsRevoked: 3,
        verified: true,
      });
      expect(sink.messages).toHaveLength(3);

      expect(
        findLeaks(
          [lines.join(''), ...(await dumpRedis(redis, `${prefix}*`))],
          [...tokens, ...simSecrets(sim)],
        ),
      ).toEqual([]);
    },
    120_000,
  );
});

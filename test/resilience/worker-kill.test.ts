import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { csvOf, people, type Person } from '../sync/engine-harness.ts';
import { createDeliveryStore, inviteDeliveryId } from '../../src/store/delivery-store.ts';
import { identitiesByKey } from './support/converge.ts';
import { startSmtpCounter, type SmtpCounter } from './support/smtp-counter.ts';
import {
  ClusterControl,
  seededRandom,
  waitFor,
  WorkerCluster,
  writeClusterConfig,
  type ClusterConfig,
} from './support/worker-cluster.ts';

/**
 * Three `kratos-sync worker` processes share full syncs (plan, apply chunks, onboarding deliveries) while
 * the test SIGKILLs one of them at a random moment of each of ten rounds and starts a replacement. After
 * every round Kratos holds exactly the source — each person once, changes applied, leavers inactive — and
 * every person ever created has received exactly one welcome email (counted at a real SMTP server).
 */
const ROUNDS = 10;
const SEED = Number(process.env.RESILIENCE_SEED ?? Date.now() % 100_000);

describe('worker processes SIGKILLed at random moments', () => {
  let sim: KratosSim;
  let sink: SmtpCounter;
  let redis: Redis;
  let config: ClusterConfig;
  let cluster: WorkerCluster;
  let control: ClusterControl;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 2 });
    sink = await startSmtpCounter();
    redis = new Redis(inject('redisUrl'));
    config = writeClusterConfig({
      adminUrl: sim.url,
      redisUrl: inject('redisUrl'),
      prefix: `{ks-kill-${randomBytes(4).toString('hex')}}`,
      smtpPort: sink.port,
    });
    cluster = new WorkerCluster(config);
    control = new ClusterControl(redis, config.prefix);
  });
  afterAll(async () => {
    await cluster?.stopAll();
    await control?.close();
    const keys = await redis.keys(`${config.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis?.disconnect();
    await sink?.stop();
    await sim?.stop();
    if (process.env.KEEP_LOGS) console.log(`worker logs kept in ${config.dir}`);
    else rmSync(config.dir, { recursive: true, force: true });
  });

  it(`ends each of ${ROUNDS} rounds with exactly the source and one welcome per person (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    let list: Person[] = people(600);
    let nextNumber = 601;
    const everCreated = new Map<string, string>();
    let uncertain = 0;
    cluster.start(3);

    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) {
        const updated = `2026-02-${String(round).padStart(2, '0')}T00:00:00Z`;
        list = list.map((p) => {
          const roll = random();
          // A leaver's record is not written any more (they are only offboarded): leave it alone.
          if (p.status === 'terminated') return p;
          if (roll < 0.01) return { ...p, status: 'terminated', updated };
          if (roll < 0.05) return { ...p, department: `Dept${round}`, updated };
          return p;
        });
        list.push(...people(30, nextNumber));
        nextNumber += 30;
      }
      writeFileSync(config.csvPath, csvOf(list));
      await control.enqueueFullSync();

      // Kill a worker somewhere in the run (plan, chunks or deliveries), start a replacement at once.
      await new Promise((resolve) => setTimeout(resolve, 100 + random() * 2_500));
      await cluster.killOne(random);
      cluster.start(1);

      await settle(control);
      for (const p of list) if (p.status !== 'terminated') everCreated.set(p.email, p.id);
      expectExactly(sim, list, `round ${round}`);
      expect(await control.failedJobs()).toEqual([]);
      // Every welcome reaches its person once, none twice. The one exception is by design: a worker killed in
      // the middle of the SMTP handover leaves its delivery `uncertain` (the message may have gone out), and
      // kratos-sync never risks a second welcome for it — the activation check re-issues it (checked below).
      const deliveries = createDeliveryStore({ redis, prefix: config.prefix, now: () => new Date() });
      const unwelcomed = async () => {
        const received = sink.byRecipient();
        const missing: Array<{ email: string; state: string }> = [];
        for (const [email, key] of everCreated) {
          if (received.has(email)) continue;
          const identityId = identitiesByKey(sim).get(key)?.[0]?.id;
          const record = identityId ? await deliveries.get(inviteDeliveryId(identityId, 1)) : null;
          missing.push({ email, state: record?.state ?? 'no delivery record' });
        }
        return missing;
      };
      await waitFor(
        `every welcome email of round ${round}`,
        async () => {
          const missing = (await unwelcomed()).filter((m) => m.state !== 'uncertain');
          if (missing.length > 0)
            throw new Error(`${missing.length} missing: ${JSON.stringify(missing.slice(0, 5))}`);
          return true;
        },
        60_000,
      );
      uncertain = (await unwelcomed()).length;
      const twice = [...sink.byRecipient()].filter(([, n]) => n > 1);
      expect(twice).toEqual([]);
      expect([...sink.byRecipient().keys()].every((email) => everCreated.has(email))).toBe(true);
    }
    expect(cluster.killed).toBe(ROUNDS);
    // Uncertain handovers are rare: a kill has to land inside one SMTP exchange.
    expect(uncertain).toBeLessThanOrEqual(ROUNDS * 8);

    // A day later. Everyone a welcome reached signs in with its link (each one works). The activation checks,
    // due `onboarding.reissueAfter` (default 24h) after each hand-over, are brought forward instead of
    // waited for; whoever an uncertain hand-over never reached gets one re-issued invite.
    const deliveries = createDeliveryStore({ redis, prefix: config.prefix, now: () => new Date() });
    const reported = await deliveries.listUncertain();
    expect(reported.length).toBeGreaterThanOrEqual(uncertain);
    const byKey = identitiesByKey(sim);
    const newHires = [...everCreated].filter(([, key]) => byKey.get(key)?.[0]?.state === 'active');
    const reachedBefore = sink.linksByRecipient();
    for (const [email] of newHires) {
      const link = reachedBefore.get(email)?.at(-1);
      if (link) expect(sim.useRecoveryLink(link), email).toMatchObject({ ok: true });
    }
    expect(await control.promoteDelayed('onboard.check')).toBeGreaterThan(0);
    await waitFor(
      'the activation checks and re-issues',
      async () => (await control.pending()) === 0,
      120_000,
    );

    const links = sink.linksByRecipient();
    const unreached = newHires.filter(([email]) => !links.get(email)?.length).map(([email]) => email);
    expect(unreached).toEqual([]);
    const reissued = newHires.filter(([email]) => !reachedBefore.has(email));
    expect(reissued.length).toBeLessThanOrEqual(uncertain);
    for (const [email] of reissued) {
      expect(links.get(email)).toHaveLength(1);
      expect(sim.useRecoveryLink(links.get(email)![0]!), email).toMatchObject({ ok: true });
    }
    // Nobody a welcome had reached got a second one, and nothing is left uncertain.
    expect([...sink.byRecipient()].filter(([, n]) => n > 1)).toEqual([]);
    expect(await deliveries.listUncertain()).toEqual([]);
    expect(await control.failedJobs()).toEqual([]);
    console.log(
      `worker-kill: ${everCreated.size} people welcomed, ${uncertain} uncertain handover(s), ${reissued.length} re-issued, seed ${SEED}`,
    );
  });
});

/**
 * Waits until the queue has drained and the newest run has finished; a run that ended with work left
 * (a failed item) is followed by another, as the next schedule tick would.
 */
async function settle(control: ClusterControl): Promise<void> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    await waitFor(
      'the queue to drain and the run to finish',
      async () => (await control.pending()) === 0 && (await control.runs())[0]?.status !== 'running',
      120_000,
    );
    const newest = (await control.runs())[0]!;
    const failed = Object.values(newest.counts).reduce((sum, c) => sum + (c?.failed ?? 0), 0);
    if (newest.status === 'completed' && failed === 0) return;
    await control.enqueueFullSync();
  }
  throw new Error('the runs did not settle after 4 attempts');
}

function expectExactly(sim: KratosSim, list: readonly Person[], when: string): void {
  const byKey = identitiesByKey(sim);
  expect([...byKey].filter(([, copies]) => copies.length > 1).map(([key]) => key)).toEqual([]);
  expect(byKey.has('(unmarked)')).toBe(false);
  expect(sim.state.identities.size).toBe(list.length);
  const wrong = list.flatMap((p) => {
    const found = byKey.get(p.id)?.[0];
    const expected = {
      state: p.status === 'terminated' ? 'inactive' : 'active',
      traits: { email: p.email, name: { first: p.first, last: p.last }, department: p.department },
    };
    const actual = found ? { state: found.state, traits: found.traits } : 'missing';
    return JSON.stringify(actual) === JSON.stringify(expected)
      ? []
      : [`${p.id}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
  });
  expect(wrong, when).toEqual([]);
}

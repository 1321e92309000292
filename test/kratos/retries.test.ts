import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KratosError } from '../../src/kratos/errors.ts';
import { READ_500_RETRIES } from '../../src/kratos/retry-policy.ts';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

const GET_ONE = 'GET /admin/identities/{id}';
const CREATE = 'POST /admin/identities';
const LIST = 'GET /admin/identities';

describe('retries by class against the v26 simulator', () => {
  let sim: KratosSim;
  let client: KratosClient;
  let someone: string;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26', seed: 7 });
    client = await clientFor(sim, { timeoutMs: 300, retry: { retries: 8, minDelayMs: 10, maxDelayMs: 50 } });
    someone = (await client.createIdentity(employee(tag(), 1))).id;
  });
  afterEach(() => sim.setFaults({}));
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('rides out random 502/503/504 answers', async () => {
    for (const errorStatus of [502, 503, 504]) {
      sim.setFaults({ errorRate: 0.5, errorStatus });
      const before = client.callCounts().getIdentity ?? 0;
      const faultsBefore = sim.stats().faults.error;
      for (let i = 0; i < 10; i++) expect((await client.getIdentity(someone)).id).toBe(someone);
      const injected = sim.stats().faults.error - faultsBefore;
      expect(injected).toBeGreaterThan(0);
      expect((client.callCounts().getIdentity ?? 0) - before).toBe(10 + injected);
    }
  });

  it('retries a 500 on a read a few times, then reports it as permanent', async () => {
    sim.setFaults({ errorRate: 1, errorStatus: 500, routes: [GET_ONE] });
    const before = client.callCounts().getIdentity ?? 0;
    await expect(client.getIdentity(someone)).rejects.toMatchObject({
      status: 500,
      retryClass: 'permanent',
      attempts: 1 + READ_500_RETRIES,
    });
    expect(client.callCounts().getIdentity).toBe(before + 1 + READ_500_RETRIES);
  });

  it('does not retry a 500 or a 400 on a write: they are permanent', async () => {
    sim.setFaults({ errorRate: 1, errorStatus: 500, routes: [CREATE] });
    const t = tag();
    const failed = client.callCounts().createIdentity ?? 0;
    await expect(client.createIdentity(employee(t, 2, { external_id: `ext-${t}` }))).rejects.toMatchObject({
      status: 500,
      retryClass: 'permanent',
      attempts: 1,
    });
    expect(client.callCounts().createIdentity).toBe(failed + 1);
    sim.setFaults({});
    const creates = client.callCounts().createIdentity ?? 0;
    await expect(client.createIdentity({ schema_id: 'employee', traits: {} })).rejects.toMatchObject({
      status: 400,
    });
    expect(client.callCounts().createIdentity).toBe(creates + 1);
  });

  it('waits for x-ratelimit-reset after a 429 instead of the (much shorter) backoff', async () => {
    const limitedBefore = sim.stats().faults.rateLimited;
    sim.setFaults({ rateLimitRate: 1, routes: [GET_ONE] });
    const started = performance.now();
    const pending = client.getIdentity(someone);
    await expect
      .poll(() => sim.stats().faults.rateLimited, { interval: 5, timeout: 2_000 })
      .toBeGreaterThan(limitedBefore);
    sim.setFaults({});
    expect((await pending).id).toBe(someone);
    const elapsed = performance.now() - started;
    // The sim sends x-ratelimit-reset: 1; the backoff alone would have retried after 10–20 ms.
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(1_000 + 200 + 500);
  });

  it('honours a longer Retry-After when both headers are sent', async () => {
    const limitedBefore = sim.stats().faults.rateLimited;
    sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 2, routes: [GET_ONE] });
    const started = performance.now();
    const pending = client.getIdentity(someone);
    await expect
      .poll(() => sim.stats().faults.rateLimited, { interval: 5, timeout: 2_000 })
      .toBeGreaterThan(limitedBefore);
    sim.setFaults({});
    await pending;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(2_000 + 250 + 500);
  });

  it('gives up on a 429 that never clears once the retry budget is spent', async () => {
    const limited = await clientFor(sim, {
      apiVersion: 'v26',
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 50 },
    });
    try {
      sim.setFaults({ rateLimitRate: 1, routes: [GET_ONE] });
      const err = await limited.getIdentity(someone).catch((e: unknown) => e);
      expect(err).toMatchObject({
        status: 429,
        code: 'SYNC_ERR_KRATOS_RATE_LIMITED',
        retryClass: 'transient',
        attempts: 2,
      });
      expect((err as KratosError).retryAfterMs).toBe(1_000);
      expect(limited.callCounts().getIdentity).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('times out a hanging request and retries it', async () => {
    const hungBefore = sim.stats().faults.hung;
    sim.setFaults({ hangRate: 1, routes: [GET_ONE] });
    const started = performance.now();
    const before = client.callCounts().getIdentity ?? 0;
    const pending = client.getIdentity(someone);
    await expect
      .poll(() => sim.stats().faults.hung, { interval: 5, timeout: 2_000 })
      .toBeGreaterThan(hungBefore);
    sim.setFaults({});
    expect((await pending).id).toBe(someone);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(client.callCounts().getIdentity).toBe(before + 2);
  });

  it('reports a request that hangs on every attempt as a transient timeout', async () => {
    const quick = await clientFor(sim, {
      apiVersion: 'v26',
      timeoutMs: 100,
      retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      sim.setFaults({ hangRate: 1, routes: [GET_ONE] });
      const err = await quick.getIdentity(someone).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'SYNC_ERR_KRATOS_UNAVAILABLE',
        retryClass: 'transient',
        attempts: 3,
        status: undefined,
      });
      expect((err as Error).message).toBe('Kratos getIdentity: timed out');
    } finally {
      await quick.close();
    }
  });

  it('retries a dropped connection', async () => {
    const droppedBefore = sim.stats().faults.dropped;
    sim.setFaults({ dropRate: 0.5, routes: [GET_ONE] });
    for (let i = 0; i < 10; i++) expect((await client.getIdentity(someone)).id).toBe(someone);
    expect(sim.stats().faults.dropped).toBeGreaterThan(droppedBefore);
  });
});

describe('a random 500 on a read', () => {
  it('does not fail a 200-page list: each page answered 500 is asked again', async () => {
    await using sim = await startKratosSim({ api: 'v26', seed: 11 });
    const client = await clientFor(sim, { retry: { retries: 6, minDelayMs: 5, maxDelayMs: 20 } });
    try {
      const t = tag();
      const bodies = Array.from({ length: 1_000 }, (_, n) => employee(t, n));
      for (const result of await client.batchCreateIdentities(bodies)) expect(result?.ok).toBe(true);
      sim.setFaults({ errorRate: 0.1, errorStatus: 500, routes: [LIST] });
      let pages = 0;
      const seen = new Set<string>();
      for await (const page of client.listIdentities({ pageSize: 5 })) {
        pages++;
        for (const identity of page) seen.add(identity.id);
      }
      expect(pages).toBe(200);
      expect(seen.size).toBe(1_000);
      // The faults were real: some pages were answered 500 and asked again.
      expect(sim.stats().faults.error).toBeGreaterThan(5);
      expect(client.callCounts().listIdentities).toBe(200 + sim.stats().faults.error);
    } finally {
      await client.close();
    }
  });
});

describe('creates are never blindly repeated', () => {
  let sim: KratosSim;
  afterEach(async () => sim?.stop());

  it('a create retried after an answer that may have been applied (504) surfaces the 409 as a conflict', async () => {
    sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(sim, { retry: { retries: 3, minDelayMs: 50, maxDelayMs: 100 } });
    try {
      const t = tag();
      // Stands for "our first attempt was applied": the identity exists when the retry arrives.
      await client.createIdentity(employee(t, 1, { external_id: `ext-${t}` }));
      sim.setFaults({ errorRate: 1, errorStatus: 504, routes: [CREATE] });
      const pending = client.createIdentity(employee(t, 1, { external_id: `ext-${t}` }));
      await expect.poll(() => sim.stats().faults.error, { interval: 2 }).toBe(1);
      sim.setFaults({});
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KratosError);
      expect(err).toMatchObject({ status: 409, retryClass: 'conflict', maybeApplied: true, attempts: 2 });
      expect([...sim.state.identities.values()].filter((i) => i.external_id === `ext-${t}`)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a create without external_id that timed out is not retried (maybeApplied: resolve by lookup)', async () => {
    sim = await startKratosSim({ api: 'v0.10' });
    const client = await clientFor(sim, {
      timeoutMs: 150,
      retry: { retries: 3, minDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      sim.setFaults({ latencyMs: 300 });
      const err = await client.createIdentity(employee(tag(), 1)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SYNC_ERR_KRATOS_UNAVAILABLE', maybeApplied: true, attempts: 1 });
      expect((err as Error).message).toBe('Kratos createIdentity: timed out');
      expect(client.callCounts().createIdentity).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('a create refused with 503 or 429 is retried even without external_id (nothing was applied)', async () => {
    sim = await startKratosSim({ api: 'v0.10', seed: 3 });
    const client = await clientFor(sim, { retry: { retries: 8, minDelayMs: 10, maxDelayMs: 20 } });
    try {
      sim.setFaults({ errorRate: 0.5, errorStatus: 503, routes: [CREATE] });
      const t = tag();
      for (let n = 0; n < 10; n++) await client.createIdentity(employee(t, n));
      expect(sim.stats().faults.error).toBeGreaterThan(0);
      expect(sim.state.identities.size).toBe(10);
    } finally {
      await client.close();
    }
  });

  it('a create answered 502 without external_id is not retried', async () => {
    sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(sim);
    try {
      sim.setFaults({ errorRate: 1, errorStatus: 502, routes: [CREATE] });
      const err = await client.createIdentity(employee(tag(), 1)).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 502, maybeApplied: true, attempts: 1 });
    } finally {
      await client.close();
    }
  });
});

describe('availability events', () => {
  it('emits unavailable after consecutive failures and recovered on the next answer', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(
      sim,
      { retry: { retries: 5, minDelayMs: 10, maxDelayMs: 20 } },
      { unavailableAfter: 3 },
    );
    try {
      const someone = (await client.createIdentity(employee(tag(), 1))).id;
      expect(client.available).toBe(true);
      sim.setFaults({ unavailable: true });
      const down = once(client.events, 'unavailable');
      const pending = client.getIdentity(someone);
      const [error] = await down;
      expect(error).toMatchObject({ code: 'SYNC_ERR_KRATOS_UNAVAILABLE', status: 503 });
      expect(client.available).toBe(false);
      const up = once(client.events, 'recovered');
      sim.setFaults({});
      expect((await pending).id).toBe(someone);
      await up;
      expect(client.available).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('ready() feeds the monitor: a paused runtime polling it gets `recovered`', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(sim, {}, { unavailableAfter: 2 });
    try {
      sim.setFaults({ unavailable: true });
      const down = once(client.events, 'unavailable');
      expect(await client.ready()).toBe(false);
      expect(client.available).toBe(true);
      expect(await client.ready()).toBe(false);
      await down;
      expect(client.available).toBe(false);
      sim.setFaults({});
      const up = once(client.events, 'recovered');
      expect(await client.ready()).toBe(true);
      await up;
      expect(client.available).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('a listener that throws does not fail the request', async () => {
    await using sim = await startKratosSim({ api: 'v26' });
    const client = await clientFor(
      sim,
      { retry: { retries: 3, minDelayMs: 10, maxDelayMs: 20 } },
      { unavailableAfter: 1 },
    );
    try {
      client.events.on('unavailable', () => {
        throw new Error('listener bug');
      });
      sim.setFaults({ errorRate: 1, errorStatus: 503 });
      const pending = client.listIdentitySchemas();
      await expect.poll(() => client.available, { interval: 5 }).toBe(false);
      sim.setFaults({});
      expect((await pending).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { KratosError } from '../../src/kratos/errors.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

const CREATE = 'POST /admin/identities';

describe('Ory Network in-flight rule (one POST/PATCH /admin/identities at a time)', () => {
  let sim: KratosSim;
  afterEach(async () => sim?.stop());

  it('oryNetwork=true: 40 concurrent creates, no 429, never two in flight', async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 3, initialFaults: { inflightLimit: true } });
    // retries: 0, so a single 429 would fail a create.
    const client = await clientFor(sim, { oryNetwork: true, concurrency: 16, retry: { retries: 0 } });
    try {
      const t = tag();
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, n) => client.createIdentity(employee(t, n))),
      );
      expect(new Set(created.map((i) => i.id)).size).toBe(40);
      const stats = sim.stats();
      expect(stats.faults.inflightRejected).toBe(0);
      expect(stats.peakInflight[CREATE]).toBe(1);
      expect(stats.requests[CREATE]).toEqual({ 201: 40 });
    } finally {
      await client.close();
    }
  });

  it('oryNetwork=true: creates and batches share the one slot; updates to different identities run in parallel', async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 3, initialFaults: { inflightLimit: true } });
    const client = await clientFor(sim, { oryNetwork: true, concurrency: 8, retry: { retries: 0 } });
    try {
      const t = tag();
      const [batch, ...singles] = await Promise.all([
        client.batchCreateIdentities(Array.from({ length: 20 }, (_, n) => employee(t, 100 + n))),
        ...Array.from({ length: 10 }, (_, n) => client.createIdentity(employee(t, n))),
      ]);
      expect(batch.every((r) => r?.ok)).toBe(true);
      expect(singles).toHaveLength(10);
      const ids = (singles as Array<{ id: string }>).map((i) => i.id);
      await Promise.all(
        ids.flatMap((id, n) => [
          client.updateIdentity(id, {
            ...employee(t, n),
            state: 'inactive',
            metadata_public: null,
            metadata_admin: null,
            external_id: null,
          }),
          client.patchIdentity(id, [{ op: 'replace', path: '/state', value: 'active' }]),
        ]),
      );
      const stats = sim.stats();
      expect(stats.faults.inflightRejected).toBe(0);
      expect(stats.peakInflight['PUT /admin/identities/{id}']).toBeGreaterThan(1);
    } finally {
      await client.close();
    }
  });

  it('without oryNetwork the same burst does get 429s (the rule is real)', async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 3, initialFaults: { inflightLimit: true } });
    const client = await clientFor(sim, { oryNetwork: false, concurrency: 16, retry: { retries: 0 } });
    try {
      const t = tag();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, n) => client.createIdentity(employee(t, n))),
      );
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.every((o) => (o.reason as KratosError).status === 429)).toBe(true);
      expect(sim.stats().faults.inflightRejected).toBe(rejected.length);
    } finally {
      await client.close();
    }
  });

  it('keeps writes within config.concurrency outside Ory Network mode too', async () => {
    sim = await startKratosSim({ api: 'v26', latencyMs: 10 });
    const client = await clientFor(sim, { concurrency: 3 });
    try {
      const t = tag();
      await Promise.all(Array.from({ length: 24 }, (_, n) => client.createIdentity(employee(t, n))));
      expect(sim.stats().peakInflight[CREATE]).toBe(3);
    } finally {
      await client.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KratosClient } from '../../src/kratos/types.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { clientFor, employee, tag } from './support.ts';

const TOTAL = 1_100;

describe('listing keyset pages reads one page ahead (v26 simulator)', () => {
  let sim: KratosSim;
  let client: KratosClient;

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    client = await clientFor(sim);
    const t = tag();
    const bodies = Array.from({ length: TOTAL }, (_, n) => employee(t, n));
    for (let at = 0; at < bodies.length; at += 1000)
      await client.batchCreateIdentities(bodies.slice(at, at + 1000));
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it('asks for page k+1 while page k is worked on, and makes no more calls than there are pages', async () => {
    const before = client.callCounts().listIdentities ?? 0;
    const callsSeenWithPage: number[] = [];
    let listed = 0;
    for await (const page of client.listIdentities({ pageSize: 250 })) {
      callsSeenWithPage.push((client.callCounts().listIdentities ?? 0) - before);
      listed += page.length;
    }
    expect(listed).toBe(TOTAL);
    // 5 pages (250 × 4 + 100): with page 1 in hand, page 2 has been asked for already; the last page has
    // no next link, so nothing is asked for after it.
    expect(callsSeenWithPage).toEqual([2, 3, 4, 5, 5]);
    expect((client.callCounts().listIdentities ?? 0) - before).toBe(5);
  });

  it('a caller that stops after the first page leaves one page read ahead and nothing failing behind', async () => {
    const before = client.callCounts().listIdentities ?? 0;
    for await (const page of client.listIdentities({ pageSize: 250 })) {
      expect(page).toHaveLength(250);
      break;
    }
    // The read-ahead request settles (vitest fails the file on an unhandled rejection).
    // vitest's default 1 s is short for a loaded machine.
    await expect.poll(() => (client.callCounts().listIdentities ?? 0) - before, { timeout: 10_000 }).toBe(2);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KratosSim, startKratosSim } from './index.ts';
import { employeeTraits, send, sendCounts } from './testing/http.ts';

// PATCH /admin/identities (v26 batch create: `identity/handler.go` `batchPatchIdentities`).
const entry = (n: number, extra: object = {}) => ({
  create: { schema_id: 'employee', traits: employeeTraits(n, 'batch'), ...extra },
});
const withPassword = (n: number) =>
  entry(n, { credentials: { password: { config: { password: `pw-${n}-long-enough` } } } });
const withHash = (n: number) =>
  entry(n, { credentials: { password: { config: { hashed_password: '$2a$10$abcdefghijklmnopqrstuu' } } } });

describe('v26 batch create', () => {
  let sim: KratosSim;
  const batch = (identities: unknown[]) =>
    send(sim, '/admin/identities', { method: 'PATCH', json: { identities } });

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
  });
  beforeEach(() => sim.reset());
  afterAll(async () => {
    await sim.stop();
  });

  it('answers 200 with index-aligned results: created ids, per-entry errors, nulls for empty entries', async () => {
    const patchIds = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const res = await batch([
      { ...entry(1), patch_id: patchIds[0] },
      { create: null },
      { ...entry(1), patch_id: patchIds[1] }, // same email as entry 0: first wins
      { create: { schema_id: 'employee', traits: { email: 'bad' } }, patch_id: patchIds[2] },
      {},
      entry(2, { external_id: 'E-2' }),
      entry(3, { external_id: 'E-2' }),
    ]);
    expect(res.status).toBe(200);
    const [a, nil, dup, invalid, empty, e2, e3] = res.body.identities;
    expect(a).toEqual({ action: 'create', identity: expect.any(String), patch_id: patchIds[0] });
    expect(nil).toBeNull();
    expect(empty).toBeNull();
    expect(dup).toEqual({
      action: 'error',
      patch_id: patchIds[1],
      error: {
        code: 409,
        status: 'Conflict',
        message: 'Unable to insert or update resource because a resource with that value exists already',
      },
    });
    expect(invalid.error).toMatchObject({
      code: 400,
      status: 'Bad Request',
      message: 'The request was malformed or contained invalid parameters',
    });
    expect(invalid.error.reason).toContain('I[#/traits');
    expect(e2.action).toBe('create');
    expect(e3).toMatchObject({ action: 'error', error: { code: 409 } });
    expect(e3).not.toHaveProperty('patch_id');
    expect(sim.state.identities.size).toBe(2);
    expect(sim.identity(a.identity)?.traits).toEqual(employeeTraits(1, 'batch'));
  });

  it('still answers 200 when every entry fails', async () => {
    await batch([entry(1)]);
    const res = await batch([entry(1), entry(1)]);
    expect(res.status).toBe(200);
    expect(res.body.identities.map((r: { action: string }) => r.action)).toEqual(['error', 'error']);
  });

  it('takes exactly 1000 entries and refuses 1001 without creating anything', async () => {
    const thousand = Array.from({ length: 1000 }, (_, n) => entry(n));
    expect((await batch(thousand)).body.identities).toHaveLength(1000);
    expect(sim.state.identities.size).toBe(1000);
    sim.reset();
    const res = await batch(Array.from({ length: 1001 }, (_, n) => entry(n)));
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toBe(
      'The maximum number of identities per request that can be created or deleted at once is 1000.',
    );
    expect(sim.state.identities.size).toBe(0);
  });

  it('allows 200 plaintext passwords (hashes do not count) and refuses 201', async () => {
    const ok = await batch([
      ...Array.from({ length: 200 }, (_, n) => withPassword(n)),
      ...Array.from({ length: 50 }, (_, n) => withHash(1000 + n)),
    ]);
    expect(ok.status).toBe(200);
    expect(sim.state.identities.size).toBe(250);
    sim.reset();
    const res = await batch(Array.from({ length: 201 }, (_, n) => withPassword(n)));
    expect(res.body.error.reason).toBe(
      'The maximum number of identities per request that can be created with a plaintext password is 200.',
    );
    expect(sim.state.identities.size).toBe(0);
  });

  it('fails the whole request for a bad state or hash in any entry', async () => {
    for (const bad of [
      entry(9, { state: 'archived' }),
      entry(9, { credentials: { password: { config: { hashed_password: 'x' } } } }),
    ]) {
      const res = await batch([entry(1), bad]);
      expect(res.status).toBe(400);
      expect(sim.state.identities.size).toBe(0);
    }
  });

  it('decode errors are HTTP 400 with body code 500; a bare array and a bad patch_id are decode errors', async () => {
    for (const body of [
      [entry(1)],
      { identities: [{ ...entry(1), patch_id: 'p-1' }] },
      { identities: [{ create: { id: 'x' } }] },
    ]) {
      const res = await send(sim, '/admin/identities', { method: 'PATCH', json: body });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 500, status: 'Internal Server Error' });
    }
    const bare = await send(sim, '/admin/identities', { method: 'PATCH', json: [] });
    expect(bare.body.error.message).toBe(
      'json: cannot unmarshal array into Go value of type identity.BatchPatchIdentitiesBody',
    );
  });
});

// Every Kratos answer above went through the OpenAPI check in `send`; make sure that really happened.
afterAll(() => {
  expect(sendCounts.validated).toBeGreaterThan(10);
});

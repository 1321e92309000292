import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createReceiptStore } from '../../src/store/receipt-store.ts';
import { writeConfig, runCliProcess } from './support/cli.ts';
import {
  createManagedIdentity,
  mintSession,
  startHarness,
  whoamiStatus,
  type Harness,
} from './support/harness.ts';
import { dumpRedis, findLeaks, simSecrets } from './support/secret-scan.ts';

describe('kratos-sync offboard (the runbook CLI)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it.each(['v26', 'v0.10'] as const)(
    'offboards people given by id, key and email on %s, reports who could not be and why, exit 3',
    async (api) => {
      h = await startHarness({ api, redisUrl: inject('redisUrl') });
      const byId = await createManagedIdentity(h.kratos, { key: 'R1' });
      const byKey = await createManagedIdentity(h.kratos, { key: 'R2' });
      const byEmail = await createManagedIdentity(h.kratos, { key: 'R3', email: 'leaver.three@example.com' });
      const customer = await createManagedIdentity(h.kratos, { key: 'C9', marker: false });
      // v0.10 has no key lookup in Kratos: the engine's marker index knows the person keys.
      await h.redis.hset(`${h.prefix}:markers:hr:by-key`, 'R2', byKey.id);
      const tokens = [
        await mintSession(h.sim, byId.id),
        await mintSession(h.sim, byKey.id),
        await mintSession(h.sim, byKey.id),
        await mintSession(h.sim, byEmail.id),
      ];
      const customerToken = await mintSession(h.sim, customer.id);
      const config = writeConfig({
        adminUrl: h.sim.adminUrl,
        redisUrl: inject('redisUrl'),
        prefix: h.prefix,
      });
      const jsonOut = path.join(tmpdir(), `receipt-${h.prefix.slice(1, -1)}.json`);

      const result = await runCliProcess([
        '-c',
        config,
        'offboard',
        '--ids',
        `${byId.id},R2,NOPE-404`,
        customer.id,
        '--emails',
        'LEAVER.THREE@example.com',
        '--reason',
        'contract ended',
        '--inline',
        '--json-out',
        jsonOut,
      ]);

      expect(result.code, result.stderr).toBe(3);
      for (const token of tokens) expect(await whoamiStatus(h.sim, token)).toBe(401);
      expect(await whoamiStatus(h.sim, customerToken)).toBe(200);
      expect(h.sim.identity(customer.id)!.state).toBe('active');
      expect(result.stdout).toContain('3 of 5 offboarded, 2 NOT offboarded');
      expect(result.stderr).toMatch(
        /not offboarded: NOPE-404 \(--ids #3\): no identity has id or hr key "NOPE-404"/,
      );
      expect(result.stderr).toMatch(
        new RegExp(`not offboarded: ${customer.id} .*not managed by kratos-sync`),
      );

      const receipt = JSON.parse(readFileSync(jsonOut, 'utf8')) as {
        summary: object;
        people: Array<Record<string, unknown>>;
      };
      expect(receipt.summary).toEqual({ requested: 5, offboarded: 3, notOffboarded: 2 });
      const row = (input: string) => receipt.people.find((p) => p.input === input)!;
      expect(row('R2')).toMatchObject({
        key: 'R2',
        identityId: byKey.id,
        outcome: 'offboarded',
        sessionsRevoked: 2,
        verified: true,
        done: true,
      });
      expect(row(byId.id)).toMatchObject({
        key: 'R1',
        outcome: 'offboarded',
        sessionsRevoked: 1,
        verified: true,
      });
      expect(row('LEAVER.THREE@example.com')).toMatchObject({
        key: 'R3',
        identityId: byEmail.id,
        verified: true,
      });
      expect(row('NOPE-404')).toMatchObject({ outcome: 'unknown', done: false });
      expect(row(customer.id)).toMatchObject({ outcome: 'not-managed', done: false });
      const stored = await createReceiptStore({ redis: h.redis, prefix: h.prefix }).get('hr', 'R2');
      expect(stored).toMatchObject({ reason: 'contract ended', outcome: 'offboarded' });

      const redisDump = await dumpRedis(h.redis, `${h.prefix}*`);
      const leaks = findLeaks(
        [result.stdout, result.stderr, readFileSync(jsonOut, 'utf8'), ...redisDump],
        [...tokens, customerToken, ...simSecrets(h.sim)],
      );
      expect(leaks).toEqual([]);
    },
  );
});

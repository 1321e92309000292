import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCliProcess, writeConfig } from './support/cli.ts';
import { startHarness, whoamiStatus, type Harness } from './support/harness.ts';
import { dumpRedis, findLeaks, simSecrets } from './support/secret-scan.ts';

const PEOPLE = 1_000;

describe('the offboarding runbook at scale', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('offboards 1,000 people under injected 429s and 5xx: all revoked and verified, a wrong id reported', async () => {
    h = await startHarness({ api: 'v26', redisUrl: inject('redisUrl') });
    const bodies = Array.from({ length: PEOPLE }, (_, i) => ({
      schema_id: 'employee',
      traits: { email: `leaver${i}@example.com`, name: { first: 'Lee', last: `Ver ${i}` } },
      metadata_admin: { kratos_sync: { source: 'hr', key: `L${i}` } },
      external_id: `L${i}`,
    }));
    const created = await h.kratos.batchCreateIdentities(bodies);
    const ids = created.map((r) => (r && r.ok ? r.id : ''));
    expect(ids.every(Boolean)).toBe(true);
    const tokens = ids.map((id) => h.sim.login(id).sessionToken);
    // A third by identity id, a third by person key, a third by email; plus one nobody has.
    const lines = ids.map((id, i) =>
      i % 3 === 0 ? `${id},,left` : i % 3 === 1 ? `L${i},,left` : `,leaver${i}@example.com,left`,
    );
    const file = path.join(tmpdir(), `leavers-${h.prefix.slice(1, -1)}.csv`);
    writeFileSync(
      file,
      ['id,email,reason', ...lines.slice(0, 500), 'NO-SUCH-PERSON,,typo', ...lines.slice(500)].join('\n'),
    );
    const jsonOut = `${file}.receipt.json`;
    // Each 429 says the write bucket is spent for a second, and the client rightly holds every write that long
    // (src/kratos/rate-limit-pacer.ts): 2 % of ~8,000 requests already costs minutes of waiting.
    h.sim.setFaults({ rateLimitRate: 0.02, errorRate: 0.05, errorStatus: 503, retryAfterSeconds: 1 });
    const config = writeConfig({ adminUrl: h.sim.adminUrl, redisUrl: inject('redisUrl'), prefix: h.prefix });

    const started = Date.now();
    const result = await runCliProcess(
      ['-c', config, 'offboard', '--file', file, '--inline', '--json-out', jsonOut],
      {
        timeoutMs: 280_000,
      },
    );
    const elapsed = Date.now() - started;
    h.sim.setFaults({});

    expect(result.code, result.stderr.slice(-2000)).toBe(3);
    const { faults, total } = h.sim.stats();
    // The faults really happened (else this test proves nothing about them).
    expect(faults.rateLimited).toBeGreaterThan(50);
    expect(faults.error).toBeGreaterThan(50);
    console.log(
      `runbook of ${PEOPLE} under faults: ${elapsed} ms, ${total} requests, faults ${JSON.stringify(faults)}`,
    );
    const receipt = JSON.parse(readFileSync(jsonOut, 'utf8')) as {
      summary: object;
      people: Array<{
        input: string;
        done: boolean;
        verified: boolean;
        sessionsRevoked: number;
        outcome: string;
        why: string;
      }>;
    };
    expect(receipt.summary).toEqual({ requested: PEOPLE + 1, offboarded: PEOPLE, notOffboarded: 1 });
    const missing = receipt.people.filter((p) => !p.done);
    expect(missing).toMatchObject([{ input: 'NO-SUCH-PERSON', outcome: 'unknown' }]);
    expect(result.stderr).toContain('not offboarded: NO-SUCH-PERSON (');
    for (const person of receipt.people.filter((p) => p.done)) {
      expect(person).toMatchObject({ outcome: 'offboarded', verified: true, sessionsRevoked: 1 });
    }
    for (const id of ids) {
      expect(h.sim.identity(id)!.state).toBe('inactive');
      expect(h.sim.sessionsOf(id)).toHaveLength(0);
    }
    for (const token of tokens.filter((_, i) => i % 50 === 0))
      expect(await whoamiStatus(h.sim, token)).toBe(401);

    const leaks = findLeaks(
      [
        result.stdout,
        result.stderr,
        readFileSync(jsonOut, 'utf8'),
        ...(await dumpRedis(h.redis, `${h.prefix}*`)),
      ],
      [...tokens, ...simSecrets(h.sim)],
    );
    expect(leaks).toEqual([]);
  }, 300_000);
});

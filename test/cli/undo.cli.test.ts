import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { people, person, simIdentitiesByKey } from '../sync/engine-harness.ts';
import { startCliHarness, type CliHarness } from './cli-harness.ts';

// The undo command as an operator runs it (spawned CLI, simulator + real Redis): the plan, then the undo
// run; everything it prints (stdout, and the logs on stderr) is scanned for before-image values.
function writeCount(harness: CliHarness): number {
  let count = 0;
  for (const [route, byStatus] of Object.entries(harness.sim.stats().requests))
    if (/^(POST|PUT|PATCH|DELETE) /.test(route)) count += Object.values(byStatus).reduce((a, b) => a + b, 0);
  return count;
}

describe('kratos-sync undo (spawned)', { timeout: 180_000 }, () => {
  let h: CliHarness;
  let runId = '';
  const outputs: string[] = [];
  const run = async (args: string[]) => {
    const result = await h.run(args);
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    h = await startCliHarness({
      people: people(6),
      source: {
        leaver: { policy: 'delete', graceDays: 0, when: 'status = "terminated"' },
        guard: { maxRemoveFraction: 1, maxRemoveCount: 100 },
      },
      extra: { undo: { key: { fromEnv: 'UNDO_KEY' } }, log: { level: 'info' } },
    });
    h.run = (
      (run0) => (args: string[]) =>
        run0(args, { UNDO_KEY: 'cli-test-undo-key-0123456789abcdefghij' })
    )(h.run);
    expect((await run(['sync'])).code).toBe(EXIT.ok);
    // Person 6 signs in with a password (set by an admin); the run below deletes them.
    const six = simIdentitiesByKey(h.sim).get('E00006')!;
    const full = h.sim.state.identities.get(six.id)!;
    const put = await fetch(`${h.sim.adminUrl}/admin/identities/${six.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: full.schema_id,
        traits: full.traits,
        state: 'active',
        metadata_public: full.metadata_public,
        metadata_admin: full.metadata_admin,
        external_id: full.external_id,
        credentials: { password: { config: { password: 'six-old-Passw0rd' } } },
      }),
    });
    expect(put.status).toBe(200);
    h.writePeople([
      person(1, { last: 'Renamed', department: 'Sales', updated: '2026-02-01T00:00:00Z' }),
      person(2),
      person(3),
      person(4),
      person(5),
      person(6, { status: 'terminated', updated: '2026-02-01T00:00:00Z' }),
    ]);
    const synced = await run(['sync', '--json']);
    const [report] = JSON.parse(synced.stdout) as Array<{
      id: string;
      counts: Record<string, { applied: number }>;
    }>;
    expect(report!.counts.delete!.applied).toBe(1);
    runId = report!.id;
  });
  afterAll(() => h.release());

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = writeCount(h);
    const result = await run(['undo', runId, '--dry-run']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain(`Undo of run ${runId}`);
    expect(result.stdout).toMatch(/recreate\s+│\s+E00006/);
    expect(result.stdout).toMatch(/restore\s+│\s+E00001/);
    expect(result.stdout).toContain('nothing was changed (dry run)');
    expect(simIdentitiesByKey(h.sim).has('E00006')).toBe(false);
    // Only reads were made.
    expect(writeCount(h)).toBe(before);
  });

  it('applies the undo as a run with trigger undo; the recreated person signs in with the old password', async () => {
    const result = await run(['undo', runId, '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const out = JSON.parse(result.stdout) as {
      of: string;
      run: {
        id: string;
        trigger: string;
        undo: { of: string; by: string };
        counts: Record<string, { applied: number }>;
      };
    };
    expect(out.of).toBe(runId);
    expect(out.run.trigger).toBe('undo');
    expect(out.run.undo.of).toBe(runId);
    expect(out.run.undo.by).toMatch(/^cli:/);
    expect(out.run.counts.create!.applied).toBe(1);
    expect(out.run.counts.update!.applied).toBe(1);
    const one = simIdentitiesByKey(h.sim).get('E00001')!;
    expect(one.traits).toMatchObject({ name: { last: 'Last1' }, department: 'Engineering' });
    const login = await fetch(`${h.sim.adminUrl}/_sim/login/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'person6@example.com', password: 'six-old-Passw0rd' }),
    });
    expect(login.status).toBe(201);

    const shown = await run(['runs', out.run.id]);
    expect(shown.stdout).toContain('trigger undo');
    const audit = await run(['audit', '--person', 'E00006', '--json']);
    expect(audit.stdout).toContain('undo-recreate');
  });

  it('nothing the before-images hold was printed or logged', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain('$sha256$');
    expect(all).not.toContain('six-old-Passw0rd');
    expect(all).not.toMatch(/engineering/i);
  });

  it('an unknown run id is a clear error', async () => {
    const result = await run(['undo', '20990101T000000000Z-abcdef']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.stderr).toContain('no run with id "20990101T000000000Z-abcdef"');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { people, person, simIdentitiesByKey } from '../sync/engine-harness.ts';
import { startCliHarness, type CliHarness } from './cli-harness.ts';

describe('kratos-sync sync --person (spawned, simulator + real Redis)', { timeout: 120_000 }, () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness({ people: people(4) });
    expect((await h.run(['sync'])).code).toBe(EXIT.ok);
  });
  afterAll(() => h.release());

  it('syncs only that person: a changed record is updated, the others are left alone', async () => {
    h.writePeople([
      person(1, { last: 'Changed', updated: '2026-02-01T00:00:00Z' }),
      person(2, { last: 'AlsoChanged', updated: '2026-02-01T00:00:00Z' }),
      person(3),
      person(4),
    ]);
    const result = await h.run(['sync', '--person', 'E00001']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain('hr/E00001: UPDATED');
    expect(result.stdout).toContain('traits.name.last');
    const byKey = simIdentitiesByKey(h.sim);
    expect((byKey.get('E00001')!.traits.name as { last: string }).last).toBe('Changed');
    expect((byKey.get('E00002')!.traits.name as { last: string }).last).toBe('Last2');
    const audit = await h.run(['audit', '--person', 'E00001', '--json']);
    expect(audit.stdout).toContain('"update"');
  });

  it('a leaver removal goes through the guard; --json tells the outcome', async () => {
    h.writePeople([
      person(1, { last: 'Changed', updated: '2026-02-01T00:00:00Z' }),
      person(2),
      person(3),
      person(4, { status: 'terminated', updated: '2026-03-01T00:00:00Z' }),
    ]);
    const result = await h.run(['sync', '--person', 'E00004', '--json']);
    const outcome = JSON.parse(result.stdout) as { status: string; runId: string };
    // One single-person removal is within the guard here: applied, and audited.
    expect(outcome.status).toBe('deactivated');
    expect(result.code).toBe(EXIT.ok);
    expect(simIdentitiesByKey(h.sim).get('E00004')!.state).toBe('inactive');
  });

  it('--queue enqueues the person.sync job (one per person) and changes nothing itself', async () => {
    h.writePeople([
      person(1, { last: 'Queued', updated: '2026-04-01T00:00:00Z' }),
      person(2),
      person(3),
      person(4),
    ]);
    const result = await h.run(['sync', '--person', 'E00001', '--queue', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const queued = JSON.parse(result.stdout) as { queued: boolean; jobId: string };
    expect(queued.queued).toBe(true);
    // An ordinary person event waits with a BullMQ priority (leaver events go first), so it sits in the
    // prioritized set rather than the plain wait list.
    const waiting =
      (await h.redis.llen(`${h.prefix}:jobs:wait`)) + (await h.redis.zcard(`${h.prefix}:jobs:prioritized`));
    expect(waiting).toBe(1);
    expect((simIdentitiesByKey(h.sim).get('E00001')!.traits.name as { last: string }).last).toBe('Changed');
  });

  it('--queue puts a person the source says left ahead of ordinary work, as a leaver event', async () => {
    // Person 2 is terminated in the source, person 3 is gone from it, person 1 is an ordinary change.
    h.writePeople([
      person(1, { last: 'Again', updated: '2026-05-01T00:00:00Z' }),
      person(2, { status: 'terminated', updated: '2026-05-01T00:00:00Z' }),
      person(4),
    ]);
    const queue = async (key: string) => {
      const result = await h.run(['sync', '--person', key, '--queue', '--json']);
      expect(result.code, result.stderr).toBe(EXIT.ok);
      return JSON.parse(result.stdout) as { jobId: string; leaver: boolean };
    };
    const terminated = await queue('E00002');
    const gone = await queue('E00003');
    const ordinary = await queue('E00001');
    expect([terminated.leaver, gone.leaver, ordinary.leaver]).toEqual([true, true, false]);
    const waiting = await h.redis.lrange(`${h.prefix}:jobs:wait`, 0, -1);
    const prioritized = await h.redis.zrange(`${h.prefix}:jobs:prioritized`, '0', '-1');
    expect(waiting.sort()).toEqual([terminated.jobId, gone.jobId].sort());
    expect(prioritized).toContain(ordinary.jobId);
    // Queued only: the workers deactivate them, nothing did yet.
    expect(simIdentitiesByKey(h.sim).get('E00002')!.state).toBe('active');
    const text = await h.run(['sync', '--person', 'E00002', '--queue']);
    expect(text.stdout).toContain('ahead of ordinary work: the source says they left');
  });

  it('--queue still queues (as an ordinary event) when Kratos cannot be asked for the mapping now', async () => {
    h.sim.setFaults({ unavailable: true });
    try {
      const result = await h.run(['sync', '--person', 'E00002', '--queue', '--json']);
      expect(result.code, result.stderr).toBe(EXIT.ok);
      expect(JSON.parse(result.stdout)).toMatchObject({ queued: true, leaver: false });
      expect(result.stderr).toContain('queued as ordinary');
    } finally {
      h.sim.setFaults({});
    }
  });

  it('an unknown source or a missing --person is a usage error naming the option', async () => {
    const unknown = await h.run(['sync', '--person', 'E00001', '--source', 'nope']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('--source nope');
    const noPerson = await h.run(['sync', '--queue']);
    expect(noPerson.code).toBe(EXIT.usage);
    expect(noPerson.stderr).toContain('--person');
    const emptyPerson = await h.run(['sync', '--person', ' ']);
    expect(emptyPerson.code).toBe(EXIT.usage);
    expect(emptyPerson.stderr).toContain('--person needs a person key');
    expect(emptyPerson.stderr).not.toContain('--queue');
  });

  it('a removal the guard holds waits for approve: exit 4 and the held run named', async () => {
    const held = await startCliHarness({
      people: people(3),
      source: { guard: { maxRemoveFraction: 1, maxRemoveCount: 0 } },
    });
    try {
      expect((await held.run(['sync'])).code).toBe(EXIT.ok);
      held.writePeople([
        person(1),
        person(2),
        person(3, { status: 'terminated', updated: '2026-03-01T00:00:00Z' }),
      ]);
      const result = await held.run(['sync', '--person', 'E00003']);
      expect(result.code, result.stderr).toBe(EXIT.held);
      expect(result.stdout).toContain('hr/E00003: HELD');
      expect(result.stdout).toMatch(/waits for `kratos-sync approve \S+`/);
      expect(simIdentitiesByKey(held.sim).get('E00003')!.state).toBe('active');
    } finally {
      await held.release();
    }
  });
});

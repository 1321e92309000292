import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/domain/identity.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import { type Harness, people, person, simIdentitiesByKey, startHarness } from './engine-harness.ts';

/**
 * `syncPerson` reads the identity behind the person's marker-index entry while it reads the source record
 * (neither needs the other), then goes on as before: lookups by external id or email wait for the mapped
 * record, a quarantined record answers `quarantined` whatever Kratos said, and a source error is the job's
 * error. The source is the harness's CSV source with a slow `fetchOne`; the identity read is the simulator's
 * over HTTP, recorded through `readIdentity`.
 */
describe.each(['v26', 'v0.10'] as const)('syncPerson reads on Kratos %s', (api) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  /** Records `<name>:start` / `<name>:end`; the source answers after `delayMs`, or fails with `sourceError`. */
  function recordReads(h: Harness, options: { delayMs?: number; sourceError?: Error } = {}) {
    const events: string[] = [];
    const source = h.ctx.sources.get('hr')!.source;
    const fetchOne = source.fetchOne.bind(source);
    source.fetchOne = async (key, signal) => {
      events.push('record:start');
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 50));
      events.push('record:end');
      if (options.sourceError) throw options.sourceError;
      return await fetchOne(key, signal);
    };
    const readIdentity = async (id: string): Promise<Identity> => {
      events.push('identity:start');
      try {
        return await h.ctx.kratos.getIdentity(id);
      } finally {
        events.push('identity:end');
      }
    };
    return { events, readIdentity };
  }

  it('reads the indexed identity while the record is read, and offboards a leaver from it', async () => {
    const list = people(3);
    const h = (harness = await startHarness({ api, people: list }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    const identityId = simIdentitiesByKey(h.sim).get('E00002')!.id;
    h.writePeople(list.map((p) => (p.id === 'E00002' ? { ...p, status: 'terminated' as const } : p)));
    const { events, readIdentity } = recordReads(h);

    const outcome = await syncPerson(h.ctx, 'hr', 'E00002', { readIdentity });

    expect(outcome).toMatchObject({ status: 'deactivated', identityId });
    // The identity read started before the record came back, and ended while it was still on its way.
    expect(events.indexOf('identity:start')).toBeLessThan(events.indexOf('record:end'));
    expect(events.indexOf('identity:end')).toBeLessThan(events.indexOf('record:end'));
    expect(events.filter((e) => e === 'identity:start')).toHaveLength(1);
    expect(h.sim.identity(identityId)!.state).toBe('inactive');
  });

  it('a person with no index entry is looked up after the record (by what it maps to), and created once', async () => {
    const h = (harness = await startHarness({ api, people: people(2) }));
    const { events, readIdentity } = recordReads(h);

    const outcome = await syncPerson(h.ctx, 'hr', 'E00002', { readIdentity });

    expect(outcome.status).toBe('created');
    expect(events).toEqual(['record:start', 'record:end']);
    expect(simIdentitiesByKey(h.sim).get('E00002')?.id).toBe(outcome.identityId);
  });

  it('a quarantined record stays quarantined when the identity read fails, and writes nothing', async () => {
    const list = people(2);
    const h = (harness = await startHarness({ api, people: list }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    h.writePeople([person(1), person(2, { email: 'broken' })]);
    const writes = h.writes();
    const readIdentity = async (): Promise<Identity> => {
      throw Object.assign(new Error('Kratos answered 503'), { status: 503 });
    };

    const outcome = await syncPerson(h.ctx, 'hr', 'E00002', { readIdentity });

    expect(outcome.status).toBe('quarantined');
    expect(outcome.quarantine?.field).toMatch(/email/);
    expect(h.writes()).toEqual(writes);
  });

  it('a source error is what the sync throws, even with the identity read under way', async () => {
    const h = (harness = await startHarness({ api, people: people(2) }));
    await runFullSync(h.ctx, 'hr', { trigger: 'cli' });
    const { readIdentity } = recordReads(h, { sourceError: new Error('HR API answered 502') });

    await expect(syncPerson(h.ctx, 'hr', 'E00002', { readIdentity })).rejects.toThrow('HR API answered 502');
  });
});

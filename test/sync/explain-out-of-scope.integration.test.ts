import { afterEach, describe, expect, it } from 'vitest';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { sourceRuntime } from '../../src/sync/apply-deps.ts';
import { explainPerson } from '../../src/sync/explain-person.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { syncPerson } from '../../src/sync/sync-person.ts';
import { type Harness, people, startHarness } from './engine-harness.ts';

// A record the mapping's scope leaves out counts as absent (a leaver) for every sync; explain must say the
// same, also when the marker index lost the person's entry (then the sync finds them by marker scan).

describe('explain: a record out of the mapping scope', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('shows the removal a sync makes, the identity found by marker when its index entry was lost', async () => {
    const list = people(3);
    harness = await startHarness({ api: 'v26', people: list, kratos: { pageSize: 1 } });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const index = createMarkerIndex(harness.redis, harness.prefix, 'hr');
    const id = (await index.identityIdOf('E00002'))!;
    await index.remove(id);
    // The engine harness's scope is `status != "contractor"`.
    list[1] = { ...list[1]!, status: 'contractor', updated: '2026-11-27T07:00:00Z' };
    harness.writePeople(list);

    const explained = await explainPerson(harness.ctx, sourceRuntime(harness.ctx, 'hr'), 'E00002');

    expect(explained.record.outcome).toBe('out-of-scope');
    expect(explained.identity).toMatchObject({ id, managed: true });
    expect(explained.plan.kind).toBe('deactivate');
    expect(harness.sim.identity(id)?.state).toBe('active');
    // Explain changes nothing in Kratos, but its marker scan writes the lost index entry back (README: explain).
    expect(await index.identityIdOf('E00002')).toBe(id);
    // What the sync then does.
    expect(await syncPerson(harness.ctx, 'hr', 'E00002', { trigger: 'webhook' })).toMatchObject({
      status: 'deactivated',
      identityId: id,
    });
  });
});

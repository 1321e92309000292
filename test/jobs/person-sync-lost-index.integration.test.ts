import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import type { PersonSyncResult } from '../../jobs/person-sync.ts';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { people } from '../sync/engine-harness.ts';
import { startRuntimeHarness, type RuntimeHarness } from './runtime-harness.ts';

/**
 * The queue path of a leaver's webhook (a `person.sync` job, which reads the person's marker-index entry in
 * the script that takes their lock) on v0.10, where Kratos can look nobody up: with the entry lost, the job
 * still finds the identity by its marker and offboards it.
 */
let harness: RuntimeHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe(
  'person.sync for a leaver whose marker index entry was lost (Kratos v0.10)',
  { timeout: 60_000 },
  () => {
    it('deactivates the identity and puts the entry back', async () => {
      const list = people(5);
      const h = (harness = await startRuntimeHarness({ api: 'v0.10', people: list }));
      await h.startReplica(['worker']);
      expect((await h.waitForJob(await h.enqueueFullSync())).state).toBe('completed');
      const index = createMarkerIndex(h.redis, h.prefix, 'hr');
      const id = (await index.identityIdOf('E00004'))!;
      expect(id).toBeTruthy();
      await index.remove(id);
      h.writePeople(list.filter((p) => p.id !== 'E00004'));

      const { job, state } = await h.waitForJob(
        await enqueuePersonSync(h.queue, {
          source: 'hr',
          key: 'E00004',
          receivedAt: new Date().toISOString(),
        }),
      );

      expect(state).toBe('completed');
      expect(job.returnvalue as PersonSyncResult).toMatchObject({ status: 'deactivated' });
      expect(h.sim.identity(id)?.state).toBe('inactive');
      expect(await index.identityIdOf('E00004')).toBe(id);
    });
  },
);

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryStore, inviteDeliveryId } from '../../src/store/delivery-store.ts';
import { createMarkerIndex } from '../../src/store/marker-index.ts';
import { sourceRuntime } from '../../src/sync/apply-deps.ts';
import { explainPerson } from '../../src/sync/explain-person.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { type Harness, people, startHarness } from './engine-harness.ts';

// explain shows a person's invite: the newest attempt, which with `onboarding.maxReissues` can be a third or
// later one (an uncertain re-issue is re-issued again).

describe('explain: the invite', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.release();
    harness = undefined;
  });

  it('is the newest attempt, also past the first re-issue', async () => {
    harness = await startHarness({ api: 'v26', people: people(2) });
    await runFullSync(harness.ctx, 'hr', { trigger: 'cli' });
    const identityId = (await createMarkerIndex(harness.redis, harness.prefix, 'hr').identityIdOf('E00001'))!;
    expect(identityId).toBeTruthy();
    const deliveries = createDeliveryStore({
      redis: harness.redis,
      prefix: harness.prefix,
      now: () => new Date(),
    });
    for (const attempt of [1, 2, 3]) {
      const fields = { inviteId: identityId, attempt, source: 'hr', key: 'E00001', identityId };
      await deliveries.transition(inviteDeliveryId(identityId, attempt), {
        from: ['none'],
        to: 'issuing',
        newToken: randomUUID(),
        fields,
      });
    }

    const explained = await explainPerson(harness.ctx, sourceRuntime(harness.ctx, 'hr'), 'E00001');

    expect(explained.invite).toMatchObject({ state: 'issuing', attempt: 3 });
  });
});

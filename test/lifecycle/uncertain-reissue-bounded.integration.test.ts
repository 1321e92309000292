import { afterEach, describe, expect, inject, it } from 'vitest';
import { sourceSection } from '../../src/config/sections/source.ts';
import { checkActivation } from '../../src/lifecycle/check-activation.ts';
import { deliverInvite } from '../../src/lifecycle/deliver-invite.ts';
import { createManagedIdentity } from './support/harness.ts';
import { leaksIn } from './support/secret-scan.ts';
import { startOnboardingFixture, type OnboardingFixture } from './support/onboarding-fixture.ts';

// An invite whose hand-over is `uncertain` is never resent as it was; the activation check re-issues it when
// the person does not activate. A re-issue can be uncertain too: it is checked and re-issued again, up to
// onboarding.maxReissues re-issues; the last one stays reported for a person to check.

describe('uncertain re-issues', () => {
  let f: OnboardingFixture;
  afterEach(async () => {
    try {
      expect(await leaksIn(f.h)).toEqual([]);
    } finally {
      await f.close();
    }
  });

  async function newHire(key: string) {
    const identity = await createManagedIdentity(f.h.kratos, {
      key,
      email: `${key.toLowerCase()}@example.com`,
    });
    return { source: 'hr', key, identityId: identity.id, inviteId: identity.id };
  }

  /** The uncertain deliveries the reports show, as `<attempt>` numbers. */
  const reportedAttempts = async () => (await f.deps.deliveries.listUncertain()).map((d) => d.attempt);

  it('are checked and re-issued again until onboarding.maxReissues, each reported, the last one left to a person', async () => {
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      onboarding: { reissueAfter: '24h', maxReissues: 2 },
    });
    const invite = await newHire('U1');
    // Every hand-over is cut after the message data: none can be known to have gone out.
    f.sink.dropAfterData(true);

    expect((await deliverInvite(f.deps, { ...invite, attempt: 1 })).outcome).toBe('uncertain');
    expect(await reportedAttempts()).toEqual([1]);
    expect(await f.queue.getJob(`onboard-check.${invite.inviteId}`)).toBeDefined();
    expect(await checkActivation(f.deps, { ...invite, attempt: 1 })).toEqual({ outcome: 'reissued' });
    expect((await f.queue.getJob(`onboard-deliver.${invite.inviteId}.2`))?.data).toMatchObject({
      attempt: 2,
    });

    // The first re-issue is uncertain as well: it is checked in turn, and it is what the reports show now.
    expect((await deliverInvite(f.deps, { ...invite, attempt: 2 })).outcome).toBe('uncertain');
    expect(await reportedAttempts()).toEqual([2]);
    const secondCheck = await f.queue.getJob(`onboard-check.${invite.inviteId}.2`);
    expect(secondCheck?.data).toMatchObject({ inviteId: invite.inviteId, attempt: 2 });
    expect(secondCheck?.opts.delay).toBe(24 * 3_600_000);
    expect(await checkActivation(f.deps, { ...invite, attempt: 2 })).toEqual({ outcome: 'reissued' });
    expect((await f.queue.getJob(`onboard-deliver.${invite.inviteId}.3`))?.data).toMatchObject({
      attempt: 3,
    });

    // The second re-issue, the last of maxReissues 2, is uncertain: no check, it stays reported.
    expect((await deliverInvite(f.deps, { ...invite, attempt: 3 })).outcome).toBe('uncertain');
    expect(await f.queue.getJob(`onboard-check.${invite.inviteId}.3`)).toBeUndefined();
    expect(await reportedAttempts()).toEqual([3]);
    expect(await f.queue.getJob(`onboard-deliver.${invite.inviteId}.4`)).toBeUndefined();
    // Three messages reached the mail server, one per attempt; none was sent twice.
    expect(f.sink.dropped + f.sink.messages.length).toBe(3);
    // A check of the last attempt (one queued before maxReissues was lowered) re-issues nothing and leaves it
    // reported.
    expect(await checkActivation(f.deps, { ...invite, attempt: 3 })).toEqual({ outcome: 'reissues-used' });
    expect(await reportedAttempts()).toEqual([3]);
    expect(await f.queue.getJob(`onboard-deliver.${invite.inviteId}.4`)).toBeUndefined();
  });

  it('a re-issue that went out settles the uncertain attempts before it and is not checked again', async () => {
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      onboarding: { reissueAfter: '24h', maxReissues: 3 },
    });
    const invite = await newHire('U2');
    f.sink.dropAfterData(true);
    await deliverInvite(f.deps, { ...invite, attempt: 1 });
    await checkActivation(f.deps, { ...invite, attempt: 1 });
    await deliverInvite(f.deps, { ...invite, attempt: 2 });
    await checkActivation(f.deps, { ...invite, attempt: 2 });
    expect(await reportedAttempts()).toEqual([2]);

    f.sink.dropAfterData(false);
    expect((await deliverInvite(f.deps, { ...invite, attempt: 3 })).outcome).toBe('sent');
    expect(await reportedAttempts()).toEqual([]);
    expect(await f.queue.getJob(`onboard-check.${invite.inviteId}.3`)).toBeUndefined();
  });

  it('a person who activated settles the uncertain re-issue the check was about', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl'), onboarding: { reissueAfter: '24h' } });
    const invite = await newHire('U3');
    f.sink.dropAfterData(true);
    await deliverInvite(f.deps, { ...invite, attempt: 1 });
    await checkActivation(f.deps, { ...invite, attempt: 1 });
    await deliverInvite(f.deps, { ...invite, attempt: 2 });
    expect(await reportedAttempts()).toEqual([2]);
    f.h.sim.login(invite.identityId);
    expect(await checkActivation(f.deps, { ...invite, attempt: 2 })).toEqual({ outcome: 'activated' });
    expect(await reportedAttempts()).toEqual([]);
    expect(await f.queue.getJob(`onboard-deliver.${invite.inviteId}.3`)).toBeUndefined();
  });
});

describe('onboarding.maxReissues', () => {
  const parse = (onboarding: Record<string, unknown>) =>
    sourceSection.safeParse({
      connection: { type: 'csv', path: 'people.csv' },
      mapping: { key: 'id', traits: '{}' },
      onboarding,
    });

  it('defaults to 3 and takes 1 to 10', () => {
    const parsed = parse({ enabled: true });
    expect(parsed.success && parsed.data.onboarding.maxReissues).toBe(3);
    expect(parse({ maxReissues: 10 }).success).toBe(true);
    for (const bad of [0, 11, 1.5, 'three']) {
      const refused = parse({ maxReissues: bad });
      expect(refused.success).toBe(false);
      expect(refused.error?.issues[0]?.path).toEqual(['onboarding', 'maxReissues']);
    }
  });
});

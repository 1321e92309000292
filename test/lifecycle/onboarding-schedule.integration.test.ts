import { afterEach, describe, expect, inject, it } from 'vitest';
import { checkActivation } from '../../src/lifecycle/check-activation.ts';
import { deliverInvite } from '../../src/lifecycle/deliver-invite.ts';
import { createOnboardingHooks } from '../../src/lifecycle/onboarding-scheduler.ts';
import type { DesiredIdentity } from '../../src/domain/plan.ts';
import { linksIn } from '../delivery/support/smtp-sink.ts';
import { createManagedIdentity } from './support/harness.ts';
import { leaksIn } from './support/secret-scan.ts';
import { startOnboardingFixture, type OnboardingFixture } from './support/onboarding-fixture.ts';

function desired(key: string, email: string): DesiredIdentity {
  return {
    key,
    schemaId: 'employee',
    traits: { email, name: { first: 'Sam', last: 'Starter' } },
    metadataPublic: null,
    metadataAdmin: null,
    state: 'active',
    leaver: false,
    email,
    createOnly: [],
    createOnlyTraits: [],
  };
}

describe('onboarding schedule', () => {
  let f: OnboardingFixture;
  afterEach(async () => {
    try {
      // No link, code or token in any log line or Redis key/value written during the test.
      expect(await leaksIn(f.h)).toEqual([]);
    } finally {
      await f.close();
    }
  });

  it('schedules one immediate delivery per new hire, carrying identifiers only', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl') });
    const identity = await createManagedIdentity(f.h.kratos, { key: 'S1' });
    const hooks = createOnboardingHooks(f.deps);
    const event = {
      source: 'hr',
      key: 'S1',
      identityId: identity.id,
      desired: desired('S1', 's1@example.com'),
    };
    await hooks.identityCreated(event);
    await hooks.identityCreated(event); // a retried apply

    const jobs = await f.queue.getJobs(['waiting', 'delayed']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.name).toBe('onboard.deliver');
    expect(jobs[0]!.id).toBe(`onboard-deliver.${identity.id}.1`);
    expect(jobs[0]!.data).toEqual({
      source: 'hr',
      key: 'S1',
      identityId: identity.id,
      inviteId: identity.id,
      attempt: 1,
    });
    expect(await jobs[0]!.getState()).toBe('waiting');
  });

  it("holds a start-date invite until sendAt on the start date in the person's time zone", async () => {
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      onboarding: { timing: 'start-date', startDate: 'start_date', timeZone: 'tz', sendAt: '08:30' },
    });
    const identity = await createManagedIdentity(f.h.kratos, { key: 'S2' });
    f.records.set('S2', { id: 'S2', start_date: '2026-06-15', tz: 'Europe/Berlin' });
    await createOnboardingHooks(f.deps).identityCreated({
      source: 'hr',
      key: 'S2',
      identityId: identity.id,
      desired: desired('S2', 's2@example.com'),
    });

    const [job] = await f.queue.getJobs(['delayed']);
    expect(job).toBeDefined();
    const sendAt = Date.parse('2026-06-15T06:30:00.000Z'); // 08:30 CEST
    expect(job!.opts.delay).toBe(sendAt - f.clock.now.getTime());
    expect(job!.data).not.toHaveProperty('start_date');

    // Day one arrives: the job is promoted and delivers a link that works from then on.
    f.clock.now = new Date(sendAt);
    await job!.promote();
    expect(await job!.getState()).toBe('waiting');
    expect((await deliverInvite(f.deps, job!.data)).outcome).toBe('sent');
    expect(f.sink.messages[0]!.decoded).toContain('expires on 18 June 2026 at 08:30 (Europe/Berlin)');
    expect(f.h.sim.useRecoveryLink(linksIn(f.sink.messages[0]!)[0]!)).toMatchObject({ ok: true });
  });

  it('re-issues an unused invite once after reissueAfter and tells the manager', async () => {
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      onboarding: { reissueAfter: '48h', managerEmail: 'manager' },
    });
    const identity = await createManagedIdentity(f.h.kratos, { key: 'S3', email: 's3@example.com' });
    f.records.set('S3', { id: 'S3', manager: 'boss@example.com' });
    const invite = { source: 'hr', key: 'S3', identityId: identity.id, inviteId: identity.id };
    expect((await deliverInvite(f.deps, { ...invite, attempt: 1 })).outcome).toBe('sent');

    const check = await f.queue.getJob(`onboard-check.${identity.id}`);
    expect(check?.name).toBe('onboard.check');
    expect(check?.opts.delay).toBe(48 * 3_600_000);

    f.clock.now = new Date(f.clock.now.getTime() + 48 * 3_600_000);
    expect(await checkActivation(f.deps, invite)).toEqual({ outcome: 'reissued' });
    const reissue = await f.queue.getJob(`onboard-deliver.${identity.id}.2`);
    expect(reissue?.data).toEqual({ ...invite, attempt: 2 });

    expect((await deliverInvite(f.deps, reissue!.data)).outcome).toBe('sent');
    expect((await deliverInvite(f.deps, reissue!.data)).outcome).toBe('already-sent');
    expect(await checkActivation(f.deps, invite)).toEqual({ outcome: 'already-reissued' });

    const toHire = f.sink.messages.filter((m) => m.to[0] === 's3@example.com');
    const toManager = f.sink.messages.filter((m) => m.to[0] === 'boss@example.com');
    expect(toHire).toHaveLength(2);
    expect(toManager).toHaveLength(1);
    expect(linksIn(toManager[0]!)).toEqual([]);
    expect(toManager[0]!.decoded).toContain('has not activated their account yet');
    // The second invite's link works; attempt 2 schedules no further check.
    expect(f.h.sim.useRecoveryLink(linksIn(toHire[1]!)[0]!)).toMatchObject({ ok: true });
    expect((await f.queue.getJobs(['delayed', 'waiting'])).map((j) => j.id).sort()).toEqual(
      [`onboard-check.${identity.id}`, `onboard-deliver.${identity.id}.2`].sort(),
    );
  });

  it('does not re-issue an invite that was used', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl'), onboarding: { reissueAfter: '1h' } });
    const identity = await createManagedIdentity(f.h.kratos, { key: 'S4' });
    const invite = { source: 'hr', key: 'S4', identityId: identity.id, inviteId: identity.id };
    await deliverInvite(f.deps, { ...invite, attempt: 1 });
    expect(f.h.sim.useRecoveryLink(linksIn(f.sink.messages[0]!)[0]!)).toMatchObject({ ok: true });
    expect(await checkActivation(f.deps, invite)).toEqual({ outcome: 'activated' });
    expect(await f.queue.getJob(`onboard-deliver.${identity.id}.2`)).toBeUndefined();
  });
});

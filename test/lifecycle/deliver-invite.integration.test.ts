import { afterEach, describe, expect, inject, it } from 'vitest';
import { deliverInvite } from '../../src/lifecycle/deliver-invite.ts';
import { linksIn } from '../delivery/support/smtp-sink.ts';
import { createManagedIdentity } from './support/harness.ts';
import { leaksIn } from './support/secret-scan.ts';
import { startOnboardingFixture, type OnboardingFixture } from './support/onboarding-fixture.ts';

describe('deliverInvite', () => {
  let f: OnboardingFixture;
  afterEach(async () => {
    try {
      // No link, code or token in any log line or Redis key/value written during the test.
      expect(await leaksIn(f.h)).toEqual([]);
    } finally {
      await f.close();
    }
  });

  async function newHire(key = 'N1') {
    const identity = await createManagedIdentity(f.h.kratos, {
      key,
      email: `${key.toLowerCase()}@example.com`,
    });
    return { source: 'hr', key, identityId: identity.id, inviteId: identity.id, attempt: 1 };
  }

  it('sends exactly one email whose link the server accepts for that identity, however often it runs', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl') });
    const invite = await newHire();

    const first = await deliverInvite(f.deps, invite);
    const second = await deliverInvite(f.deps, invite);

    expect(first).toMatchObject({ outcome: 'sent', messageId: `<invite.${invite.inviteId}.1@example.com>` });
    expect(second.outcome).toBe('already-sent');
    expect(f.sink.messages).toHaveLength(1);
    const mail = f.sink.messages[0]!;
    expect(mail.to).toEqual(['n1@example.com']);
    expect(mail.decoded).toContain('Hello Pat Person');
    expect(mail.decoded).toContain('expires on 4 June 2026 at 07:00 (UTC)'); // 72 h, the default lifetime
    const [link] = linksIn(mail);
    expect(f.h.sim.useRecoveryLink(link!)).toMatchObject({ ok: true, identityId: invite.identityId });
    const record = await f.deps.deliveries.get(`${invite.inviteId}.1`);
    expect(record).toMatchObject({
      state: 'sent',
      channel: 'smtp',
      claims: 1,
      sentAt: f.clock.now.toISOString(),
    });
    expect(JSON.stringify(record)).not.toContain('token=');
  });

  it('issues a new link after a crash between issuing and sending, and sends once', async () => {
    let crash = true;
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      afterIssue: () => {
        if (crash) throw new Error('worker died here');
      },
    });
    const invite = await newHire('N2');
    await expect(deliverInvite(f.deps, invite)).rejects.toThrow('worker died here');
    expect((await f.deps.deliveries.get(`${invite.inviteId}.1`))?.state).toBe('issued');
    expect(f.sink.messages).toHaveLength(0);

    crash = false;
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('sent');
    expect(f.sink.messages).toHaveLength(1);
    const flows = [...f.h.sim.state.recoveryFlows.values()].filter(
      (flow) => flow.identity_id === invite.identityId,
    );
    expect(flows).toHaveLength(2); // the first link was issued but never left the process
    expect(f.h.sim.useRecoveryLink(linksIn(f.sink.messages[0]!)[0]!)).toMatchObject({ ok: true });
    expect((await f.deps.deliveries.get(`${invite.inviteId}.1`))?.claims).toBe(2);
  });

  it('retries with a new link when the mail server refused, and sends once it accepts', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl') });
    const invite = await newHire('N3');
    f.sink.rejectRecipients(451);
    await expect(deliverInvite(f.deps, invite)).rejects.toMatchObject({ code: 'SYNC_ERR_DELIVERY_FAILED' });
    expect(await f.deps.deliveries.get(`${invite.inviteId}.1`)).toMatchObject({ state: 'send-failed' });
    f.sink.rejectRecipients(null);
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('sent');
    expect(f.sink.messages).toHaveLength(1);
  });

  it('never sends again when it cannot know whether the first went out, but checks on the person later', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl'), onboarding: { reissueAfter: '24h' } });
    const invite = await newHire('N4');
    f.sink.dropAfterData(true);
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('uncertain');
    f.sink.dropAfterData(false);
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('uncertain');
    expect(f.sink.dropped + f.sink.messages.length).toBe(1);
    // Uncertain is never resent; the activation check is what rescues a person the invite did not reach.
    const check = await f.queue.getJob(`onboard-check.${invite.inviteId}`);
    expect(check?.opts.delay).toBe(24 * 3_600_000);
  });

  it('cancels the invite of someone who left before it went out', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl') });
    const invite = await newHire('N5');
    await f.h.kratos.patchIdentity(invite.identityId, [{ op: 'replace', path: '/state', value: 'inactive' }]);
    expect(await deliverInvite(f.deps, invite)).toMatchObject({ outcome: 'cancelled', reason: 'inactive' });
    expect(f.sink.messages).toHaveLength(0);
    expect(f.h.sim.state.recoveryFlows.size).toBe(0);
  });

  it('sends a recovery code where the source asks for one and the server has it', async () => {
    f = await startOnboardingFixture({ redisUrl: inject('redisUrl'), onboarding: { method: 'code' } });
    const invite = await newHire('N6');
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('sent');
    const mail = f.sink.messages[0]!;
    const code = /recovery code: (\d{6})/.exec(mail.decoded)?.[1];
    const flow = /recovery\?flow=([\w-]+)/.exec(mail.decoded)?.[1];
    expect(code).toBeDefined();
    expect(f.h.sim.useRecoveryCode(flow!, code!)).toMatchObject({ ok: true, identityId: invite.identityId });
  });

  it('reads address and name from the source record when expressions say so', async () => {
    f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      onboarding: { email: 'private_email', name: 'preferred_name' },
    });
    const invite = await newHire('N7');
    f.records.set('N7', { id: 'N7', private_email: 'kim@home.example', preferred_name: 'Kim' });
    expect((await deliverInvite(f.deps, invite)).outcome).toBe('sent');
    expect(f.sink.messages[0]).toMatchObject({ to: ['kim@home.example'] });
    expect(f.sink.messages[0]!.decoded).toContain('Hello Kim');
  });
});

describe('deliverInvite run twice at the same time (a job whose lock was lost)', () => {
  it('sends one email between them', async () => {
    const f = await startOnboardingFixture({ redisUrl: inject('redisUrl') });
    try {
      const identity = await createManagedIdentity(f.h.kratos, { key: 'P1' });
      const invite = { source: 'hr', key: 'P1', identityId: identity.id, inviteId: identity.id, attempt: 1 };
      const results = await Promise.all([deliverInvite(f.deps, invite), deliverInvite(f.deps, invite)]);
      expect(results.filter((r) => r.outcome === 'sent')).toHaveLength(1);
      expect(f.sink.messages).toHaveLength(1);
      expect(f.h.sim.useRecoveryLink(linksIn(f.sink.messages[0]!)[0]!)).toMatchObject({ ok: true });
      expect(await leaksIn(f.h)).toEqual([]);
    } finally {
      await f.close();
    }
  });
});

describe('deliverInvite on Kratos v0.10', () => {
  it('falls back from a code to a link (no /admin/recovery/code there) and the link works', async () => {
    const f = await startOnboardingFixture({
      redisUrl: inject('redisUrl'),
      api: 'v0.10',
      onboarding: { method: 'code' },
    });
    try {
      const identity = await createManagedIdentity(f.h.kratos, { key: 'V1' });
      const invite = { source: 'hr', key: 'V1', identityId: identity.id, inviteId: identity.id, attempt: 1 };
      expect((await deliverInvite(f.deps, invite)).outcome).toBe('sent');
      expect(f.sink.messages[0]!.decoded).not.toContain('recovery code');
      expect(f.h.sim.useRecoveryLink(linksIn(f.sink.messages[0]!)[0]!)).toMatchObject({
        ok: true,
        identityId: identity.id,
      });
      expect(await leaksIn(f.h)).toEqual([]);
    } finally {
      await f.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/cli/render-run.ts';
import { recordSendFailure } from '../../src/lifecycle/send-failure.ts';
import { DeliveryError } from '../../src/delivery/channel.ts';
import {
  createDeliveryStore,
  inviteDeliveryId,
  managerNoticeDeliveryId,
} from '../../src/store/delivery-store.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { runFullSync } from '../../src/sync/run-full-sync.ts';
import { basicAuth, CONSOLE_PASSWORD, CONSOLE_USER, withConsoleAuth } from '../console/console-fixture.ts';
import { openHttpApp } from '../console/http-app-fixture.ts';
import { people, simIdentitiesByKey, startHarness, type Harness } from '../sync/engine-harness.ts';

// An invite whose hand-over was interrupted (the mail server had the message, no answer came) may have reached
// no one, and the person cannot tell anyone. It must show up where operators look: the run report (CLI and
// console), the console's overview, and the `kratos_sync_invites_uncertain` metric.

type Deliveries = ReturnType<typeof createDeliveryStore>;

/**
 * One invite attempt through the delivery state machine, its hand-over failing the way a connection lost
 * after the data went out fails: the channel cannot say whether it was sent. Resolves its delivery id.
 */
async function uncertainInvite(
  deliveries: Deliveries,
  invite: { identityId: string; key: string; attempt: number },
): Promise<string> {
  const deliveryId = inviteDeliveryId(invite.identityId, invite.attempt);
  const token = randomUUID();
  const fields = { ...invite, inviteId: invite.identityId, source: 'hr' };
  await deliveries.transition(deliveryId, { from: ['none'], to: 'issuing', newToken: token, fields });
  await deliveries.transition(deliveryId, { from: ['issuing'], to: 'issued', token });
  await deliveries.transition(deliveryId, { from: ['issued'], to: 'sending', token });
  await recordSendFailure(
    { deliveries },
    'smtp',
    { id: deliveryId, token },
    new DeliveryError('smtp', 'ECONNRESET', false),
  );
  return deliveryId;
}

describe('uncertain invites are reported', () => {
  let harness: Harness | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await harness?.release();
    harness = close = undefined;
  });

  /** The HTTP app with the console and /metrics, as the http role serves them; closed after the test. */
  async function openHttpAppCounting(ctx: SyncContext, deliveries: Deliveries) {
    const opened = await openHttpApp(withConsoleAuth(ctx), {
      uncertainInvites: () => deliveries.countUncertain(),
    });
    close = opened.close;
    return opened;
  }

  it('in the run report, the CLI output, the console overview and the metric, until settled', async () => {
    harness = await startHarness({
      api: 'v26',
      people: people(3),
      source: { onboarding: { enabled: true } },
    });
    const { ctx } = harness;
    const first = await runFullSync(ctx, 'hr', { trigger: 'cli' });
    expect(first.invitesUncertain).toBeUndefined();

    // E00002's invite may not have arrived.
    const identityId = simIdentitiesByKey(harness.sim).get('E00002')!.id;
    const deliveries = createDeliveryStore({ redis: harness.redis, prefix: harness.prefix, now: ctx.now });
    const deliveryId = await uncertainInvite(deliveries, { identityId, key: 'E00002', attempt: 1 });
    const token = randomUUID();
    const invite = { inviteId: identityId, attempt: 1, source: 'hr', key: 'E00002', identityId };
    expect((await deliveries.get(deliveryId))?.state).toBe('uncertain');
    // A manager's notice that may not have arrived is no invite to rescue: it is not counted.
    const managerNotice = managerNoticeDeliveryId(identityId);
    await deliveries.transition(managerNotice, {
      from: ['none'],
      to: 'sending',
      newToken: token,
      fields: { ...invite, attempt: 2 },
    });
    await recordSendFailure(
      { deliveries },
      'smtp',
      { id: managerNotice, token },
      new DeliveryError('smtp', 'ECONNRESET', false),
    );
    expect((await deliveries.get(managerNotice))?.state).toBe('uncertain');
    expect((await deliveries.listUncertain()).map((d) => d.deliveryId)).toEqual([deliveryId]);

    const report = await runFullSync(ctx, 'hr', { trigger: 'schedule' });
    expect(report.invitesUncertain).toBe(1);
    const notice = report.notices?.find((n) => n.includes('may not have reached their person'));
    expect(notice).toContain('1 invite(s)');
    expect(notice).toContain('onboarding.reissueAfter');
    expect(renderReport(report)).toContain(`note: ${notice}`);

    const { app, metrics } = await openHttpAppCounting(ctx, deliveries);

    const overview = await app.inject({
      url: '/console',
      headers: { authorization: basicAuth(CONSOLE_USER, CONSOLE_PASSWORD) },
    });
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('Invites that may not have arrived');
    expect(overview.body).toContain('E00002');
    expect(await metrics.registry.getSingleMetricAsString('kratos_sync_invites_uncertain')).toContain(
      'kratos_sync_invites_uncertain{source="hr"} 1',
    );

    // Settled (the activation check found the person signed in, or the re-issue went out): gone everywhere.
    await deliveries.settleUncertain(deliveryId);
    expect(await metrics.registry.getSingleMetricAsString('kratos_sync_invites_uncertain')).toContain(
      'kratos_sync_invites_uncertain{source="hr"} 0',
    );
    const settled = await app.inject({
      url: '/console',
      headers: { authorization: basicAuth(CONSOLE_USER, CONSOLE_PASSWORD) },
    });
    expect(settled.body).not.toContain('Invites that may not have arrived');
    expect((await runFullSync(ctx, 'hr', { trigger: 'schedule' })).invitesUncertain).toBeUndefined();
  });

  it('names the ones that used every re-issue onboarding.maxReissues allows: a person has to check', async () => {
    harness = await startHarness({
      api: 'v26',
      people: people(3),
      source: { onboarding: { enabled: true } },
    });
    const { ctx } = harness;
    await runFullSync(ctx, 'hr', { trigger: 'cli' });
    const deliveries = createDeliveryStore({ redis: harness.redis, prefix: harness.prefix, now: ctx.now });
    // E00001's first invite is uncertain (re-issued after reissueAfter); E00003's third re-issue (attempt 4,
    // the last of the default maxReissues 3) is uncertain too: that one is not re-issued again.
    for (const [key, attempt] of [
      ['E00001', 1],
      ['E00003', 4],
    ] as const) {
      await uncertainInvite(deliveries, {
        identityId: simIdentitiesByKey(harness.sim).get(key)!.id,
        key,
        attempt,
      });
    }
    const report = await runFullSync(ctx, 'hr', { trigger: 'schedule' });
    expect(report.invitesUncertain).toBe(2);
    const notice = report.notices?.find((n) => n.includes('may not have reached their person'));
    expect(notice).toContain('2 invite(s)');
    expect(notice).toContain('each is re-issued after onboarding.reissueAfter unless the person activates');
    expect(notice).toContain(
      '1 of them already had onboarding.maxReissues (3) re-issues and are not re-issued again: check with the people concerned',
    );
    // The console's rows: E00001's re-issue is due a day after, E00003's is not re-issued again.
    const { app } = await openHttpAppCounting(ctx, deliveries);
    const overview = await app.inject({
      url: '/console',
      headers: { authorization: basicAuth(CONSOLE_USER, CONSOLE_PASSWORD) },
    });
    const rowOf = (key: string) =>
      new RegExp(`<tr>(?:(?!</tr>).)*${key}(?:(?!</tr>).)*</tr>`, 's').exec(overview.body)?.[0];
    expect(rowOf('E00003')).toContain('not re-issued again: check with the person');
    expect(rowOf('E00001')).not.toContain('not re-issued');
  });
});

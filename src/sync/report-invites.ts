import { createDeliveryStore } from '../store/delivery-store.ts';
import type { SyncContext } from './context.ts';
import type { RunReport } from '../domain/run-report.ts';

/**
 * Puts the source's unsettled `uncertain` invites into a finishing run's report, with a notice the CLI and
 * the console show: an invite whose hand-over a crash interrupted may have reached no one, and the person
 * who should have got it cannot say so. Invites are delivered by their own jobs, so the figure is what is
 * outstanding when the run ends, whichever run created those people.
 */
export async function noteUncertainInvites(ctx: SyncContext, report: RunReport): Promise<void> {
  if (report.dryRun || !ctx.config.sources[report.source]?.onboarding.enabled) return;
  const deliveries = createDeliveryStore({ redis: ctx.redis, prefix: ctx.config.redis.prefix, now: ctx.now });
  const count = (await deliveries.countUncertain()).get(report.source) ?? 0;
  if (count === 0) return;
  report.invitesUncertain = count;
  const { reissueAfter, maxReissues } = ctx.config.sources[report.source]!.onboarding;
  let remedy =
    reissueAfter === undefined
      ? 'onboarding.reissueAfter is off, so they are not re-issued: check with the people concerned'
      : 'each is re-issued after onboarding.reissueAfter unless the person activates';
  if (reissueAfter !== undefined) {
    // The last re-issue maxReissues allows is not re-issued again: a person has to check.
    const used = (await deliveries.listUncertain()).filter(
      (d) => d.source === report.source && d.attempt >= 1 + maxReissues,
    ).length;
    if (used > 0)
      remedy += `; ${used} of them already had onboarding.maxReissues (${maxReissues}) re-issues and are not re-issued again: check with the people concerned`;
  }
  (report.notices ??= []).push(
    `${count} invite(s) may not have reached their person (a worker stopped during the hand-over to the mail channel); ${remedy}`,
  );
}

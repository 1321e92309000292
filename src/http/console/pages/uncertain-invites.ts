import { mayReissueAfter } from '../../../lifecycle/reissue-policy.ts';
import type { UncertainDelivery } from '../../../store/delivery-store.ts';
import { timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { table } from '../table.ts';
import { card } from '../layout.ts';
import type { ConsoleView } from '../view.ts';

/** Rows shown; the metric and the run reports carry the full count. */
export const UNCERTAIN_ROWS = 50;

/**
 * Invites whose hand-over to the mail channel was interrupted: they may have reached no one. Each row says
 * when that happened and when the invite is re-issued (unless the person activates first), or that it is
 * not re-issued again (`onboarding.maxReissues` re-issues made) and a person has to check. Identifiers and
 * times only: the link itself was never stored.
 */
export function uncertainInvitesCard(view: ConsoleView, invites: readonly UncertainDelivery[]): SafeHtml {
  const rows = invites.map((invite) => {
    const onboarding = view.ctx.config.sources[invite.source]?.onboarding;
    const due =
      onboarding?.reissueAfter !== undefined && mayReissueAfter(onboarding, invite.attempt)
        ? timeCell(new Date(Date.parse(invite.since) + onboarding.reissueAfter).toISOString(), view.now)
        : html`<span class="muted"
            >not re-issued${invite.attempt > 1 ? ' again: check with the person' : ''}</span
          >`;
    return html`<tr>
      <td><code>${invite.source}</code></td>
      <td><code>${invite.key}</code></td>
      <td>${String(invite.attempt)}</td>
      <td class="nowrap">${timeCell(invite.since, view.now)}</td>
      <td class="nowrap">${due}</td>
    </tr>`;
  });
  const body = html`<div class="body">
      A worker stopped while handing these invites to the mail channel, so they may have reached no one.
    </div>
    ${table(['Source', 'Person', 'Attempt', 'Uncertain since', 'Re-issue due'], rows)}`;
  return card('Invites that may not have arrived', body);
}

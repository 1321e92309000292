import type { PersonExplanation } from '../../../sync/explain-person.ts';
import { badge, timeCell } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { card, emptyState } from '../layout.ts';
import { searchForm } from '../search-form.ts';
import { consoleHref, page, postButton, runHref, type ConsoleView } from '../view.ts';

/** The search form of the People page. */
function peopleSearch(view: ConsoleView, q: string): SafeHtml {
  return searchForm(consoleHref(view, '/people'), q, { label: 'Person key or email', button: 'Explain' });
}

/** `kratos-sync explain` in the console: everything about a person, found by key or email. */
export function personPage(
  view: ConsoleView,
  q: string,
  people: PersonExplanation[],
  done?: string,
): SafeHtml {
  const body =
    q === ''
      ? ''
      : people.length === 0
        ? emptyState(`Nobody found for "${q}".`)
        : html`${people.map((p) => personCard(view, p))}`;
  return page(
    view,
    'People',
    'people',
    html`<h1>People</h1>
      <p class="muted">
        One person's source record as mapped, the identity it matches and how, what a sync would do now, audit
        entries, jobs, a held run, invite and offboarding — by person key or email.
      </p>
      ${done && html`<div class="notice info">Synced from the source now: <strong>${done}</strong>.</div>`}
      ${peopleSearch(view, q)} ${body}`,
  );
}

function personCard(view: ConsoleView, p: PersonExplanation): SafeHtml {
  const r = p.record;
  const record =
    r.outcome === 'mapped'
      ? html`${badge('mapped', 'completed')} ${r.desired.leaver ? badge('left', 'partial') : ''}
          <pre>
${JSON.stringify({ traits: r.desired.traits, metadata_public: r.desired.metadataPublic, metadata_admin: r.desired.metadataAdmin, state: r.desired.state, external_id: r.desired.externalId }, null, 2)}</pre>`
      : r.outcome === 'quarantined'
        ? html`${badge('quarantined', 'partial')}
          ${r.quarantine.field ? html`<code>${r.quarantine.field}</code>` : ''}
          ${badge(r.quarantine.rule, 'rule')} ${r.quarantine.message}
          ${postButton(view, consoleHref(view, `/people/${encodeURIComponent(p.source)}/${encodeURIComponent(p.key)}/sync`), 'Retry this record now', { confirm: `Sync ${p.key} of source "${p.source}" from the source now?` })}`
        : html`${badge(r.outcome, 'partial')} ${r.reason}`;
  const identity = p.identity
    ? html`<code>${p.identity.id}</code> ${badge(p.identity.state)} schema
        <code>${p.identity.schemaId}</code> — matched by ${p.identity.matchedBy}`
    : html`<span class="muted">none found</span>`;
  const audit = p.audit.length
    ? html`<table>
        <tbody>
          ${p.audit.map(
            (a) =>
              html`<tr>
                <td class="nowrap">${timeCell(a.at, view.now)}</td>
                <td>${badge(a.action)}</td>
                <td>${badge(a.outcome)}</td>
                <td>
                  <a href="${runHref(view, a.runId)}"><code>${a.runId}</code></a>
                </td>
                <td>${a.changed.map((f) => html`<span class="chip">${f}</span>`)}</td>
                <td>${a.by ?? ''}${a.error ? html` <code>${a.error.code}</code> ${a.error.message}` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : html`<span class="muted">nothing recorded</span>`;
  const rows: Array<[string, SafeHtml | string]> = [
    ['Source record', record],
    ['Identity', identity],
    [
      'A sync now would',
      html`${badge(p.plan.kind)} ${p.plan.reason}
      ${(p.plan.changed ?? []).map((f) => html`<span class="chip">${f}</span>`)}`,
    ],
    [
      'Held run',
      p.heldRun
        ? html`<a href="${runHref(view, p.heldRun)}"><code>${p.heldRun}</code></a>`
        : html`<span class="muted">none</span>`,
    ],
    [
      'Jobs',
      p.jobs.length
        ? html`${p.jobs.map((j) => html`<div>${badge(j.state)} ${j.name} <code>${j.id}</code> ${j.reason ?? ''}</div>`)}`
        : html`<span class="muted">none pending or failed</span>`,
    ],
    [
      'Invite',
      p.invite
        ? html`${badge(p.invite.state)} attempt ${String(p.invite.attempt)}
          ${p.invite.sentAt ? html`sent ${timeCell(p.invite.sentAt, view.now)}` : ''}`
        : html`<span class="muted">none</span>`,
    ],
    [
      'Offboarding',
      p.offboarding
        ? html`${badge(p.offboarding.outcome)}
          ${p.offboarding.deactivatedAt ? html`deactivated ${timeCell(p.offboarding.deactivatedAt, view.now)}` : ''}
          ${String(p.offboarding.sessionsRevoked)} session(s) revoked`
        : html`<span class="muted">none</span>`,
    ],
    ['Audit', audit],
  ];
  return card(
    html`<code>${p.source}</code> / <code>${p.key}</code>`,
    html`<table class="person">
      <tbody>
        ${rows.map(
          ([label, value]) =>
            html`<tr>
              <th scope="row">${label}</th>
              <td>${value}</td>
            </tr>`,
        )}
      </tbody>
    </table>`,
  );
}

import { boundRemoteText } from '../config/remote-text.ts';
import { scrubSecrets } from '../config/secret.ts';
import type { RunReport } from '../domain/run-report.ts';
import type { RunNotice } from './run-notice.ts';

/** One notification, rendered once for every channel. */
export interface NoticeMessage {
  /** Unique per run and event: `x-kratos-sync-delivery-id`, and the email's Message-ID. */
  id: string;
  title: string;
  /** The plain-text body (email; Slack's notification fallback). */
  text: string;
  /** Slack incoming-webhook body: `text` (fallback) and Block Kit `blocks`. */
  slack: { text: string; blocks: unknown[] };
  /** The console's run page, when `http.publicUrl` is configured. */
  link?: string;
}

const TITLES: Record<RunNotice['event'], string> = {
  held: 'is held: removals wait for approval',
  failed: 'failed',
  partial: 'finished partially',
};

/** Remote error text can be long; a notification keeps the gist. */
const REASON_LIMIT = 500;

/**
 * Render what an operator is told about a run: source, run id, counts, the reason, and a link to the
 * console's run page. Everything is built from the report's figures and reasons (no trait values), then
 * passed through the secret scrubber, because a reason may quote text a remote system sent back.
 */
export function renderNotice(
  report: RunReport,
  notice: RunNotice,
  options: { publicUrl?: string | undefined },
): NoticeMessage {
  const title = clean(`kratos-sync: run of ${report.source} ${TITLES[notice.event]}`);
  // The reason may quote a remote system's error text: scrubbed and bounded like all such text.
  const reason = clean(boundRemoteText(notice.reason, REASON_LIMIT));
  const counts = countsOf(report);
  const link = options.publicUrl ? runPageUrl(options.publicUrl, report.id) : undefined;
  const facts: Array<[string, string]> = [
    ['Source', clean(report.source)],
    ['Run', report.id],
    ['Status', report.status],
    ['Trigger', report.trigger],
    ['Started', report.startedAt],
    ...(report.finishedAt ? ([['Finished', report.finishedAt]] as Array<[string, string]>) : []),
  ];
  const text = [
    title,
    '',
    ...facts.map(([name, value]) => `${name}: ${value}`),
    `Counts: ${counts}`,
    `Reason: ${reason}`,
    ...(link ? [`Run page: ${link}`] : []),
  ].join('\n');
  return {
    id: `run-notice.${report.id}.${notice.event}`,
    title,
    text,
    slack: slackBody({ title, facts, counts, reason, link }),
    ...(link ? { link } : {}),
  };
}

function slackBody(parts: {
  title: string;
  facts: Array<[string, string]>;
  counts: string;
  reason: string;
  link: string | undefined;
}): NoticeMessage['slack'] {
  const { title, facts, counts, reason, link } = parts;
  const blocks: unknown[] = [
    // Slack caps a header's plain text at 150 characters.
    { type: 'header', text: { type: 'plain_text', text: bounded(title, 150) } },
    {
      type: 'section',
      fields: facts.map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${slackEscape(value)}` })),
    },
    { type: 'section', text: { type: 'mrkdwn', text: `*Counts*\n${slackEscape(counts)}` } },
    // A section's text is capped at 3000 characters; the reason is bounded far below that.
    { type: 'section', text: { type: 'mrkdwn', text: `*Reason*\n${slackEscape(reason)}` } },
  ];
  if (link) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open the run in the console' }, url: link },
      ],
    });
  }
  const summary = slackEscape(`${title}: ${reason}`);
  return { text: link ? `${summary} <${link}|open the run>` : summary, blocks };
}

/** The console's page of a run under the public base URL (normalised, so it is safe inside `<url|text>`). */
function runPageUrl(publicUrl: string, runId: string): string {
  const base = new URL(publicUrl).href.replace(/\/+$/, '');
  return `${base}/console/runs/${encodeURIComponent(runId)}`;
}

/** Counts in one line: records read, then each planned action kind as applied/planned, then problems. */
function countsOf(report: RunReport): string {
  const parts = [`${report.snapshot.records} records read`, `${report.managed} managed`];
  for (const [kind, count] of Object.entries(report.counts)) {
    if (!count || count.planned === 0) continue;
    parts.push(`${kind} ${count.applied}/${count.planned}${count.failed ? ` (${count.failed} failed)` : ''}`);
  }
  if (report.guard.held) parts.push(`${report.guard.held} held`);
  if (report.guard.blocked) parts.push(`${report.guard.blocked} blocked`);
  parts.push(`${report.quarantined.total} quarantined`, `${report.failures.total} failed`);
  return parts.join(', ');
}

/**
 * Slack reads `&`, `<` and `>` as control characters (links, mentions such as `<!channel>`): text from a
 * report is escaped so it shows as written (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Known secret values scrubbed; terminal control characters dropped (the text may reach a terminal). */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return scrubSecrets(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
}

function bounded(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

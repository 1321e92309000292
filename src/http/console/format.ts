import { html, type SafeHtml } from './html.ts';

/** `2026-11-27 08:00:12 UTC` — one zone for everyone reading the page, the zone the logs use. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A `<time>` element: the absolute time, with "3 min ago" beside it when `now` is given. */
export function timeCell(iso: string | null | undefined, now?: Date): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  const ago = now ? relative(new Date(iso), now) : '';
  return html`<time datetime="${iso}" title="${formatTime(iso)}">${formatTime(iso)}</time>${
      ago && html` <span class="muted">(${ago})</span>`
    }`;
}

function relative(then: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A count cell that fades zeros, so the numbers that matter stand out in a dense table. */
export function countCell(n: number, tone = ''): SafeHtml {
  return n === 0 ? html`<td class="num zero">0</td>` : html`<td class="num ${tone}">${formatCount(n)}</td>`;
}

/** Status and action badges share one look; the class carries the colour. */
export function badge(text: string, kind = text): SafeHtml {
  return html`<span class="badge badge-${kind}">${text}</span>`;
}

/** Identity ids are UUIDs: the first block is enough to tell them apart on screen; the title has all. */
export function shortId(id: string | undefined): SafeHtml {
  if (!id) return html`<span class="muted">—</span>`;
  return html`<code title="${id}">${id.slice(0, 8)}</code>`;
}

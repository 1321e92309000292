import type { RunReport } from '../../domain/run-report.ts';
import { formatTime } from './format.ts';
import { escapeHtml, rawHtml, type SafeHtml } from './html.ts';
import { runChanges } from './run-counts.ts';

/** Series drawn bottom to top; the colours match the action badges in the stylesheet. */
const SERIES = [
  { field: 'created', label: 'created', colour: '#2da44e' },
  { field: 'updated', label: 'updated', colour: '#0969da' },
  { field: 'deactivated', label: 'deactivated', colour: '#bf8700' },
  { field: 'deleted', label: 'deleted', colour: '#cf222e' },
] as const;

// Close to the width it is shown at (the card is ~1230 px wide), so axis text keeps its CSS size.
const WIDTH = 1200;
const HEIGHT = 180;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;

/**
 * Changes per run as stacked bars (oldest left), drawn on the server as inline SVG: no chart library and no
 * script. Each bar links to its run and carries a tooltip with the exact counts; removals a held run still
 * waits on are drawn as a dashed outline on top. Every string that reaches the SVG is escaped.
 */
export function changesChart(
  runsNewestFirst: readonly RunReport[],
  hrefFor: (runId: string) => string,
): SafeHtml {
  const runs = [...runsNewestFirst].reverse();
  if (runs.length === 0) return rawHtml('');
  const rows = runs.map((run) => ({ run, changes: runChanges(run) }));
  const peak = Math.max(
    1,
    ...rows.map(({ changes: c }) => c.created + c.updated + c.deactivated + c.deleted + c.held),
  );
  const top = niceCeiling(peak);
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(rows.length, 10);
  const barWidth = Math.max(3, Math.min(36, slot * 0.6));
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight;
  const parts: string[] = [];

  for (const value of [0, top / 2, top]) {
    const at = y(value).toFixed(1);
    parts.push(
      `<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${at}" y2="${at}"/>`,
      `<text class="axis" x="${LEFT - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${axisLabel(value)}</text>`,
    );
  }
  rows.forEach(({ run, changes }, i) => {
    const x = LEFT + slot * i + (slot - barWidth) / 2;
    const segments: string[] = [];
    let base = 0;
    for (const series of SERIES) {
      const value = changes[series.field];
      if (value === 0) continue;
      segments.push(rect(x, y(base + value), barWidth, y(base) - y(base + value), `fill="${series.colour}"`));
      base += value;
    }
    if (changes.held > 0) {
      const h = y(base) - y(base + changes.held);
      segments.push(rect(x + 0.75, y(base + changes.held) + 0.75, barWidth - 1.5, h - 1.5, 'class="held"'));
    }
    if (segments.length === 0) segments.push(rect(x, y(0) - 2, barWidth, 2, 'class="none"'));
    const title = escapeHtml(tooltip(run, changes));
    parts.push(
      `<a href="${escapeHtml(hrefFor(run.id))}"><title>${title}</title>` +
        `<rect class="hit" x="${x.toFixed(1)}" y="${TOP}" width="${barWidth.toFixed(1)}" height="${plotHeight}"/>` +
        `${segments.join('')}</a>`,
    );
  });
  const first = rows[0]!.run.startedAt;
  const last = rows.at(-1)!.run.startedAt;
  parts.push(
    `<text class="axis" x="${LEFT}" y="${HEIGHT - 6}">${escapeHtml(formatTime(first))}</text>`,
    `<text class="axis" x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">${escapeHtml(formatTime(last))}</text>`,
  );
  return rawHtml(
    `<figure class="chart"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Identity changes per run, oldest first">` +
      `${parts.join('')}</svg><figcaption>${legend()}</figcaption></figure>`,
  );
}

function rect(x: number, y: number, width: number, height: number, attrs: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${Math.max(0, height).toFixed(1)}" ${attrs}/>`;
}

function tooltip(run: RunReport, c: ReturnType<typeof runChanges>): string {
  const lines = [
    `${formatTime(run.startedAt)} — ${run.status}`,
    `created ${c.created}, updated ${c.updated}, deactivated ${c.deactivated}, deleted ${c.deleted}`,
  ];
  if (c.held) lines.push(`held for approval ${c.held}`);
  if (c.quarantined || c.failed) lines.push(`quarantined ${c.quarantined}, failed ${c.failed}`);
  return lines.join('\n');
}

function legend(): string {
  const items = SERIES.map(
    // Classes, not style attributes: the console's Content-Security-Policy allows no inline styles.
    (s) => `<span class="key"><i class="swatch-${s.field}"></i>${s.label}</span>`,
  );
  items.push('<span class="key"><i class="swatch-held"></i>held for approval</span>');
  return items.join('');
}

/** 1, 2, 5 × 10^n: round axis tops that read at a glance. */
function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function axisLabel(value: number): string {
  if (value >= 1_000_000) return `${value / 1_000_000}M`;
  if (value >= 1000) return `${value / 1000}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

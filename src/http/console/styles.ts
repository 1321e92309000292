/**
 * The console's stylesheet, served from `/console/assets/console.css`. Kept as a string in a module so the
 * package ships it without a build step that copies assets. Calm, dense and readable: system fonts, one
 * accent colour, status colours only where they carry meaning.
 */
export const CONSOLE_CSS = `
:root {
  --fg: #1f2328; --muted: #656d76; --border: #d0d7de; --soft: #f6f8fa; --bg: #ffffff; --accent: #0969da;
  --green: #1a7f37; --green-bg: #dafbe1; --amber: #9a6700; --amber-bg: #fff8c5; --red: #cf222e;
  --red-bg: #ffebe9; --blue-bg: #ddf4ff; --purple: #8250df; --purple-bg: #fbefff; --grey-bg: #eaeef2;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body {
  margin: 0; color: var(--fg); background: var(--soft);
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font: 12.5px/1.4 ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.muted { color: var(--muted); }

.top {
  display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px;
  background: #24292f; color: #f0f3f6;
}
.brand { color: #fff; font-weight: 600; font-size: 15px; white-space: nowrap; }
.brand small { color: #9198a1; font-weight: 400; margin-left: 6px; }
.top nav { display: flex; gap: 2px; flex: 1; overflow-x: auto; }
.top nav a {
  color: #d1d9e0; padding: 6px 10px; border-radius: 6px; white-space: nowrap;
}
.top nav a:hover { background: #32383f; text-decoration: none; }
.top nav a[aria-current="page"] { background: #3d444d; color: #fff; }
.top nav a.external { margin-left: auto; }
.top .user { color: #9198a1; font-size: 12px; white-space: nowrap; }

main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 20px; font-weight: 600; margin: 4px 0 16px; display: flex; align-items: center; gap: 10px; }
h2 { font-size: 15px; font-weight: 600; margin: 0; }
h3 { font-size: 13px; font-weight: 600; margin: 16px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.crumbs { font-size: 13px; color: var(--muted); margin-bottom: 4px; }

.card { background: var(--bg); border: 1px solid var(--border); border-radius: 8px; margin-bottom: 16px; }
.card > header {
  display: flex; align-items: center; gap: 12px; padding: 10px 16px; border-bottom: 1px solid var(--border);
}
.card > header .spacer { flex: 1; }
.card > .body { padding: 12px 16px; }
.card > .empty { padding: 20px 16px; color: var(--muted); }

.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin-bottom: 16px; }
.tile { background: var(--bg); border: 1px solid var(--border); border-radius: 8px; padding: 12px 16px; color: var(--fg); }
.tile:hover { text-decoration: none; border-color: var(--accent); }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
.tile.warn { border-left: 4px solid #d4a72c; }
.tile.bad { border-left: 4px solid var(--red); }
.tile.ok { border-left: 4px solid #4ac26b; }

table { width: 100%; border-collapse: collapse; }
th, td { padding: 6px 12px; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2; }
th { font-size: 12px; font-weight: 600; color: var(--muted); background: var(--soft); white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.zero { color: #b6bdc5; }
td.bad { color: var(--red); font-weight: 600; }
td.warn { color: var(--amber); font-weight: 600; }
td.wrap { max-width: 420px; }
.nowrap { white-space: nowrap; }

.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 500;
  line-height: 18px; white-space: nowrap; background: var(--grey-bg); color: var(--fg);
}
.badge-completed, .badge-applied, .badge-create, .badge-offboarded, .badge-deleted-receipt { background: var(--green-bg); color: var(--green); }
.badge-partial, .badge-held, .badge-deactivate, .badge-unverified, .badge-skipped { background: var(--amber-bg); color: var(--amber); }
.badge-failed, .badge-delete, .badge-refused { background: var(--red-bg); color: var(--red); }
.badge-running, .badge-update { background: var(--blue-bg); color: var(--accent); }
.badge-adopt, .badge-reactivate { background: var(--purple-bg); color: var(--purple); }
.chip { display: inline-block; padding: 0 6px; margin: 1px 2px 1px 0; border: 1px solid var(--border); border-radius: 4px; font-size: 12px; background: var(--soft); }

.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px 24px; margin: 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 12px; color: var(--muted); }
.facts dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.facts dd time { white-space: nowrap; }
table.counts { width: auto; min-width: 480px; }

.notice { padding: 10px 16px; border-radius: 8px; margin-bottom: 16px; border: 1px solid; }
.notice.info { background: var(--blue-bg); border-color: #54aeff66; }
.notice.warn { background: var(--amber-bg); border-color: #d4a72c66; }
.notice.ok { background: var(--green-bg); border-color: #4ac26b66; }
.notice.bad { background: var(--red-bg); border-color: #ff818266; }

.actions { display: flex; gap: 8px; align-items: center; }
.actions form { margin: 0; }
button, .button {
  font: inherit; font-size: 13px; font-weight: 500; padding: 4px 12px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border); background: var(--soft); color: var(--fg); line-height: 20px;
}
button:hover { background: #eef1f4; }
button.primary { background: #1f883d; border-color: #1a7f37; color: #fff; }
button.primary:hover { background: #1a7f37; }
button.danger { color: var(--red); }
button.danger:hover { background: var(--red); color: #fff; border-color: var(--red); }

form.search { display: flex; gap: 8px; }
input[type="search"] {
  font: inherit; padding: 5px 10px; border: 1px solid var(--border); border-radius: 6px; min-width: 320px;
}
input[type="search"]:focus { outline: 2px solid var(--accent); outline-offset: -1px; }

.filters { display: flex; gap: 6px; flex-wrap: wrap; }
.filters a { padding: 2px 10px; border-radius: 999px; border: 1px solid var(--border); font-size: 12px; color: var(--fg); background: var(--bg); }
.filters a[aria-current="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
.pager { display: flex; gap: 12px; align-items: center; padding: 10px 16px; border-top: 1px solid var(--border); font-size: 13px; }

figure.chart { margin: 0; padding: 12px 16px 8px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart .grid { stroke: #eaeef2; stroke-width: 1; }
figure.chart .axis { fill: var(--muted); font-size: 11px; }
figure.chart .hit { fill: transparent; }
figure.chart a:hover .hit { fill: #0969da14; }
figure.chart .held { fill: #fff8c5; stroke: #bf8700; stroke-width: 1.5; stroke-dasharray: 3 2; }
figure.chart .none { fill: #d0d7de; }
figcaption { display: flex; gap: 16px; font-size: 12px; color: var(--muted); padding-top: 4px; }
figcaption .key { display: inline-flex; align-items: center; gap: 5px; }
figcaption i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; }
.swatch-created { background: #2da44e; } .swatch-updated { background: #0969da; }
.swatch-deactivated { background: #bf8700; } .swatch-deleted { background: #cf222e; }
.swatch-held { background: #fff8c5; border: 1.5px dashed #bf8700; }
`;

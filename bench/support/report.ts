/** What one benchmark prints: figures, goals (met or not, by how much) and notes on how it was measured. */
export interface Goal {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  figures: Array<[label: string, value: string]>;
  goals: Goal[];
  notes: string[];
}

export interface BenchOptions {
  quick: boolean;
  redisUrl: string;
  /** Folder for V8 CPU profiles of the measured phases (`--cpu-prof`), when set. */
  cpuProf?: string;
}

export interface Benchmark {
  name: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

export const ms = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
export const mb = (value: number) => `${Math.round(value)} MB`;
export const ratio = (value: number) => `${value >= 100 ? Math.round(value) : value.toFixed(2)}×`;
export const int = (value: number) => Math.round(value).toLocaleString('en-US');

export function goal(name: string, target: string, actual: string, met: boolean): Goal {
  return { name, target, actual, met };
}

export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${int(n)}`)
    .join(', ');
}

export function printResult(result: BenchResult): void {
  const width = Math.max(...result.figures.map(([label]) => label.length), 10);
  console.log(`\n== ${result.name}: ${result.title}`);
  for (const [label, value] of result.figures) console.log(`  ${label.padEnd(width)}  ${value}`);
  for (const g of result.goals)
    console.log(`  ${g.met ? 'MET    ' : 'NOT MET'}  ${g.name}: ${g.actual} (goal ${g.target})`);
  for (const note of result.notes) console.log(`  note: ${note}`);
}

export function markdownOf(result: BenchResult): string {
  const lines = [`### ${result.name} — ${result.title}`, '', '| figure | value |', '| --- | --- |'];
  for (const [label, value] of result.figures) lines.push(`| ${label} | ${value.replace(/\|/g, '\\|')} |`);
  lines.push('', '| goal | target | measured | |', '| --- | --- | --- | --- |');
  for (const g of result.goals)
    lines.push(`| ${g.name} | ${g.target} | ${g.actual} | ${g.met ? 'met' : '**not met**'} |`);
  if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

/** mapping-plan: bench/mapping-plan.ts (the mapping engineer's CPU figures for map + plan), run as it is. */
import { spawn } from 'node:child_process';
import type { BenchOptions, BenchResult } from './support/report.ts';

export async function run(options: BenchOptions): Promise<BenchResult> {
  const people = options.quick ? 10_000 : 100_000;
  const child = spawn(
    process.execPath,
    [new URL('./mapping-plan.ts', import.meta.url).pathname, String(people)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/mapping-plan.ts exited ${code}:\n${out}`);
  const lines = out.trim().split('\n');
  return {
    name: 'mapping-plan',
    title: `CPU of mapping and planning ${people.toLocaleString('en-US')} people, without I/O (bench/mapping-plan.ts)`,
    figures: lines.map((line) => {
      const i = line.indexOf(':');
      return [line.slice(0, i), line.slice(i + 1).trim()] as [string, string];
    }),
    goals: [],
    notes: ['Figures only; the end-to-end goal is no-op throughput.'],
  };
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { markdownOf, type BenchResult } from './report.ts';

const FILE = new URL('../RESULTS.md', import.meta.url).pathname;

/** The machine a run happened on, as RESULTS.md states it. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const ram = Math.round(os.totalmem() / 2 ** 30);
  return `${os.availableParallelism()} cores (nproc), ${cpu}, ${ram} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/**
 * Replaces, in bench/RESULTS.md, the section of each benchmark that ran (between `<!-- bench:NAME -->`
 * markers) and stamps it with the date and machine; text outside the markers (the analysis) is kept.
 */
export function writeResults(results: BenchResult[], options: { quick: boolean }): string {
  let text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmark results\n';
  for (const result of results) {
    const open = `<!-- bench:${result.name} -->`;
    const close = `<!-- /bench:${result.name} -->`;
    const stamp = `_Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${options.quick ? ' (--quick sizes)' : ''} on ${machineLine()}._`;
    const section = `${open}\n${markdownOf(result)}\n\n${stamp}\n${close}`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    text =
      start !== -1 && end > start
        ? text.slice(0, start) + section + text.slice(end + close.length)
        : `${text.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(FILE, text);
  return FILE;
}

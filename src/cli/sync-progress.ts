import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { SyncProgress } from '../sync/plan-full-sync.ts';

/**
 * Progress of a sync for a person watching: a bar on a terminal (stderr), otherwise a line every few
 * seconds (CI logs, cron mail). Counts only — never names.
 */
export interface ProgressReporter {
  update(source: string, progress: SyncProgress): void;
  stop(): void;
}

export function createProgressReporter(options: {
  tty: boolean;
  write: (line: string) => void;
  everyMs?: number;
}): ProgressReporter {
  return options.tty ? barReporter() : lineReporter(options.write, options.everyMs ?? 2_000);
}

function describe(progress: SyncProgress): string {
  if (progress.phase === 'source') return `reading the source: ${progress.records} records`;
  if (progress.phase === 'kratos') return `listing Kratos: ${progress.listed} identities`;
  return `applying: ${progress.done}/${progress.total}`;
}

// The bar library loads only on a terminal: a sync from cron or CI never draws one.
const require = createRequire(import.meta.url);

function barReporter(): ProgressReporter {
  const cliProgress = require('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      format: '{source} {phase} [{bar}] {value}/{total}',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(source, progress) {
      if (progress.phase !== 'apply') {
        if (started) return;
        process.stderr.write(`\r${source}: ${describe(progress)}   `);
        return;
      }
      if (!started) {
        process.stderr.write('\n');
        bar.start(progress.total, progress.done, { source, phase: 'applying' });
        started = true;
      }
      bar.update(progress.done, { source, phase: 'applying' });
    },
    stop() {
      if (started) bar.stop();
      else process.stderr.write('\n');
      started = false;
    },
  };
}

function lineReporter(write: (line: string) => void, everyMs: number): ProgressReporter {
  let last = 0;
  let pending: string | undefined;
  return {
    update(source, progress) {
      pending = `${source}: ${describe(progress)}`;
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      write(pending);
      pending = undefined;
    },
    stop() {
      if (pending) write(pending);
      pending = undefined;
    },
  };
}

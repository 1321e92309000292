import type { Command } from 'commander';
import type { Queue } from 'bullmq';
import type { CliParts } from '../cli-parts.ts';
import { EXIT } from '../exit-codes.ts';

/** `kratos-sync failed list|retry`: inspect and re-run jobs that failed for good. */
export function register(program: Command, parts: CliParts): void {
  const failed = program.command('failed').description('inspect and retry failed jobs');
  failed
    .command('list')
    .description('list failed jobs: id, type, source and person (or run), reason, attempts made')
    .option('--limit <n>', 'show at most this many (newest first)', (v) => Number.parseInt(v, 10), 100)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { limit: number; json?: boolean }) => {
      const { listFailedJobs } = await import('../../queue/failed-job-admin.ts');
      process.exitCode = await withQueue(program, parts, async (queue) => {
        const rows = await listFailedJobs(queue, { limit: options.limit });
        if (options.json) {
          console.log(JSON.stringify(rows, null, 2));
          return EXIT.ok;
        }
        if (rows.length === 0) {
          console.log('no failed jobs');
          return EXIT.ok;
        }
        const { default: Table } = await import('cli-table3');
        const table = new Table({
          head: ['id', 'type', 'source', 'person / run', 'attempts', 'failed at', 'reason'],
          // No colours: CLI output shows control characters as escapes (terminal-output.ts).
          style: { head: [], border: [] },
        });
        for (const row of rows) {
          table.push([
            row.id,
            row.name,
            row.source ?? '',
            row.subject ?? '',
            String(row.attemptsMade),
            row.failedAt ?? '',
            row.failedReason,
          ]);
        }
        console.log(table.toString());
        return EXIT.ok;
      });
    });
  failed
    .command('retry')
    .description('put failed jobs back in the queue with fresh attempts')
    .argument('[ids...]', 'job ids (from `failed list`)')
    .option('--all', 'retry every failed job')
    .action(async (ids: string[], options: { all?: boolean }) => {
      if (!options.all && ids.length === 0) {
        console.error('kratos-sync failed retry: give job ids, or --all');
        process.exitCode = EXIT.usage;
        return;
      }
      const { retryFailedJobs } = await import('../../queue/failed-job-admin.ts');
      process.exitCode = await withQueue(program, parts, async (queue) => {
        const result = await retryFailedJobs(queue, options.all ? { all: true } : { ids });
        console.log(
          `retried ${result.retried.length} job(s)${result.retried.length ? `: ${result.retried.join(', ')}` : ''}`,
        );
        for (const id of result.missing) console.error(`job ${id}: not found (removed, or a wrong id)`);
        for (const id of result.notFailed) console.error(`job ${id}: not failed, left as it is`);
        return result.missing.length + result.notFailed.length > 0 ? EXIT.partial : EXIT.ok;
      });
    });
}

async function withQueue(
  program: Command,
  parts: CliParts,
  work: (queue: Queue) => Promise<number>,
): Promise<number> {
  const { loadConfig } = await import('../../config/load.ts');
  const { createLogger } = await import('../../log/logger.ts');
  const { config } = loadConfig({ file: program.opts<{ config: string }>().config });
  const logger = createLogger({ level: 'warn' });
  // try/finally rather than `await using`: TypeScript's down-levelling of that block would leave the
  // dynamic imports above with their `.ts` extension in the compiled package.
  const session = await parts.openQueue({ config, logger, waitUntilReady: true });
  try {
    return await work(session.queue);
  } finally {
    await session.release();
  }
}

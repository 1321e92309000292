import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('sync')
    .description('plan and apply now: create, update, deactivate and delete identities to match the source')
    .option('-s, --source <name>', 'only this source (default: every configured source, one after another)')
    .option('--json', 'print the run reports as a JSON array')
    .option('-p, --person <key>', "sync only this person now (the webhook job's code, through the guard)")
    .option(
      '--queue',
      'with --person: enqueue the person.sync job for the workers instead of running it here',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failed (or the source could not be read completely), 2 usage/config,\n' +
        '3 done with quarantined/failed/colliding people, 4 removals held for `kratos-sync approve <run-id>`.',
    )
    .action(async (options: { source?: string; json?: boolean; person?: string; queue?: boolean }) => {
      if (options.person !== undefined || options.queue) {
        const { syncPersonCommand } = await import('../sync-person-command.ts');
        process.exitCode = await syncPersonCommand(program, parts, options);
        return;
      }
      const { runFullSync } = await import('../../sync/run-full-sync.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { exitCodeFor, renderReport, worstExit } = await import('../render-run.ts');
      const { createProgressReporter } = await import('../sync-progress.ts');
      process.exitCode = await withEngine(
        program,
        parts,
        { source: options.source, onboarding: true },
        async (ctx, sources) => {
          const progress = createProgressReporter({
            tty: process.stderr.isTTY === true && !options.json,
            write: (line) => process.stderr.write(`${line}\n`),
          });
          const reports = [];
          try {
            for (const source of sources) {
              reports.push(
                await runFullSync(ctx, source, {
                  trigger: 'cli',
                  onProgress: (p) => progress.update(source, p),
                }),
              );
              progress.stop();
            }
          } finally {
            progress.stop();
          }
          console.log(
            options.json ? JSON.stringify(reports, null, 2) : reports.map(renderReport).join('\n\n'),
          );
          return worstExit(reports.map(exitCodeFor));
        },
      );
    });
}

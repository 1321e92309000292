import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('undo')
    .description(
      'take back what a run applied: reactivate, recreate, restore values, deactivate who it created (through the guard)',
    )
    .argument('<run-id>', 'the run to undo (see `kratos-sync runs`)')
    .option('--dry-run', 'print the undo plan and change nothing')
    .option('--json', 'print the plan (and the undo run) as JSON')
    .addHelpText(
      'after',
      '\nPeople changed again since the run are skipped with the reason. Without undo.key only states are\n' +
        'restored. Exit codes: 0 done, 1 failed, 3 done with people skipped or failed, 4 deactivations held\n' +
        'for `kratos-sync approve <undo-run-id>`.',
    )
    .action(async (runId: string, options: { dryRun?: boolean; json?: boolean }) => {
      const { userInfo } = await import('node:os');
      const { undoRun } = await import('../../sync/run-undo.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { exitCodeFor } = await import('../render-run.ts');
      const { renderUndo, undoJson } = await import('../render-undo.ts');
      const { EXIT } = await import('../exit-codes.ts');
      process.exitCode = await withEngine(program, parts, { source: [] }, async (ctx) => {
        const outcome = await undoRun(ctx, runId, {
          dryRun: options.dryRun === true,
          by: `cli:${safeUser(userInfo)}`,
        });
        console.log(options.json ? JSON.stringify(undoJson(outcome), null, 2) : renderUndo(outcome));
        if (!outcome.report) return outcome.plan.skipped.length ? EXIT.partial : EXIT.ok;
        return exitCodeFor(outcome.report);
      });
    });
}

function safeUser(userInfo: () => { username: string }): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

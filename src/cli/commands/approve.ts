import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('approve')
    .description(
      "apply a run's held removals (each re-checked against Kratos and the source first); approving twice does nothing",
    )
    .argument('<run-id>', 'the held run (see `kratos-sync runs`)')
    .option('--json', 'print the outcome as JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const { approveRun } = await import('../../sync/approve.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { renderDecision } = await import('../render-decision.ts');
      // Every source is opened: each held person is read again from the run's source before removal.
      process.exitCode = await withEngine(program, parts, { source: undefined }, async (ctx) =>
        renderDecision(await approveRun(ctx, runId), options.json === true),
      );
    });
}

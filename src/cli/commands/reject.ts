import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('reject')
    .description("discard a run's held removals: nothing is applied and the run ends `rejected`")
    .argument('<run-id>', 'the held run (see `kratos-sync runs`)')
    .option('--json', 'print the outcome as JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const { rejectRun } = await import('../../sync/approve.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { renderDecision } = await import('../render-decision.ts');
      process.exitCode = await withEngine(program, parts, { source: [] }, async (ctx) =>
        renderDecision(await rejectRun(ctx, runId), options.json === true),
      );
    });
}

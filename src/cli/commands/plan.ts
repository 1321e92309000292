import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('plan')
    .description('dry run: show what a sync would change and why, changing nothing in Kratos or Redis')
    .option('-s, --source <name>', 'only this source (default: every configured source)')
    .option('--json', 'print the reports (each with its plan) as a JSON array')
    .action(async (options: { source?: string; json?: boolean }) => {
      // Loaded here, not at the top: `kratos-sync --help` must not load the engine.
      const { runFullSync } = await import('../../sync/run-full-sync.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { exitCodeFor, renderPlan, renderReport, worstExit } = await import('../render-run.ts');
      process.exitCode = await withEngine(
        program,
        parts,
        { source: options.source },
        async (ctx, sources) => {
          const reports = [];
          for (const source of sources)
            reports.push(await runFullSync(ctx, source, { dryRun: true, trigger: 'cli' }));
          if (options.json) {
            console.log(JSON.stringify(reports, null, 2));
          } else {
            for (const report of reports) {
              const { plan = [], ...rest } = report;
              console.log(renderReport(rest));
              console.log(renderPlan(plan));
            }
          }
          return worstExit(reports.map(exitCodeFor));
        },
      );
    });
}

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  program
    .command('runs')
    .description("recent runs and their outcome, or one run's full report (with --plan / --audit)")
    .argument('[run-id]', 'show this run in full')
    .option('-s, --source <name>', 'only runs of this source')
    .option('-n, --limit <n>', 'how many runs to list', positiveInt, 20)
    .option('--plan', "with a run id: also show the run's plan")
    .option('--audit', 'with a run id: also show the changes it applied (audit trail)')
    .option('--json', 'print JSON')
    .action(
      async (
        runId: string | undefined,
        options: { source?: string; limit: number; plan?: boolean; audit?: boolean; json?: boolean },
      ) => {
        const { readAuditForRun } = await import('../../store/audit-store.ts');
        const { isRunId } = await import('../../store/run-id.ts');
        const { createRunStore } = await import('../../store/run-store.ts');
        const { withState } = await import('../engine-session.ts');
        const { renderAudit, renderPlan, renderReport, renderRunList } = await import('../render-run.ts');
        process.exitCode = await withState(program, async ({ config, redis }) => {
          const prefix = config.redis.prefix;
          const runs = createRunStore(redis, prefix);
          if (!runId) {
            const list = await runs.list({
              ...(options.source ? { source: options.source } : {}),
              limit: options.limit,
            });
            console.log(options.json ? JSON.stringify(list, null, 2) : renderRunList(list));
            return EXIT.ok;
          }
          const report = isRunId(runId) ? await runs.get(runId) : null;
          if (!report) {
            console.error(`kratos-sync: no run with id "${runId}" (see \`kratos-sync runs\`)`);
            return EXIT.failure;
          }
          const plan = options.plan ? await runs.readPlan(runId, { limit: 100_000 }) : undefined;
          const audit = options.audit ? await readAuditForRun(redis, prefix, report) : undefined;
          if (options.json) {
            console.log(
              JSON.stringify(
                { ...report, ...(plan ? { plan: plan.entries } : {}), ...(audit ? { audit } : {}) },
                null,
                2,
              ),
            );
            return EXIT.ok;
          }
          console.log(renderReport(report));
          if (plan) console.log(renderPlan(plan.entries, plan.total));
          if (audit) console.log(renderAudit(audit));
          return EXIT.ok;
        });
      },
    );
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

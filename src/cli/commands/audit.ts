import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  program
    .command('audit')
    .description('the audit trail: changes kratos-sync applied (field names, never values), newest first')
    .option('-s, --source <name>', 'this source (default: every configured source)')
    .option('-p, --person <key>', "one person's changes (their key in the source, e.g. an employee id)")
    .option('-n, --limit <n>', 'how many entries', positiveInt, 50)
    .option('--json', 'print JSON')
    .action(async (options: { source?: string; person?: string; limit: number; json?: boolean }) => {
      const { readAuditForPerson, readRecentAudit } = await import('../../store/audit-store.ts');
      const { selectSources, withState } = await import('../engine-session.ts');
      const { renderAudit } = await import('../render-run.ts');
      process.exitCode = await withState(program, async ({ config, redis }) => {
        const entries = [];
        for (const source of selectSources(config, options.source)) {
          entries.push(
            ...(options.person
              ? await readAuditForPerson(redis, config.redis.prefix, source, options.person, options.limit)
              : await readRecentAudit(redis, config.redis.prefix, source, options.limit)),
          );
        }
        entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
        const shown = entries.slice(0, options.limit);
        console.log(options.json ? JSON.stringify(shown, null, 2) : renderAudit(shown));
        return EXIT.ok;
      });
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('reindex')
    .description(
      'rebuild the marker index (which identities each source owns) from Kratos, e.g. after Redis was ' +
        'flushed or restored from an older backup; changes nothing in Kratos',
    )
    .option('-s, --source <name>', 'only this source (default: every configured source)')
    .option('--json', 'print the results as JSON')
    .action(async (options: { source?: string; json?: boolean }) => {
      const { reindexSources } = await import('../../sync/reindex.ts');
      const { withEngine } = await import('../engine-session.ts');
      const { EXIT } = await import('../exit-codes.ts');
      process.exitCode = await withEngine(
        program,
        parts,
        { source: options.source },
        async (ctx, sources) => {
          const results = await reindexSources(ctx, sources);
          console.log(
            options.json
              ? JSON.stringify(results, null, 2)
              : results
                  .map(
                    (r) =>
                      `${r.source}: ${r.indexed} identities indexed, ${r.dropped} stale entries dropped ` +
                      `(${r.listed} listed, ${r.read} read by id)`,
                  )
                  .join('\n'),
          );
          return EXIT.ok;
        },
      );
    });
}

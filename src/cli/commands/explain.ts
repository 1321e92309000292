import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('explain')
    .description(
      'everything about one person: source record (mapped), scope/quarantine, matched identity and why, what a sync would do, audit, jobs, held run, invite, offboarding',
    )
    .argument('<key-or-email>', 'the person key in the source, or their email')
    .option('-s, --source <name>', 'only this source (default: every configured source)')
    .option('--json', 'print JSON')
    .action(async (input: string, options: { source?: string; json?: boolean }) => {
      const { explainCommand } = await import('../explain-command.ts');
      process.exitCode = await explainCommand(program, parts, input, options);
    });
}

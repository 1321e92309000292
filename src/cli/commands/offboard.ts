import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';
import type { OffboardOptions } from '../offboard-command.ts';

export function register(program: Command, parts: CliParts): void {
  program
    .command('offboard')
    .description(
      'offboarding runbook: deactivate these people, revoke every session, verify, and print a receipt ' +
        '(exit 3 when anyone could not be offboarded)',
    )
    .option('--ids <ids...>', 'Kratos identity ids or person keys of the source (comma or space separated)')
    .option('--emails <emails...>', 'email addresses (comma or space separated)')
    .option(
      '--file <csv>',
      'CSV with a header: id/identity_id/key/employee_id and/or email; optional reason, left_at',
    )
    .option('--source <name>', 'source whose people these are (default: the only configured source)')
    .option('--reason <text>', 'reason recorded on each receipt', 'offboarding runbook')
    .option('--delete-now', 'delete each identity once its access is verifiably gone')
    .option('--json-out <file>', 'write the full receipt as JSON to this file')
    .option(
      '--inline',
      'run the jobs in this process (own queue) instead of waiting for `kratos-sync worker`',
    )
    .option('--timeout <duration>', 'give up waiting after this long (jobs keep running)', '30m')
    .action(async (options: OffboardOptions) => {
      const { offboardCommand } = await import('../offboard-command.ts');
      process.exitCode = await offboardCommand(program.opts<{ config: string }>().config, parts, options);
    });
}

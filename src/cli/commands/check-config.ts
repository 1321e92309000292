import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';

export function register(program: Command): void {
  program
    .command('check-config')
    .description(
      'validate the configuration file and environment, and print the effective config (secrets redacted)',
    )
    .action(() => {
      const { config } = loadConfig({ file: program.opts<{ config: string }>().config });
      console.log(JSON.stringify(config, null, 2));
    });
}

import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { REDACTED_TEXT } from '../../config/secret.ts';

export function register(program: Command): void {
  program
    .command('check-config')
    .description(
      'validate the configuration file and environment, and print the effective config (secrets redacted)',
    )
    .action(() => {
      const { config } = loadConfig({ file: program.opts<{ config: string }>().config });
      // Secret options print as [redacted] by type; URL userinfo is scrubbed on the way out like all CLI
      // output. `kratos.headers` is not meant for secrets, but a gateway key is what people put there.
      const headers = Object.fromEntries(
        Object.keys(config.kratos.headers).map((name) => [name, REDACTED_TEXT]),
      );
      console.log(JSON.stringify({ ...config, kratos: { ...config.kratos, headers } }, null, 2));
    });
}

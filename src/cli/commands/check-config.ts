import type { Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  program
    .command('check-config')
    .description(
      'validate the configuration file and environment, and print the effective config (secrets redacted)',
    )
    .option(
      '--probe',
      'also connect to Kratos and to each source, read one record and print the identity it would become (writes nothing)',
    )
    .action(async (options: { probe?: boolean }) => {
      const { loadConfig } = await import('../../config/load.ts');
      const { REDACTED_TEXT } = await import('../../config/secret.ts');
      const { config, baseDir } = loadConfig({ file: program.opts<{ config: string }>().config });
      if (options.probe) {
        process.exitCode = await probe(config, baseDir);
        return;
      }
      // Secret options print as [redacted] by type; URL userinfo is scrubbed on the way out like all CLI
      // output. `kratos.headers` is not meant for secrets, but a gateway key is what people put there.
      const headers = Object.fromEntries(
        Object.keys(config.kratos.headers).map((name) => [name, REDACTED_TEXT]),
      );
      console.log(JSON.stringify({ ...config, kratos: { ...config.kratos, headers } }, null, 2));
    });
}

/** `--probe`: the effective config is valid; now see it work against the real systems, read-only. */
async function probe(config: Config, baseDir: string): Promise<number> {
  const { probeSources, renderProbe, probeOk } = await import('../probe-sources.ts');
  const { cliLogger } = await import('../engine-session.ts');
  const report = await probeSources(config, { baseDir, logger: cliLogger(config) });
  console.log(renderProbe(report));
  return probeOk(report) ? EXIT.ok : EXIT.failure;
}

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.ts';
import type { CliParts } from './cli-parts.ts';
import { EXIT } from './exit-codes.ts';

/**
 * Each command lives in `./commands/<name>.ts` and exports `register(program, parts)`, `parts` being what
 * app/ hands the commands (opening the engine, starting the worker: app/cli-parts.ts). Commands set
 * `process.exitCode` in their action. Every command module is loaded to build the program (so `--help`
 * lists them all), which is why a command module imports only commander and light modules at the top, and
 * loads what its action needs with `await import()` inside the action (test/cli/help-startup.test.ts).
 */

export async function buildProgram(parts: CliParts): Promise<Command> {
  const program = new Command('kratos-sync')
    .description('Keep Ory Kratos identities in step with your HR or CRM system.')
    .option(
      '-c, --config <file>',
      'configuration file (YAML)',
      process.env.KRATOS_SYNC_CONFIG ?? 'kratos-sync.yaml',
    )
    .showHelpAfterError()
    .exitOverride();
  const { commandLoaders } = await import('./commands/index.ts');
  for (const load of commandLoaders) (await load()).register(program, parts);
  return program;
}

export async function runCli(argv: string[], parts: CliParts): Promise<number> {
  const program = await buildProgram(parts);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return EXIT.usage;
    }
    console.error(`kratos-sync: ${(err as Error).message}`);
    return EXIT.failure;
  }
}

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.ts';
import { EXIT } from './exit-codes.ts';

/**
 * Each command lives in `./commands/<name>.ts` and exports `register(program)`. Commands set
 * `process.exitCode` in their action. Every command module is loaded to build the program (so `--help`
 * lists them all), which is why a command module imports only commander and light modules at the top, and
 * loads what its action needs with `await import()` inside the action (test/cli/help-startup.test.ts).
 */

export async function buildProgram(): Promise<Command> {
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
  for (const load of commandLoaders) (await load()).register(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram();
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

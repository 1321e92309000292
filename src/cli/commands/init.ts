import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { PRESET_NAMES, type PresetName } from '../../config/sections/presets/names.ts';
import { EXIT } from '../exit-codes.ts';
import { starterConfig } from '../starters/starter-config.ts';

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented starter configuration (credentials read from environment variables)')
    .addOption(
      new Option(
        '--preset <name>',
        'the HR or CRM system to start from (default: a generic REST API)',
      ).choices(PRESET_NAMES),
    )
    .option('--out <file>', 'write to this file (default: print); an existing file is not overwritten')
    .action((options: { preset?: PresetName; out?: string }) => {
      const text = starterConfig(options.preset);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        // `wx`: never overwrite a config someone already edited.
        writeFileSync(options.out, text, { flag: 'wx', mode: 0o644 });
      } catch (err) {
        const exists = (err as { code?: string }).code === 'EEXIST';
        console.error(
          exists
            ? `kratos-sync init: ${options.out} already exists; choose another --out or remove it first`
            : `kratos-sync init: cannot write ${options.out}: ${(err as Error).message}`,
        );
        process.exitCode = EXIT.usage;
        return;
      }
      console.error(
        `wrote ${options.out}; next: set the environment variables it names, then kratos-sync check-config`,
      );
    });
}

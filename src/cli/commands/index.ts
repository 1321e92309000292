import type { Command } from 'commander';

/** Every CLI command, one module each (loaded lazily so `--help` stays fast). */
export const commandLoaders: Array<() => Promise<{ register(program: Command): void }>> = [
  () => import('./check-config.ts'),
  () => import('./offboard.ts'),
];

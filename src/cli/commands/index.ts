import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';

/**
 * Every CLI command, one module each. `--help` loads them all, so each imports only light modules at the top
 * and loads what its action needs inside the action (see program.ts).
 */
export const commandLoaders: Array<() => Promise<{ register(program: Command, parts: CliParts): void }>> = [
  () => import('./check-config.ts'),
  () => import('./init.ts'),
  () => import('./worker.ts'),
  () => import('./failed.ts'),
  () => import('./plan.ts'),
  () => import('./sync.ts'),
  () => import('./approve.ts'),
  () => import('./reject.ts'),
  () => import('./runs.ts'),
  () => import('./audit.ts'),
  () => import('./offboard.ts'),
  () => import('./reindex.ts'),
  () => import('./undo.ts'),
  () => import('./explain.ts'),
];

import type { Command } from 'commander';
import type { CliParts } from '../cli-parts.ts';
import { WORKER_ROLES, type WorkerRole } from '../../queue/worker-roles.ts';
import { EXIT } from '../exit-codes.ts';

/**
 * `kratos-sync worker --role worker,scheduler,http`: runs until SIGTERM or SIGINT, then shuts down
 * gracefully (stops taking jobs, lets active ones finish within `queue.shutdownTimeout`, returns the rest
 * to the queue, closes connections) and exits 0. A second signal exits at once.
 */
export function register(program: Command, parts: CliParts): void {
  program
    .command('worker')
    .description(
      'run queue workers, the scheduler and/or the HTTP server (webhooks, health, metrics, dashboard)',
    )
    .option('--role <roles>', `comma-separated roles: ${WORKER_ROLES.join(', ')}`, WORKER_ROLES.join(','))
    .option('--name <name>', 'replica name shown in job records and Redis client lists')
    .action(async (options: { role: string; name?: string }) => {
      const roles = parseRoles(options.role);
      const { loadConfig } = await import('../../config/load.ts');
      const { createLogger } = await import('../../log/logger.ts');
      const { config, baseDir } = loadConfig({ file: program.opts<{ config: string }>().config });
      const logger = createLogger({ level: config.log.level });
      const running = await parts.startWorker({
        config,
        baseDir,
        roles,
        logger,
        ...(options.name ? { name: options.name } : {}),
      });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info({ signal }, 'shutting down');
      const again = () => {
        logger.warn('second signal: exiting without waiting');
        process.exit(EXIT.failure);
      };
      process.once('SIGTERM', again);
      process.once('SIGINT', again);
      await running.close();
      logger.info('stopped');
      logger.flush();
      process.exitCode = EXIT.ok;
      // Everything is closed; a handler abandoned at the shutdown timeout may still hold a socket open.
      // Its job is already back in the queue, so do not wait for it.
      setTimeout(() => process.exit(EXIT.ok), 2_000).unref();
    });
}

function parseRoles(text: string): Set<WorkerRole> {
  const roles = new Set<WorkerRole>();
  for (const part of text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)) {
    if (!(WORKER_ROLES as readonly string[]).includes(part)) {
      throw new Error(`--role: unknown role "${part}" (expected some of ${WORKER_ROLES.join(', ')})`);
    }
    roles.add(part as WorkerRole);
  }
  if (roles.size === 0) throw new Error(`--role: give at least one of ${WORKER_ROLES.join(', ')}`);
  return roles;
}

import type { CliParts } from '../cli/cli-parts.ts';

/**
 * The parts app/ hands the CLI's commands. Each loads its modules when a command calls it (the engine,
 * BullMQ, fastify…), so `kratos-sync --help` and the commands that need none of them stay fast.
 */
export const cliParts: CliParts = {
  openEngine: async (options) => (await import('./cli-engine.ts')).openCliEngine(options),
  openOffboardSession: async (options) =>
    (await import('./offboard-session.ts')).openOffboardSession(options),
  startWorker: async (options) => (await import('./worker-process.ts')).startWorkerProcess(options),
  openQueue: async (options) => (await import('./cli-queue.ts')).openCliQueue(options),
};

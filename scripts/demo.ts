/**
 * The demo (README's first command): a local redis-server on a free port, the Kratos simulator, and the
 * sample HR export in config/demo synced twice — "day 1" (the initial import, with a bad record and a
 * leaver) and "day 2" (a move, a termination, a fixed record, a new hire). It drives the real CLI
 * (`plan`, `sync`, `runs`) and a real worker for onboarding; only Kratos is simulated.
 *
 * `--kratos-api <profile>` (or `DEMO_KRATOS_API`) picks the Kratos release the simulator imitates: v26
 * (default), v25.4, v1 (v1.3.1), v1.0 (v1.0.0) or v0.10.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { API_PROFILES, type ApiProfile, startKratosSim } from '../test/kratos-sim/index.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { cliParts } from '../src/app/cli-parts.ts';
import { runCli } from '../src/cli/program.ts';
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/log/logger.ts';
import { QUEUE_NAME } from '../src/queue/runtime-keys.ts';
import { startWorkerProcess } from '../src/app/worker-process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demoData = path.join(root, 'config', 'demo');
const work = path.join(root, '.demo');

function banner(text: string): void {
  console.log(`\n\x1b[1m━━ ${text} ${'━'.repeat(Math.max(0, 100 - text.length))}\x1b[0m`);
}

async function cli(...args: string[]): Promise<number> {
  console.log(`\x1b[2m$ kratos-sync ${args.join(' ')}\x1b[0m`);
  return await runCli(
    ['node', 'kratos-sync', '--config', path.join(work, 'kratos-sync.yaml'), ...args],
    cliParts,
  );
}

/**
 * What `kratos-sync worker` does in production, for as long as the queue has work: the syncs above enqueued
 * one onboarding job per new hire, and a worker delivers their invites (here to the dev outbox).
 */
async function runWorkerUntilIdle(): Promise<void> {
  const { config, baseDir } = loadConfig({ file: path.join(work, 'kratos-sync.yaml') });
  const worker = await startWorkerProcess({
    config,
    baseDir,
    roles: new Set(['worker']),
    logger: createLogger({ level: 'warn' }),
    name: 'demo-worker',
  });
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection, prefix: config.redis.prefix });
  try {
    const deadline = Date.now() + 60_000;
    let idleChecks = 0;
    while (idleChecks < 3 && Date.now() < deadline) {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
      idleChecks = Object.values(counts).every((n) => n === 0) ? idleChecks + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await queue.close();
    connection.disconnect();
    await worker.close();
  }
}

function countInvites(): number {
  try {
    return readdirSync(path.join(work, 'outbox')).length;
  } catch {
    return 0;
  }
}

/** The Kratos release to imitate, from `--kratos-api` or `DEMO_KRATOS_API`; exits 2 on an unknown one. */
function kratosProfile(): ApiProfile {
  const { values } = parseArgs({ options: { 'kratos-api': { type: 'string' } } });
  const chosen = values['kratos-api'] ?? process.env.DEMO_KRATOS_API ?? 'v26';
  const profile = API_PROFILES.find((p) => p === chosen);
  if (!profile) {
    console.error(`demo: --kratos-api must be one of ${API_PROFILES.join(', ')}, got "${chosen}"`);
    process.exit(2);
  }
  return profile;
}

async function main(): Promise<void> {
  const api = kratosProfile();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  banner('Starting a local Redis and the Kratos simulator');
  const redis = await startRedisServer({ dir: path.join(work, 'redis') });
  const employeeSchema = JSON.parse(
    readFileSync(path.join(demoData, 'employee.schema.json'), 'utf8'),
  ) as object;
  const kratos = await startKratosSim({ api, schemas: { employee: employeeSchema } });
  console.log(
    `redis-server ${redis.url} · Kratos (simulated, ${kratos.profile.version} API) ${kratos.adminUrl}`,
  );

  try {
    // The demo config, pointed at this run's Redis, Kratos and working copy of the export.
    type DemoConfig = {
      kratos: Record<string, unknown>;
      redis: Record<string, unknown>;
      sources: { hr: { connection: Record<string, unknown> } };
      delivery: { outbox: Record<string, unknown> };
      log?: Record<string, unknown>;
    };
    const config = parseYaml(readFileSync(path.join(demoData, 'kratos-sync.yaml'), 'utf8')) as DemoConfig;
    config.kratos.adminUrl = kratos.adminUrl;
    config.kratos.publicUrl = kratos.publicUrl;
    config.redis.url = redis.url;
    config.sources.hr.connection.path = path.join(work, 'hr-export.csv');
    config.delivery.outbox.dir = path.join(work, 'outbox');
    config.log = { level: 'warn' };
    writeFileSync(path.join(work, 'kratos-sync.yaml'), stringifyYaml(config));

    banner('Day 1: the first import — plan (dry run), then sync');
    copyFileSync(path.join(demoData, 'hr-export.csv'), path.join(work, 'hr-export.csv'));
    await cli('plan');
    const day1 = await cli('sync');
    console.log(`exit code ${day1} (3 = done, with quarantined records)`);
    console.log("\nA worker delivers the new hires' invites (recovery links, here into the dev outbox) …");
    await runWorkerUntilIdle();
    console.log(`${countInvites()} invite(s) in .demo/outbox`);

    banner('Day 2: a move, a leaver, a fixed record and a new hire');
    copyFileSync(path.join(demoData, 'hr-export-next-day.csv'), path.join(work, 'hr-export.csv'));
    await cli('plan');
    await cli('sync');
    await runWorkerUntilIdle();
    console.log(`${countInvites()} invite(s) in .demo/outbox (one more for each new hire, none twice)`);

    banner('Day 2 again: nothing changed, so nothing is written');
    await cli('sync');

    banner('Recent runs');
    await cli('runs');

    banner('Onboarding');
    console.log(
      `${countInvites()} invite(s) in .demo/outbox (the dev outbox channel; links are never logged).`,
    );
    const stats = kratos.stats();
    console.log(
      `Kratos saw ${stats.total} requests; it now holds ${kratos.state.identities.size} identities.`,
    );
  } finally {
    await kratos.stop();
    await redis.stop();
  }
  console.log('\nDone. Everything the demo wrote is in .demo/ (config, export, outbox).');
}

await main();

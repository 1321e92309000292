import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { stringify } from 'yaml';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { csvOf, sourceSection, type Person } from '../sync/engine-harness.ts';
import { CLI_PACKAGE_BIN, spawnCli, type CliResult } from './spawn-cli.ts';

/** A config file over a fresh simulator and a prefix of its own in the test Redis; the CLI spawned for real. */
export interface CliHarness {
  sim: KratosSim;
  dir: string;
  prefix: string;
  config: string;
  redis: Redis;
  writePeople(list: readonly Person[]): void;
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  release(): Promise<void>;
}

export async function startCliHarness(options: {
  api?: 'v26' | 'v0.10';
  people: readonly Person[];
  extra?: Record<string, unknown>;
  source?: Record<string, unknown>;
}): Promise<CliHarness> {
  const sim = await startKratosSim({ api: options.api ?? 'v26' });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cli-'));
  const prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
  const config = path.join(dir, 'kratos-sync.yaml');
  writeFileSync(
    config,
    stringify({
      kratos: { adminUrl: sim.adminUrl, retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 } },
      redis: { url: inject('redisUrl'), prefix },
      sources: { hr: sourceSection(options.source) },
      ...options.extra,
    }),
  );
  const writePeople = (list: readonly Person[]) => writeFileSync(path.join(dir, 'people.csv'), csvOf(list));
  writePeople(options.people);
  const redis = new Redis(inject('redisUrl'));
  return {
    sim,
    dir,
    prefix,
    config,
    redis,
    writePeople,
    run: (args, env = {}) =>
      spawnCli(['--config', config, ...args], { LOG_LEVEL: 'warn', ...env }, CLI_PACKAGE_BIN),
    async release() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

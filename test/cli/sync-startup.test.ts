import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { csvOf, people, simIdentitiesByKey } from '../sync/engine-harness.ts';
import { deleteKeys } from '../support/delete-keys.ts';
import { cliConfigYaml } from './cli-config.ts';

const BIN = path.resolve(import.meta.dirname, '../../src/app/bin.ts');
const RECORDER = path.resolve(import.meta.dirname, 'fixtures/record-loaded-modules.mjs');

/**
 * What a `sync` of a CSV source loads before and while it talks to Kratos: only what it uses. The Kratos
 * client talks through Node's own http agents (no undici, no `node:http2`); the HTTP sources load undici
 * with their first request; node-cron loads only for a
 * configured schedule and the progress bar only on a terminal.
 */
describe('kratos-sync sync start-up (spawned from source, against the simulator and a real Redis)', () => {
  let sim: KratosSim;
  let dir: string;
  let config: string;
  let prefix: string;
  const redis = new Redis(inject('redisUrl'));

  beforeAll(async () => {
    sim = await startKratosSim({ api: 'v26' });
    dir = mkdtempSync(path.join(tmpdir(), 'ks-sync-startup-'));
    prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
    config = path.join(dir, 'kratos-sync.yaml');
    writeFileSync(path.join(dir, 'people.csv'), csvOf(people(3)));
    writeFileSync(config, cliConfigYaml({ kratos: { adminUrl: sim.adminUrl }, prefix }));
  });

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates everyone without loading undici, node:http2, node-cron or the progress bar', async () => {
    const out = path.join(dir, 'loaded.txt');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', RECORDER, BIN, '--config', config, 'sync'], {
        env: { ...process.env, KS_LOADED_MODULES_OUT: out, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stderr }));
    });
    expect(code, stderr).toBe(0);
    expect(simIdentitiesByKey(sim).size).toBe(3);
    const loaded = readFileSync(out, 'utf8').split('\n');
    const under = (folder: string) => loaded.filter((url) => url.includes(`/node_modules/${folder}`));
    // The Kratos client talks through Node's http (the run above created everyone through it): no part of
    // undici, nor the HTTP/2 client undici loads.
    expect(under('undici/')).toEqual([]);
    expect(loaded).not.toContain('node:http2');
    expect(under('node-cron/')).toEqual([]);
    expect(under('cli-progress/')).toEqual([]);
  }, 60_000);
});

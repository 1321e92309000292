import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { csvOf, people, person, simIdentitiesByKey } from '../sync/engine-harness.ts';
import { deleteKeys } from '../support/delete-keys.ts';
import { cliConfigYaml } from './cli-config.ts';
import { spawnCli } from './spawn-cli.ts';

const cli = (configFile: string, args: string[]) =>
  spawnCli(['--config', configFile, ...args], { LOG_LEVEL: 'warn' });

// Every step spawns the real CLI (a fresh Node process each time), so the file gets a generous time budget.
describe(
  'engine CLI commands (spawned, against the simulator and a real Redis)',
  { timeout: 240_000 },
  () => {
    let sim: KratosSim;
    let dir: string;
    let config: string;
    let prefix: string;
    const redis = new Redis(inject('redisUrl'));
    const write = (list: Parameters<typeof csvOf>[0]) =>
      writeFileSync(path.join(dir, 'people.csv'), csvOf(list));

    beforeAll(async () => {
      sim = await startKratosSim({ api: 'v26' });
      dir = mkdtempSync(path.join(tmpdir(), 'ks-cli-'));
      prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
      config = path.join(dir, 'kratos-sync.yaml');
      writeFileSync(
        config,
        cliConfigYaml({
          kratos: { adminUrl: sim.adminUrl, retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 } },
          prefix,
          source: { guard: { maxRemoveFraction: 0.3, maxRemoveCount: 100, maxSourceShrink: 0.9 } },
        }),
      );
      write(people(6));
    });

    afterAll(async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('plan shows what would change and changes nothing', async () => {
      const table = await cli(config, ['plan']);
      expect(table.code).toBe(EXIT.ok);
      expect(table.stdout).toContain('DRY RUN');
      expect(table.stdout).toMatch(/create\s+│\s+E00001/);
      expect(table.stdout).toContain('new in the source');

      const json = await cli(config, ['plan', '--json']);
      expect(json.code).toBe(EXIT.ok);
      const [report] = JSON.parse(json.stdout) as Array<{
        dryRun: boolean;
        plan: Array<{ kind: string; key: string }>;
      }>;
      expect(report!.dryRun).toBe(true);
      expect(report!.plan.map((a) => a.key)).toEqual([
        'E00001',
        'E00002',
        'E00003',
        'E00004',
        'E00005',
        'E00006',
      ]);
      expect(sim.state.identities.size).toBe(0);
      expect(await redis.keys(`${prefix}:run:*`)).toEqual([]);
    });

    it('sync applies, reports progress on stderr, and a second sync changes nothing', async () => {
      const first = await cli(config, ['sync']);
      expect(first.code).toBe(EXIT.ok);
      expect(first.stdout).toContain('status COMPLETED');
      expect(first.stderr).toMatch(/hr: (applying|reading the source)/);
      expect(simIdentitiesByKey(sim).size).toBe(6);

      const second = await cli(config, ['sync', '--json']);
      expect(second.code).toBe(EXIT.ok);
      const [report] = JSON.parse(second.stdout) as Array<{
        unchanged: number;
        counts: object;
        status: string;
      }>;
      expect(report).toMatchObject({ unchanged: 6, counts: {}, status: 'completed' });
    });

    it('exits "partial" when a record is quarantined, naming the record and the field', async () => {
      write([...people(6), person(7, { email: 'nope' })]);
      const result = await cli(config, ['sync']);
      expect(result.code).toBe(EXIT.partial);
      expect(result.stdout).toContain('Quarantined records (1)');
      expect(result.stdout).toMatch(/E00007 \[traits\.email\]/);
      expect(result.stdout).not.toContain('nope');
    });

    it('exits "held" on a mass removal; approve applies it once, runs and audit show it', async () => {
      write(people(2));
      const held = await cli(config, ['sync', '--json']);
      expect(held.code).toBe(EXIT.held);
      const [report] = JSON.parse(held.stdout) as Array<{
        id: string;
        status: string;
        guard: { held: number };
      }>;
      expect(report).toMatchObject({ status: 'held', guard: { held: 4 } });
      expect([...sim.state.identities.values()].every((i) => i.state === 'active')).toBe(true);

      const list = await cli(config, ['runs', '--source', 'hr', '--limit', '2']);
      expect(list.code).toBe(EXIT.ok);
      expect(list.stdout).toContain(report!.id);
      expect(list.stdout).toContain('held');

      const approved = await cli(config, ['approve', report!.id]);
      expect(approved.code).toBe(EXIT.ok);
      expect(approved.stdout).toContain('approved: 4 applied, 0 failed, 0 skipped; status completed');
      const byKey = simIdentitiesByKey(sim);
      expect(['E00003', 'E00004', 'E00005', 'E00006'].map((k) => byKey.get(k)?.state)).toEqual(
        Array(4).fill('inactive'),
      );

      const again = await cli(config, ['approve', report!.id]);
      expect(again.code).toBe(EXIT.ok);
      expect(again.stdout).toContain('is not waiting for a decision (status completed)');

      const shown = await cli(config, ['runs', report!.id, '--audit', '--json']);
      const full = JSON.parse(shown.stdout) as {
        status: string;
        audit: Array<{ key: string; action: string }>;
      };
      expect(full.status).toBe('completed');
      expect(full.audit.map((e) => `${e.action}:${e.key}`).sort()).toEqual(
        ['E00003', 'E00004', 'E00005', 'E00006'].map((k) => `deactivate:${k}`),
      );
      const audit = await cli(config, ['audit', '--person', 'E00004', '--json']);
      const entries = JSON.parse(audit.stdout) as Array<{ action: string }>;
      expect(entries.map((e) => e.action)).toEqual(['deactivate', 'create']);
    });

    it('reject leaves a held run unapplied', async () => {
      write(people(6));
      await cli(config, ['sync']); // the four come back (reactivated)
      write(people(1)); // five of six leave: over the guard (an empty export would not count as complete)
      const held = await cli(config, ['sync', '--json']);
      expect(held.code).toBe(EXIT.held);
      const [report] = JSON.parse(held.stdout) as Array<{ id: string }>;
      const rejected = await cli(config, ['reject', report!.id]);
      expect(rejected.code).toBe(EXIT.ok);
      expect(rejected.stdout).toContain('rejected');
      expect([...sim.state.identities.values()].filter((i) => i.state === 'active')).toHaveLength(6);
    });

    it('reindex rebuilds a lost marker index from Kratos', async () => {
      const owned = [...simIdentitiesByKey(sim).values()].length;
      await redis.del(`${prefix}:markers:hr:by-id`, `${prefix}:markers:hr:by-key`);
      const rebuilt = await cli(config, ['reindex', '--source', 'hr']);
      expect(rebuilt.code).toBe(EXIT.ok);
      expect(rebuilt.stdout).toContain(`hr: ${owned} identities indexed, 0 stale entries dropped`);
      expect(await redis.hlen(`${prefix}:markers:hr:by-id`)).toBe(owned);
      const usage = await cli(config, ['reindex', '--source', 'crm']);
      expect(usage.code).toBe(EXIT.usage);
    });

    it('answers bad usage with exit 2 and an unknown run with exit 1', async () => {
      const source = await cli(config, ['sync', '--source', 'crm']);
      expect(source.code).toBe(EXIT.usage);
      expect(source.stderr).toContain('--source crm: no such source in the config (configured: hr)');
      const run = await cli(config, ['runs', '20990101T000000000Z-abcdef']);
      expect(run.code).toBe(EXIT.failure);
      expect(run.stderr).toContain('no run with id');
    });
  },
);

import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { startWorkerProcess, type WorkerProcess } from '../../src/app/worker-process.ts';
import { runCliProcess, writeConfig } from './support/cli.ts';
import {
  captureLogger,
  createManagedIdentity,
  mintSession,
  startHarness,
  whoamiStatus,
  type Harness,
} from './support/harness.ts';
import { findLeaks, simSecrets } from './support/secret-scan.ts';

describe('kratos-sync offboard with `kratos-sync worker` doing the work', () => {
  let h: Harness;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await worker?.close();
    await h.close();
  });

  it('enqueues on the shared queue, the worker runs the jobs, the command prints the receipt', async () => {
    h = await startHarness({ api: 'v26', redisUrl: inject('redisUrl') });
    const people = [
      await createManagedIdentity(h.kratos, { key: 'Q1' }),
      await createManagedIdentity(h.kratos, { key: 'Q2' }),
    ];
    const tokens = await Promise.all(people.map((p) => mintSession(h.sim, p.id)));
    const file = writeConfig({ adminUrl: h.sim.adminUrl, redisUrl: inject('redisUrl'), prefix: h.prefix });
    const { config } = loadConfig({ file, env: {} });
    const { logger, lines } = captureLogger();
    worker = await startWorkerProcess({
      config,
      baseDir: path.dirname(file),
      roles: new Set(['worker']),
      logger,
    });

    const result = await runCliProcess(['-c', file, 'offboard', '--ids', 'Q1', 'Q2', '--timeout', '60s']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 of 2 offboarded');
    for (const token of tokens) expect(await whoamiStatus(h.sim, token)).toBe(401);
    expect(result.stdout).toMatch(/Q1.*offboarded.*yes/);
    expect(
      findLeaks([result.stdout, result.stderr, lines.join('')], [...tokens, ...simSecrets(h.sim)]),
    ).toEqual([]);
    // Plain progress lines when stdout is not a terminal, the last one saying everyone is done, once.
    expect(result.stdout.match(/offboarding: 2\/2 done, 0 failed/g)).toHaveLength(1);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SyncError } from '../../src/errors/catalogue.ts';
import { createCatalogue, defineJob } from '../../src/queue/job-definition.ts';
import { writeConfigFile } from '../jobs/process-harness.ts';
import { sourceSection } from '../sync/engine-harness.ts';
import { createTestRuntime, waitFor, type TestRuntime } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../src/app/bin.ts', import.meta.url));
const run = promisify(execFile);

const jobs = createCatalogue([
  defineJob<null>()({
    name: 'person.sync',
    schema: z.strictObject({ source: z.string(), key: z.string(), receivedAt: z.string() }),
    options: { attempts: 3, backoff: { baseMs: 10, maxMs: 10 } },
    async handle({ payload }) {
      throw new SyncError(
        'SYNC_ERR_RECORD_INVALID',
        `record ${payload.key}: traits.email: must match format "email"`,
      );
    },
  }),
]);

let runtime: TestRuntime<typeof jobs> | undefined;
let dir: string | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function cli(configFile: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--config', configFile, 'failed', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kratos-sync failed list | retry', () => {
  it('lists failed jobs with their reason and attempts, and puts them back with fresh attempts', async () => {
    const rt = (runtime = createTestRuntime({ catalogue: jobs, deps: null }));
    const worker = rt.startWorker();
    const ids = [];
    for (const key of ['E1', 'E2', 'E3']) {
      ids.push(await rt.queue.add('person.sync', { source: 'hr', key, receivedAt: '2026-11-27T09:00:00Z' }));
    }
    await waitFor('three failed jobs', async () => (await rt.queue.queue.getFailedCount()) === 3);
    await worker.close(1_000);
    dir = mkdtempSync(path.join(tmpdir(), 'ks-failed-'));
    const configFile = writeConfigFile(dir, {
      kratos: { adminUrl: 'http://127.0.0.1:9' },
      redis: { url: rt.redisUrl, prefix: rt.prefix },
      sources: { hr: sourceSection() },
    });

    const list = await cli(configFile, 'list', '--json');
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.subject).sort()).toEqual(['E1', 'E2', 'E3']);
    expect(rows[0]).toMatchObject({
      name: 'person.sync',
      source: 'hr',
      attemptsMade: 1,
      failedReason: expect.stringMatching(
        /^SYNC_ERR_RECORD_INVALID: record E\d: traits\.email: must match format "email"$/,
      ),
      failedAt: expect.any(String),
    });
    const table = await cli(configFile, 'list');
    expect(table.stdout).toContain('SYNC_ERR_RECORD_INVALID');
    expect(table.stdout).toContain('person / run');

    const one = await cli(configFile, 'retry', ids[0]!);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`retried 1 job(s): ${ids[0]}`);
    expect(await rt.queue.queue.getJobState(ids[0]!)).toBe('waiting');

    const unknown = await cli(configFile, 'retry', 'no-such-job', ids[0]!);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('job no-such-job: not found');
    expect(unknown.stderr).toContain(`job ${ids[0]}: not failed, left as it is`);

    const all = await cli(configFile, 'retry', '--all');
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('retried 2 job(s)');
    expect(await rt.queue.queue.getFailedCount()).toBe(0);
    const retried = await rt.queue.queue.getJob(ids[1]!);
    expect(await retried!.getState()).toBe('waiting');

    const none = await cli(configFile, 'retry');
    expect(none.code).toBe(2);
    expect((await cli(configFile, 'list')).stdout).toContain('no failed jobs');
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { enqueueFullSync } from '../../../jobs/enqueue.ts';
import { QUEUE_NAME } from '../../../src/queue/runtime-keys.ts';
import { createRunStore } from '../../../src/store/run-store.ts';
import type { RunReport } from '../../../src/domain/run-report.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** A folder with a kratos-sync config (CSV source `hr`) for worker child processes. */
export interface ClusterConfig {
  dir: string;
  file: string;
  prefix: string;
  csvPath: string;
}

export function writeClusterConfig(options: {
  adminUrl: string;
  redisUrl: string;
  prefix: string;
  smtpPort?: number;
  queue?: Record<string, unknown>;
  kratos?: Record<string, unknown>;
  /** Replaces parts of source `hr` (connection, webhook, …). */
  source?: Record<string, unknown>;
  http?: Record<string, unknown>;
}): ClusterConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-resilience-'));
  const csvPath = path.join(dir, 'people.csv');
  writeFileSync(csvPath, 'employee_id,first_name,last_name,work_email,department,status,updated_at\n');
  const config = {
    kratos: {
      adminUrl: options.adminUrl,
      publicUrl: options.adminUrl,
      apiVersion: 'v26',
      timeoutMs: 3_000,
      retry: { retries: 6, minDelayMs: 20, maxDelayMs: 500 },
      ...options.kratos,
    },
    redis: { url: options.redisUrl, prefix: options.prefix },
    sources: {
      hr: {
        connection: { type: 'csv', path: 'people.csv' },
        mapping: {
          key: 'employee_id',
          externalId: '"hr-" & employee_id',
          schemaId: '"employee"',
          traits:
            '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
          version: 'updated_at',
        },
        leaver: { policy: 'deactivate', when: 'status = "terminated"' },
        guard: { maxRemoveFraction: 1, maxRemoveCount: 1_000_000 },
        ...(options.smtpPort ? { onboarding: { enabled: true, channel: 'smtp', method: 'link' } } : {}),
        ...options.source,
      },
    },
    ...(options.smtpPort
      ? {
          delivery: {
            smtp: { host: '127.0.0.1', port: options.smtpPort, secure: false, from: 'IT <it@example.com>' },
          },
        }
      : {}),
    // A killed worker's jobs come back after about lockDuration.
    queue: {
      concurrency: 8,
      lockDuration: '2s',
      applyChunkSize: 100,
      shutdownTimeout: '2s',
      ...options.queue,
    },
    ...(options.http ? { http: options.http } : {}),
    log: { level: 'warn' },
  };
  const file = path.join(dir, 'kratos-sync.yaml');
  writeFileSync(file, stringify(config));
  return { dir, file, prefix: options.prefix, csvPath };
}

/** `kratos-sync worker --role worker` children that can be SIGKILLed and replaced. */
export class WorkerCluster {
  readonly #config: ClusterConfig;
  readonly #children = new Set<ChildProcess>();
  #started = 0;
  killed = 0;

  constructor(config: ClusterConfig) {
    this.#config = config;
  }

  get alive(): ChildProcess[] {
    return [...this.#children];
  }

  start(count = 1, role = 'worker'): void {
    for (let i = 0; i < count; i++) {
      const n = ++this.#started;
      const log = createWriteStream(path.join(this.#config.dir, `worker-${n}.log`));
      const child = spawn(
        process.execPath,
        [
          path.join(REPO, 'src/app/bin.ts'),
          '-c',
          this.#config.file,
          'worker',
          '--role',
          role,
          '--name',
          `w${n}`,
        ],
        { cwd: REPO, env: { ...process.env, KRATOS_SYNC_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      this.#children.add(child);
      child.once('exit', () => this.#children.delete(child));
    }
  }

  /** SIGKILL one living worker (chosen by `random`) and wait until it is gone. */
  async killOne(random: () => number): Promise<void> {
    const alive = this.alive;
    if (alive.length === 0) return;
    const victim = alive[Math.floor(random() * alive.length)]!;
    const gone = new Promise<void>((resolve) => victim.once('exit', () => resolve()));
    victim.kill('SIGKILL');
    await gone;
    this.killed++;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.alive.map((child) => {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        return gone;
      }),
    );
  }
}

/** Producer side for the test: enqueue full syncs, see the queue drain, read run reports. */
export class ClusterControl {
  readonly queue: Queue;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
    this.queue.on('error', () => {}); // a Redis outage is expected in some tests; calls still fail loudly
  }

  async enqueueFullSync(): Promise<string> {
    return await enqueueFullSync(this.queue, { source: 'hr', trigger: 'cli', now: new Date() });
  }

  /**
   * Jobs not finished yet (waiting, active, waiting for children, prioritized, and delayed ones due within
   * the hour). Activation checks wait `onboarding.reissueAfter` (a day by default): they are tomorrow's
   * work, not this round's — `promoteDelayed` brings them forward.
   */
  async pending(): Promise<number> {
    const key = (list: string) => `${this.#prefix}:${QUEUE_NAME}:${list}`;
    // One transaction: read one after the other, a job moving between them (delayed → waiting when due,
    // active → delayed on a retry) could be in neither when each is read, and the queue would look drained.
    const results = await this.#redis
      .multi()
      .llen(key('wait'))
      .llen(key('paused'))
      .llen(key('active'))
      .zcard(key('waiting-children'))
      .zcard(key('prioritized'))
      // BullMQ scores a delayed job `due time (ms) * 0x1000 + counter`.
      .zcount(key('delayed'), 0, (Date.now() + 3_600_000) * 0x1000)
      .exec();
    if (!results) throw new Error('the count transaction did not run');
    return results.reduce((sum, [err, count]) => {
      if (err) throw err;
      return sum + Number(count);
    }, 0);
  }

  /** Time passes for the queue: every delayed job of this name is due now. Returns how many. */
  async promoteDelayed(name: string): Promise<number> {
    const jobs = (await this.queue.getDelayed(0, -1)).filter((job) => job.name === name);
    for (const job of jobs) await job.promote();
    return jobs.length;
  }

  async failedJobs(): Promise<Array<{ name: string; reason: string }>> {
    const jobs = await this.queue.getFailed(0, 50);
    return jobs.map((job) => ({ name: job.name, reason: job.failedReason }));
  }

  async runs(): Promise<RunReport[]> {
    return await createRunStore(this.#redis, this.#prefix).list({ source: 'hr', limit: 50 });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Poll `check` until it returns a truthy value; fail after `timeoutMs` saying what was awaited. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | false | null | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A small seeded generator (mulberry32), so a failing round can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { buildContext } from '../../src/app/build-context.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { SyncContext, SyncHooks } from '../../src/sync/context.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { deleteKeys } from '../support/delete-keys.ts';

/** One person of the fixture HR export. */
export interface Person {
  id: string;
  first: string;
  last: string;
  email: string;
  department?: string;
  status?: 'active' | 'terminated' | 'contractor';
  updated?: string;
}

export function person(n: number, overrides: Partial<Person> = {}): Person {
  const id = `E${String(n).padStart(5, '0')}`;
  return {
    id,
    first: `First${n}`,
    last: `Last${n}`,
    email: `person${n}@example.com`,
    department: 'Engineering',
    ...overrides,
  };
}

export function people(count: number, from = 1): Person[] {
  return Array.from({ length: count }, (_, i) => person(from + i));
}

const HEADER = 'employee_id,first_name,last_name,work_email,department,status,updated_at';

export function csvOf(list: readonly Person[], extraLines: string[] = []): string {
  const rows = list.map((p) =>
    [
      p.id,
      p.first,
      p.last,
      p.email,
      p.department ?? '',
      p.status ?? 'active',
      p.updated ?? '2026-01-01T00:00:00Z',
    ].join(','),
  );
  return [HEADER, ...rows, ...extraLines].join('\n') + '\n';
}

/** The people as an HR API's JSON records, with the field names the CSV has and the mapping reads. */
export const asHrApiRecord = (p: Person) => ({
  employee_id: p.id,
  first_name: p.first,
  last_name: p.last,
  work_email: p.email,
  department: p.department ?? '',
  status: p.status ?? 'active',
  updated_at: p.updated ?? '2026-01-01T00:00:00Z',
});

/** The source section every engine test starts from (the demo's mapping, trimmed). */
export function sourceSection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connection: { type: 'csv', path: 'people.csv' },
    mapping: {
      key: 'employee_id',
      scope: 'status != "contractor"',
      externalId: '"hr-" & employee_id',
      schemaId: '"employee"',
      traits:
        '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
      metadataAdmin: '{ "department_code": $uppercase(department) }',
      version: 'updated_at',
    },
    leaver: { policy: 'deactivate', when: 'status = "terminated"' },
    guard: { maxRemoveFraction: 0.5, maxRemoveCount: 100 },
    ...overrides,
  };
}

/**
 * Every simulator profile the engine is proven against: today's line (v26, and v25.4 which differs only in
 * what the client never relies on), v1.3 (`v1`), v1.0.0 and v0.10. Integration tests run on each.
 */
export const PROFILES = ['v26', 'v25.4', 'v1', 'v1.0', 'v0.10'] as const;
export type ApiProfile = (typeof PROFILES)[number];

export interface HarnessOptions {
  api: ApiProfile;
  people: readonly Person[];
  source?: Record<string, unknown>;
  kratos?: Record<string, unknown>;
  /** Start of the injected clock. @defaultValue 2026-11-27T08:00:00Z */
  start?: string;
  hooks?: SyncHooks;
  /** Point the client somewhere else than the simulator (e.g. a lossy proxy in front of it). */
  adminUrl?: (simUrl: string) => Promise<string> | string;
  /** Extra top-level config sections (e.g. `notify`, `delivery`, `http`). */
  config?: Record<string, unknown>;
}

export interface Harness {
  ctx: SyncContext;
  sim: KratosSim;
  dir: string;
  prefix: string;
  redis: Redis;
  /** The injected clock: tests move it explicitly. */
  clock: { now: Date; advanceDays(days: number): void };
  writePeople(list: readonly Person[], extraLines?: string[]): void;
  /** Writes (POST/PUT/PATCH/DELETE) the simulator received, by route, since the last `resetStats`. */
  writes(): Record<string, number>;
  release(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const sim = await startKratosSim({ api: options.api });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-engine-'));
  const prefix = `{ks-test-${randomBytes(6).toString('hex')}}`;
  const writePeople = (list: readonly Person[], extraLines: string[] = []) =>
    writeFileSync(path.join(dir, 'people.csv'), csvOf(list, extraLines));
  writePeople(options.people);
  const adminUrl = options.adminUrl ? await options.adminUrl(sim.adminUrl) : sim.adminUrl;
  const { config } = loadConfig({
    env: {},
    object: {
      kratos: {
        adminUrl,
        timeoutMs: 2_000,
        retry: { retries: 2, minDelayMs: 5, maxDelayMs: 20 },
        ...options.kratos,
      },
      redis: { url: inject('redisUrl'), prefix },
      sources: { hr: sourceSection(options.source) },
      ...options.config,
    },
  });
  const redis = new Redis(inject('redisUrl'));
  const clock = {
    now: new Date(options.start ?? '2026-11-27T08:00:00Z'),
    advanceDays(days: number) {
      clock.now = new Date(clock.now.getTime() + days * 86_400_000);
    },
  };
  try {
    const built = await buildContext({
      config,
      baseDir: dir,
      logger: silentLogger(),
      now: () => clock.now,
      redis,
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    const { ctx } = built;
    return {
      ctx,
      sim,
      dir,
      prefix,
      redis,
      clock,
      writePeople,
      writes: () => writesOf(sim),
      async release() {
        await built.release();
        await deleteKeys(redis, prefix);
        redis.disconnect();
        await sim.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    redis.disconnect();
    await sim.stop();
    throw err;
  }
}

export function writesOf(sim: KratosSim): Record<string, number> {
  const writes: Record<string, number> = {};
  for (const [route, byStatus] of Object.entries(sim.stats().requests)) {
    if (!/^(POST|PUT|PATCH|DELETE) /.test(route)) continue;
    writes[route] = Object.values(byStatus).reduce((a, b) => a + b, 0);
  }
  return writes;
}

/** Identities in the simulator, by the person key in their marker (only ours). */
export function simIdentitiesByKey(
  sim: KratosSim,
): Map<string, { id: string; state: string; traits: Record<string, unknown> }> {
  const byKey = new Map<string, { id: string; state: string; traits: Record<string, unknown> }>();
  for (const identity of sim.state.identities.values()) {
    const marker = (identity.metadata_admin as Record<string, { key?: string }> | null | undefined)
      ?.kratos_sync;
    if (marker?.key) byKey.set(marker.key, identity as never);
  }
  return byKey;
}

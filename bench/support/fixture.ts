import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { buildContext, type BuiltContext } from '../../src/app/build-context.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { deleteKeys } from '../../test/support/delete-keys.ts';

/**
 * The people benchmarks sync: a CSV export as an HR system writes it, mapped with the engine tests' mapping
 * (employee schema, external id `hr-<id>`, version `updated_at`) — the same data for kratos-sync and for
 * its baseline.
 */
export const CSV_HEADER = 'employee_id,first_name,last_name,work_email,department,status,updated_at';

export interface PeopleOptions {
  /** First person number. @defaultValue 1 */
  from?: number;
  /** Every `changedEvery`-th person has moved department (a newer `updated_at`). */
  changedEvery?: number;
  /** Every `leaverEvery`-th person is terminated. */
  leaverEvery?: number;
}

export function personKey(n: number): string {
  return `E${String(n).padStart(6, '0')}`;
}

export function personRow(n: number, options: PeopleOptions = {}): string {
  const changed = options.changedEvery !== undefined && n % options.changedEvery === 0;
  const leaver = options.leaverEvery !== undefined && n % options.leaverEvery === 0;
  return [
    personKey(n),
    `First${n}`,
    `Last${n}`,
    `person${n}@example.com`,
    changed ? 'Sales' : 'Engineering',
    leaver ? 'terminated' : 'active',
    changed || leaver ? '2026-02-01T00:00:00Z' : '2026-01-01T00:00:00Z',
  ].join(',');
}

export function peopleCsv(count: number, options: PeopleOptions = {}): string {
  const from = options.from ?? 1;
  const rows = [CSV_HEADER];
  for (let n = from; n < from + count; n++) rows.push(personRow(n, options));
  return rows.join('\n') + '\n';
}

/** What the baseline sends for person n: the same identity kratos-sync creates, minus its marker. */
export function baselineBody(n: number) {
  return {
    schema_id: 'employee',
    external_id: `hr-${personKey(n)}`,
    traits: {
      email: `person${n}@example.com`,
      name: { first: `First${n}`, last: `Last${n}` },
      department: 'Engineering',
    },
    metadata_admin: { department_code: 'ENGINEERING' },
  };
}

export function sourceSection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connection: { type: 'csv', path: 'people.csv' },
    mapping: {
      key: 'employee_id',
      externalId: '"hr-" & employee_id',
      schemaId: '"employee"',
      traits:
        '{ "email": $lowercase(work_email), "name": { "first": first_name, "last": last_name }, "department": department }',
      metadataAdmin: '{ "department_code": $uppercase(department) }',
      version: 'updated_at',
    },
    leaver: { policy: 'deactivate', when: 'status = "terminated"' },
    // Benchmarks change people on purpose; the removal guard is the engine tests' business.
    guard: { maxRemoveFraction: 1, maxRemoveCount: 1_000_000 },
    ...overrides,
  };
}

/** Where one benchmark keeps its state across phase processes: a CSV folder and a Redis key prefix. */
export interface Workspace {
  dir: string;
  prefix: string;
  redisUrl: string;
}

export function newWorkspace(redisUrl: string): Workspace {
  return {
    dir: mkdtempSync(path.join(tmpdir(), 'ks-bench-')),
    prefix: `{ks-bench-${randomBytes(4).toString('hex')}}`,
    redisUrl,
  };
}

export function writePeople(workspace: Workspace, csv: string): void {
  writeFileSync(path.join(workspace.dir, 'people.csv'), csv);
}

export async function removeWorkspace(workspace: Workspace): Promise<void> {
  const redis = new Redis(workspace.redisUrl);
  try {
    await deleteKeys(redis, workspace.prefix);
  } finally {
    redis.disconnect();
  }
  rmSync(workspace.dir, { recursive: true, force: true });
}

/**
 * A config file for the real CLI (`kratos-sync -c <file>`): the workspace's people.csv as source `hr`, its
 * Redis prefix, Kratos at `adminUrl` (v26). Returns the file's path.
 */
export function writeCliConfig(workspace: Workspace, adminUrl: string, logLevel: 'warn' | 'silent'): string {
  const file = path.join(workspace.dir, 'kratos-sync.yaml');
  writeFileSync(
    file,
    stringify({
      kratos: { adminUrl, apiVersion: 'v26' },
      redis: { url: workspace.redisUrl, prefix: workspace.prefix },
      sources: {
        hr: sourceSection({ connection: { type: 'csv', path: path.join(workspace.dir, 'people.csv') } }),
      },
      log: { level: logLevel },
    }),
  );
  return file;
}

export interface SyncConfigOptions {
  adminUrl: string;
  kratos?: Record<string, unknown>;
  source?: Record<string, unknown>;
  /** Other top-level config sections (delivery, queue, http). */
  extra?: Record<string, unknown>;
}

export function syncConfig(workspace: Workspace, options: SyncConfigOptions): Config {
  return loadConfig({
    env: {},
    object: {
      kratos: { adminUrl: options.adminUrl, apiVersion: 'v26', ...options.kratos },
      redis: { url: workspace.redisUrl, prefix: workspace.prefix },
      sources: { hr: sourceSection(options.source) },
      log: { level: 'silent' },
      ...options.extra,
    },
  }).config;
}

export interface SyncSetup extends BuiltContext {
  config: Config;
  redis: Redis;
}

/** A kratos-sync engine context for the workspace (the same one `kratos-sync sync` builds). */
export async function setUpSync(workspace: Workspace, options: SyncConfigOptions): Promise<SyncSetup> {
  const config = syncConfig(workspace, options);
  const redis = new Redis(workspace.redisUrl);
  const built = await buildContext({ config, baseDir: workspace.dir, logger: silentLogger(), redis });
  return {
    ...built,
    config,
    redis,
    async release() {
      await built.release();
      redis.disconnect();
    },
  };
}

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { silentLogger, type Logger } from '../../src/log/logger.ts';
import type { SyncHooks } from '../../src/sync/context.ts';
import { startWorkerProcess, type WorkerProcess } from '../../src/app/worker-process.ts';
import { startKratosSim, type KratosSim } from '../kratos-sim/index.ts';
import { uniquePrefix } from '../queue/helpers.ts';
import { deleteKeys } from '../support/delete-keys.ts';

export const EXAMPLE_CONFIG = path.resolve('config/examples/scim-inbound.yaml');
export const EXAMPLE_SCHEMA = path.resolve('config/examples/scim-inbound.schema.json');
export const OKTA_TOKEN = 'okta-token-0123456789abcdef0123456789abcdef';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

export interface ScimReply {
  status: number;
  headers: Headers;
  body: any;
}

export interface ScimHarness {
  sim: KratosSim;
  /** The loaded configuration the worker runs with. */
  config: Config;
  worker: WorkerProcess;
  redis: Redis;
  prefix: string;
  /** `http://127.0.0.1:<port>/scim/v2` */
  base: string;
  scim(method: string, url: string, body?: unknown, token?: string | null): Promise<ScimReply>;
  /** Our identities in the simulator by SCIM id (the marker's key). */
  identities(): Map<
    string,
    { id: string; state: string; traits: any; metadata_public: any; external_id?: string }
  >;
  release(): Promise<void>;
}

export interface ScimHarnessOptions {
  api: 'v26' | 'v0.10';
  /** Changes to the example's `sources.directory` section (deep-merged one level). */
  source?: Record<string, unknown>;
  connection?: Record<string, unknown>;
  hooks?: SyncHooks;
  logger?: Logger;
  kratos?: Record<string, unknown>;
  roles?: Array<'worker' | 'http'>;
  latencyMs?: number;
  /** Faults the simulator starts with (e.g. Ory Network's in-flight rule). */
  simFaults?: Record<string, unknown>;
  /** Top-level config sections merged over the example's (e.g. `http.auth` for the console). */
  config?: Record<string, Record<string, unknown>>;
}

/**
 * The shipped example (`config/examples/scim-inbound.yaml` with its identity schema) run for real: the
 * Kratos simulator serving the example schema, real Redis, and `kratos-sync worker --role worker,http`
 * in-process, listening on a free port given through `HTTP_PORT`.
 */
export async function startScimHarness(options: ScimHarnessOptions): Promise<ScimHarness> {
  const schema = JSON.parse(readFileSync(EXAMPLE_SCHEMA, 'utf8')) as object;
  const sim = await startKratosSim({
    api: options.api,
    schemas: { 'scim-user': schema },
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.simFaults ? { initialFaults: options.simFaults } : {}),
  });
  const prefix = uniquePrefix();
  const raw = parseYaml(readFileSync(EXAMPLE_CONFIG, 'utf8')) as any;
  raw.redis.prefix = prefix;
  raw.http.host = '127.0.0.1';
  raw.log = { level: 'silent' };
  raw.kratos = {
    ...raw.kratos,
    timeoutMs: 3_000,
    retry: { retries: 1, minDelayMs: 5, maxDelayMs: 20 },
    ...options.kratos,
  };
  raw.queue = { concurrency: 4, lockDuration: '5s', shutdownTimeout: '5s' };
  for (const [section, value] of Object.entries(options.config ?? {}))
    raw[section] = { ...raw[section], ...value };
  const directory = raw.sources.directory;
  Object.assign(directory, options.source);
  Object.assign(directory.connection, options.connection);
  const { config } = loadConfig({
    object: raw,
    env: {
      SCIM_TOKEN: OKTA_TOKEN,
      KRATOS_ADMIN_URL: sim.adminUrl,
      REDIS_URL: inject('redisUrl'),
      HTTP_PORT: '0',
    },
  });
  const redis = new Redis(inject('redisUrl'));
  let worker: WorkerProcess;
  try {
    worker = await startWorkerProcess({
      config,
      baseDir: path.dirname(EXAMPLE_CONFIG),
      roles: new Set(options.roles ?? ['worker', 'http']),
      logger: options.logger ?? silentLogger(),
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
  } catch (err) {
    redis.disconnect();
    await sim.stop();
    throw err;
  }
  const port = (worker.http!.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/scim/v2`;
  return {
    sim,
    config,
    worker,
    redis,
    prefix,
    base,
    async scim(method, url, body, token = OKTA_TOKEN) {
      const response = await fetch(url.startsWith('http') ? url : `${base}${url}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': SCIM_CONTENT_TYPE }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        /* not JSON: the test sees the text */
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    identities() {
      const byKey = new Map<string, any>();
      for (const identity of sim.state.identities.values()) {
        const marker = (identity.metadata_admin as any)?.kratos_sync;
        if (marker?.key) byKey.set(marker.key, identity);
      }
      return byKey;
    },
    async release() {
      await worker.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sim.stop();
    },
  };
}

import { createHmac } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import { silentLogger, type Logger } from '../../../src/log/logger.ts';
import { createSource } from '../../../src/sources/create-source.ts';
import { SourceError, type Source } from '../../../src/sources/types.ts';
import type { SyncFullResult } from '../../../jobs/sync-full.ts';
import { startRuntimeHarness, type RuntimeHarness } from '../../jobs/runtime-harness.ts';
import { waitFor } from '../../queue/helpers.ts';
import { dumpRedis } from '../../lifecycle/support/secret-scan.ts';
import { simIdentitiesByKey } from '../../sync/engine-harness.ts';
import { presetSourceConfig } from './preset-config.ts';

/**
 * A preset source end to end: the real queue runtime (worker + HTTP roles) on real Redis, the Kratos
 * simulator, and the vendor's fake as the source. The source section is the preset's alone: no mapping or
 * leaver rules of the test's, so the preset's defaults are what is tested.
 */
export async function startPresetRuntime(
  source: {
    connection: Record<string, unknown>;
    webhook?: Record<string, unknown>;
    mapping?: Record<string, unknown>;
  },
  options: { logger?: Logger } = {},
): Promise<RuntimeHarness & { replica: Awaited<ReturnType<RuntimeHarness['startReplica']>> }> {
  const harness = await startRuntimeHarness({
    people: [],
    ...(options.logger ? { logger: options.logger } : {}),
    source: {
      connection: source.connection,
      mapping: source.mapping,
      leaver: undefined,
      guard: { maxRemoveFraction: 1, maxRemoveCount: 1000 },
      ...(source.webhook ? { webhook: source.webhook } : {}),
    },
  });
  try {
    const replica = await harness.startReplica(['worker', 'http']);
    return Object.assign(harness, { replica });
  } catch (err) {
    await harness.close();
    throw err;
  }
}

/** Runs a full sync through the queue and expects a complete run: nobody quarantined, nothing failed. */
export async function fullSync(harness: RuntimeHarness): Promise<SyncFullResult> {
  const { state, job } = await harness.waitForJob(await harness.enqueueFullSync());
  expect(state, String(job.failedReason)).toBe('completed');
  const result = job.returnvalue as SyncFullResult;
  expect(result).toMatchObject({ status: 'completed', quarantined: 0, failures: 0 });
  return result;
}

/** Kratos as the test compares it: per person key, the identity's state, traits and admin metadata. */
export function kratosState(harness: RuntimeHarness) {
  const out: Record<
    string,
    { state: string; schema_id: string; external_id?: string; traits: unknown; metadata_admin: unknown }
  > = {};
  for (const [key, identity] of simIdentitiesByKey(harness.sim)) {
    const full = harness.sim.state.identities.get(identity.id)!;
    const { kratos_sync: _marker, ...metadataAdmin } = (full.metadata_admin ?? {}) as Record<string, unknown>;
    out[key] = {
      state: full.state,
      schema_id: full.schema_id,
      ...(full.external_id ? { external_id: full.external_id } : {}),
      traits: full.traits,
      metadata_admin: metadataAdmin,
    };
  }
  return out;
}

/** Posts a webhook to the HTTP role and waits until the person jobs it enqueued have finished. */
export async function postWebhook(
  harness: RuntimeHarness & { replica: Awaited<ReturnType<RuntimeHarness['startReplica']>> },
  body: string,
  headers: Record<string, string>,
): Promise<void> {
  const res = await harness.replica.http!.inject({
    method: 'POST',
    url: '/webhooks/hr',
    payload: body,
    headers,
  });
  expect(res.statusCode, res.body).toBe(202);
  const { jobId, jobIds } = res.json<{ jobId: string; jobIds?: string[] }>();
  for (const id of jobIds ?? [jobId]) {
    const { state, job } = await harness.waitForJob(id);
    expect(state, String(job.failedReason)).toBe('completed');
  }
}

export { waitFor };

/**
 * A preset's `connection` section: its credentials, the vendor fake's URL as `baseUrl`, and the `extra`
 * options a test adds or overrides.
 */
export function presetConnection(preset: string, credentials: Record<string, unknown>) {
  return (baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'http-json',
    preset,
    ...credentials,
    baseUrl,
    ...extra,
  });
}

/** A preset source on its own (no Kratos), for the misconfiguration checks. */
export function presetSource(connection: Record<string, unknown>): Source {
  const source = presetSourceConfig(connection);
  return createSource({
    name: 'hr',
    connection: source.connection,
    baseDir: process.cwd(),
    logger: silentLogger(),
    keyOf: (record) =>
      record[source.mapping.key] === undefined ? undefined : String(record[source.mapping.key]),
    retryTiming: { minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 },
  });
}

/** The SourceError a full read ends with. */
export async function readError(source: Source): Promise<SourceError> {
  try {
    for await (const _record of source.stream()) {
      // reading on
    }
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('expected the read to fail');
}

/**
 * Reads a misconfigured preset source and expects it to stop for good (a permanent error, not retried) with
 * a message that says what to fix, and never quotes `secret`.
 */
export async function expectPermanentReadError(
  source: Source,
  message: string,
  secret?: string,
): Promise<void> {
  const error = await readError(source);
  expect(error.transient).toBe(false);
  expect(error.message).toContain(message);
  if (secret !== undefined) expect(error.message).not.toContain(secret);
}

/**
 * Headers of the generic signed-webhook format (`x-timestamp`, `x-signature` = HMAC-SHA256 of
 * `<timestamp>.<body>`, hex), computed here independently of the verifier; with or without its `sha256=` prefix.
 */
export function genericSignedHeaders(
  secret: string,
  body: string,
  options: { prefix: boolean },
): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return {
    'content-type': 'application/json',
    'x-timestamp': String(timestamp),
    'x-signature': options.prefix ? `sha256=${signature}` : signature,
  };
}

/** Things to close after each test of the file, closed in reverse order (register with `push`). */
export function closeAfterEach(): Array<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return closers;
}

/** What the run left behind that a secret could leak into: every Redis value of the test, and the logs. */
export async function writtenText(harness: RuntimeHarness, logs: { text(): string }): Promise<string[]> {
  return [...(await dumpRedis(harness.redis, `${harness.prefix}*`)), logs.text()];
}

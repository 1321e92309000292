import type { Config } from '../config/schema.ts';
import { createKratosClient } from '../kratos/client.ts';
import type { JsonObject } from '../domain/identity.ts';
import type { Logger } from '../log/logger.ts';
import type { SourceRecord } from '../sources/types.ts';
import { buildSourceRuntime } from '../sync/source-runtime.ts';

/** What `check-config --probe` found for one source. */
export type SourceProbe =
  | { source: string; status: 'mapped'; key: string; identity: JsonObject; leaver: boolean }
  | { source: string; status: 'out-of-scope' | 'empty' | 'push-only'; key?: string }
  | { source: string; status: 'quarantined'; key: string; reason: string }
  | { source: string; status: 'failed'; reason: string };

export interface ProbeReport {
  kratos: { ok: true; api: string; schemas: string[] } | { ok: false; reason: string };
  sources: SourceProbe[];
}

/**
 * Connects to Kratos (its read-only start-up probes and `GET /schemas`) and to each source, reads the
 * first record and maps it as a sync would — without Redis, and without a single write anywhere.
 */
export async function probeSources(
  config: Config,
  options: { baseDir: string; logger: Logger; now?: () => Date },
): Promise<ProbeReport> {
  const now = options.now ?? (() => new Date());
  let kratos;
  try {
    // A check answers soon: one retry, not the minutes of backoff a sync would wait through.
    const retry = { ...config.kratos.retry, retries: Math.min(1, config.kratos.retry.retries) };
    kratos = await createKratosClient({ config: { ...config.kratos, retry }, logger: options.logger });
  } catch (err) {
    return {
      kratos: { ok: false, reason: (err as Error).message },
      sources: Object.keys(config.sources).map((source) => ({
        source,
        status: 'failed',
        reason: 'not probed: Kratos is needed to check the mapping against its identity schemas',
      })),
    };
  }
  try {
    const schemas = new Map<string, JsonObject>();
    for (const summary of await kratos.listIdentitySchemas()) schemas.set(summary.id, summary.schema);
    const sources: SourceProbe[] = [];
    for (const name of Object.keys(config.sources)) {
      sources.push(await probeSource(config, name, schemas, { ...options, now }));
    }
    return {
      kratos: { ok: true, api: kratos.capabilities.generation, schemas: [...schemas.keys()] },
      sources,
    };
  } finally {
    await kratos.close();
  }
}

async function probeSource(
  config: Config,
  name: string,
  schemas: ReadonlyMap<string, JsonObject>,
  options: { baseDir: string; logger: Logger; now: () => Date },
): Promise<SourceProbe> {
  const sourceConfig = config.sources[name]!;
  if (sourceConfig.connection.type === 'scim-inbound') return { source: name, status: 'push-only' };
  try {
    const { source, mapper } = buildSourceRuntime(name, sourceConfig, schemas, options);
    const record = await firstRecord(source.stream());
    if (record === undefined) return { source: name, status: 'empty' };
    const result = await mapper.map(record, 1, options.now());
    if (result.ok === 'out-of-scope') return { source: name, status: 'out-of-scope', key: result.key };
    if (result.ok === false) {
      return {
        source: name,
        status: 'quarantined',
        key: result.quarantine.key,
        reason: result.quarantine.message,
      };
    }
    const { desired } = result;
    return {
      source: name,
      status: 'mapped',
      key: desired.key,
      leaver: desired.leaver,
      identity: {
        ...(desired.externalId === undefined ? {} : { external_id: desired.externalId }),
        schema_id: desired.schemaId,
        state: desired.state,
        traits: desired.traits,
        metadata_public: desired.metadataPublic,
        metadata_admin: desired.metadataAdmin,
      },
    };
  } catch (err) {
    return { source: name, status: 'failed', reason: (err as Error).message };
  }
}

/** The first record of a stream; leaving the loop ends the read (no more pages are fetched). */
async function firstRecord(records: AsyncIterable<SourceRecord>): Promise<SourceRecord | undefined> {
  for await (const record of records) return record;
  return undefined;
}

/** The report as the CLI prints it (the caller's console scrubs secrets and control characters). */
export function renderProbe(report: ProbeReport): string {
  const lines = [
    report.kratos.ok
      ? `kratos: reachable (${report.kratos.api}); identity schemas: ${report.kratos.schemas.join(', ') || 'none'}`
      : `kratos: FAILED: ${report.kratos.reason}`,
  ];
  for (const probe of report.sources) {
    const head = `source ${probe.source}:`;
    switch (probe.status) {
      case 'mapped':
        lines.push(
          `${head} read record ${probe.key}; it would become${probe.leaver ? ' (a leaver)' : ''}:`,
          JSON.stringify(probe.identity, null, 2),
        );
        break;
      case 'out-of-scope':
        lines.push(`${head} read record ${probe.key}; it is out of scope (mapping.scope), so not in Kratos`);
        break;
      case 'empty':
        lines.push(`${head} reachable, but it has no records`);
        break;
      case 'push-only':
        lines.push(`${head} scim-inbound: the directory pushes to us; nothing to read`);
        break;
      case 'quarantined':
        lines.push(`${head} read record ${probe.key}; it would be quarantined: ${probe.reason}`);
        break;
      case 'failed':
        lines.push(`${head} FAILED: ${probe.reason}`);
        break;
    }
  }
  lines.push('nothing was written.');
  return lines.join('\n');
}

/** Whether everything the probe tried worked. */
export function probeOk(report: ProbeReport): boolean {
  return report.kratos.ok && report.sources.every((s) => s.status !== 'failed');
}

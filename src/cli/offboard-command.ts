import { readFileSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { scrubSecrets } from '../config/secret.ts';
import { parseDurationMs } from '../config/sections/secret-option.ts';
import {
  newRunbookId,
  startRunbook,
  waitForRunbook,
  type RunbookPerson,
} from '../lifecycle/offboard-runbook.ts';
import { progressReporter, receiptTable, summaryLine } from '../lifecycle/runbook-console.ts';
import { entriesFromCsv, entriesFromLists, type RunbookInput } from '../lifecycle/runbook-input.ts';
import { rowsFor, summarise } from '../lifecycle/runbook-report.ts';
import { resolvePeople } from '../lifecycle/resolve-people.ts';
import { createLogger } from '../log/logger.ts';
import { createMarkerIndex } from '../store/marker-index.ts';
import { createReceiptStore } from '../store/receipt-store.ts';
import type { CliParts } from './cli-parts.ts';
import { EXIT } from './exit-codes.ts';

export interface OffboardOptions {
  ids?: string[];
  emails?: string[];
  file?: string;
  source?: string;
  reason: string;
  deleteNow?: boolean;
  jsonOut?: string;
  inline?: boolean;
  timeout: string;
}

class UsageError extends Error {
  override name = 'UsageError';
}

/** The action of `kratos-sync offboard` (its options are declared in commands/offboard.ts). */
export async function offboardCommand(
  configFile: string,
  parts: CliParts,
  options: OffboardOptions,
): Promise<number> {
  const { config, baseDir } = loadConfig({ file: configFile });
  try {
    return await runOffboard(config, baseDir, parts, options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`kratos-sync offboard: ${err.message}`);
    return EXIT.usage;
  }
}

function readInput(options: OffboardOptions): RunbookInput {
  const lists = entriesFromLists(options.ids ?? [], options.emails ?? []);
  if (!options.file) {
    if (lists.entries.length === 0)
      throw new UsageError('give the people to offboard: --ids, --emails or --file');
    return lists;
  }
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${options.file}: ${(err as Error).message}`);
  }
  const file = entriesFromCsv(text, options.file);
  return { entries: [...lists.entries, ...file.entries], problems: file.problems };
}

function pickSource(config: Config, requested: string | undefined): string {
  const names = Object.keys(config.sources);
  if (requested) {
    if (!names.includes(requested))
      throw new UsageError(`--source ${requested}: not configured (configured: ${names.join(', ')})`);
    return requested;
  }
  if (names.length !== 1)
    throw new UsageError(`several sources are configured (${names.join(', ')}): choose one with --source`);
  return names[0]!;
}

async function runOffboard(
  config: Config,
  baseDir: string,
  parts: CliParts,
  options: OffboardOptions,
): Promise<number> {
  const source = pickSource(config, options.source);
  const input = readInput(options);
  const timeoutMs = parseDurationMs(options.timeout);
  if (!timeoutMs)
    throw new UsageError(`--timeout ${options.timeout}: expected a duration such as 90s, 15m or 2h`);
  // Logs go to stderr as JSON; stdout carries the progress and the receipt.
  const logger = createLogger({
    level: config.log.level,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  await using session = await parts.openOffboardSession({
    config,
    baseDir,
    logger,
    source,
    inline: options.inline === true,
  });
  const { ctx, connection, queue } = session;
  const prefix = config.redis.prefix;
  const resolutions = await resolvePeople(
    { kratos: ctx.kratos, index: createMarkerIndex(ctx.redis, prefix, source) },
    source,
    input.entries,
  );
  const people: RunbookPerson[] = resolutions.flatMap((r) =>
    r.status === 'resolved' ? [{ entry: r.entry, identityId: r.identityId, key: r.key }] : [],
  );
  const receipts = createReceiptStore({ redis: ctx.redis, prefix });
  const runbookId = newRunbookId(ctx.now());
  const request = { source, people, reason: options.reason, deleteNow: options.deleteNow === true };
  const startedAt = ctx.now();
  const started = await startRunbook(
    { connection, prefix, queueName: queue.name },
    runbookId,
    request,
    startedAt,
  );
  console.log(
    `runbook ${runbookId}: ${people.length} to offboard, ${resolutions.length + input.problems.length - people.length} not resolvable`,
  );
  const progress = progressReporter(process.stdout, people.length);
  const outcomes = await waitForRunbook({ queue, receipts }, started, request, {
    timeoutMs,
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.stop());
  const rows = rowsFor(input.problems, resolutions, outcomes);
  const summary = summarise(rows);
  console.log(receiptTable(rows));
  console.log(summaryLine(summary, runbookId));
  if (options.jsonOut) {
    const document = {
      runbookId,
      source,
      startedAt: startedAt.toISOString(),
      finishedAt: ctx.now().toISOString(),
      summary,
      people: rows,
    };
    // A file an operator keeps and passes on: the same scrubbing as everything stored or shown.
    writeFileSync(options.jsonOut, `${scrubSecrets(JSON.stringify(document, null, 2))}\n`, { mode: 0o600 });
  }
  for (const row of rows.filter((r) => !r.done))
    console.error(`not offboarded: ${row.input || row.origin} (${row.origin}): ${row.why}`);
  return summary.notOffboarded === 0 ? EXIT.ok : EXIT.partial;
}

import type { Command } from 'commander';
import { enqueuePersonSync } from '../../jobs/enqueue.ts';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { sourceSaysLeft } from '../sync/read-person.ts';
import type { CliParts } from './cli-parts.ts';
import { cliLogger, loadCliConfig, withEngine } from './engine-session.ts';
import { EXIT } from './exit-codes.ts';
import { personExitCode, renderPersonOutcome, syncOnePersonNow } from './sync-one-person.ts';

interface Options {
  source?: string;
  person?: string;
  queue?: boolean;
  json?: boolean;
}

/** `sync --person <key> [--source s] [--queue]`: one person now, inline or as a queued person.sync job. */
export async function syncPersonCommand(
  program: Command,
  parts: CliParts,
  options: Options,
): Promise<number> {
  const key = options.person?.trim();
  if (!key) {
    throw new ConfigError(
      options.person === undefined
        ? '--queue needs --person <key>: only one person’s sync can be enqueued'
        : '--person needs a person key (it was empty)',
    );
  }
  const source = personSource(program, options.source);
  if (options.queue) return await enqueueOne(program, parts, source, key, options.json === true);
  return await withEngine(program, parts, { source, onboarding: true }, async (ctx) => {
    const outcome = await syncOnePersonNow(ctx, source, key);
    console.log(options.json ? JSON.stringify(outcome, null, 2) : renderPersonOutcome(outcome));
    return personExitCode(outcome.status);
  });
}

async function enqueueOne(
  program: Command,
  parts: CliParts,
  source: string,
  key: string,
  json: boolean,
): Promise<number> {
  const { config, baseDir } = loadCliConfig(program);
  const logger = cliLogger(config);
  const leaver = await sourceSaysLeftNow(parts, { config, baseDir, logger }, source, key);
  await using jobs = await parts.openQueue({ config, logger });
  const { queue } = jobs;
  const jobId = await enqueuePersonSync(queue, {
    source,
    key,
    receivedAt: new Date().toISOString(),
    ...(leaver ? { leaver } : {}),
  });
  const place = leaver ? ', ahead of ordinary work: the source says they left' : '';
  console.log(
    json
      ? JSON.stringify({ source, key, queued: true, jobId, leaver })
      : `${source}/${key}: queued as job ${jobId}${place} (a worker syncs it; see \`kratos-sync audit --person ${key}\`)`,
  );
  return EXIT.ok;
}

/**
 * Whether the source says the person left (gone from it, or mapped as a leaver), so that the job goes
 * ahead of ordinary work as a webhook's leaver event does. Only the queue order depends on it: when Kratos
 * or the source cannot be reached now, the job is queued as an ordinary one (and waits for them).
 */
async function sourceSaysLeftNow(
  parts: CliParts,
  options: { config: Config; baseDir: string; logger: Logger },
  source: string,
  key: string,
): Promise<boolean> {
  try {
    await using engine = await parts.openEngine({ ...options, only: [source], onboarding: false });
    return await sourceSaysLeft(engine.ctx, source, key);
  } catch (err) {
    options.logger.warn({ err, source }, 'source not read for the queue order; queued as ordinary');
    return false;
  }
}

/** `--source`, or the only configured source; several sources need `--source`. */
function personSource(program: Command, source: string | undefined): string {
  const configured = Object.keys(loadCliConfig(program).config.sources);
  if (source !== undefined) {
    if (!configured.includes(source))
      throw new ConfigError(
        `--source ${source}: no such source in the config (configured: ${configured.join(', ')})`,
      );
    return source;
  }
  if (configured.length === 1) return configured[0]!;
  throw new ConfigError(
    `--person needs --source when several sources are configured (configured: ${configured.join(', ')})`,
  );
}

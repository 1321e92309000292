import type { Command } from 'commander';
import { personJobs } from '../queue/person-jobs.ts';
import { explainPerson, type PersonExplanation } from '../sync/explain-person.ts';
import { resolvePeople } from '../sync/explain-target.ts';
import type { CliParts } from './cli-parts.ts';
import { cliLogger, loadCliConfig, withEngine } from './engine-session.ts';
import { EXIT } from './exit-codes.ts';

/**
 * `explain <key|email> [--source s] [--json]`: reads the source, Kratos and Redis; changes nothing in Kratos
 * or the source (the person's lookup keeps the marker index up to date, as a sync's does: explain-person.ts).
 */
export async function explainCommand(
  program: Command,
  parts: CliParts,
  input: string,
  options: { source?: string; json?: boolean },
): Promise<number> {
  const { config } = loadCliConfig(program);
  await using jobs = await parts.openQueue({ config, logger: cliLogger(config) });
  const { queue } = jobs;
  return await withEngine(program, parts, { source: options.source }, async (ctx, sources) => {
    const runtimes = sources.map((name) => ctx.sources.get(name)!);
    const people = await resolvePeople(ctx, input, runtimes);
    const explained: PersonExplanation[] = [];
    for (const { runtime, key } of people) {
      const one = await explainPerson(ctx, runtime, key, { jobsOf: (s, k) => personJobs(queue, s, k) });
      // With several sources, a key only one of them knows is shown for that one.
      if (people.length > 1 && one.record.outcome === 'absent' && !one.identity && !one.audit.length)
        continue;
      explained.push(one);
    }
    if (explained.length === 0) {
      console.error(`kratos-sync: nobody found for "${input}" in ${sources.join(', ')}`);
      return EXIT.failure;
    }
    // The CLI's console scrubs secrets and escapes control characters (terminal-output.ts).
    console.log(
      options.json ? JSON.stringify(explained, null, 2) : explained.map(renderExplanation).join('\n\n'),
    );
    return EXIT.ok;
  });
}

export function renderExplanation(e: PersonExplanation): string {
  const lines = [`${e.source}/${e.key}`];
  const r = e.record;
  if (r.outcome === 'mapped') {
    const d = r.desired;
    lines.push(`  source record: mapped${d.leaver ? ' — says the person has LEFT' : ''}`);
    lines.push(`    traits          ${JSON.stringify(d.traits)}`);
    if (d.metadataPublic) lines.push(`    metadata_public ${JSON.stringify(d.metadataPublic)}`);
    if (d.metadataAdmin) lines.push(`    metadata_admin  ${JSON.stringify(d.metadataAdmin)}`);
    lines.push(
      `    schema ${d.schemaId}, state ${d.state}${d.externalId ? `, external_id ${d.externalId}` : ''}${d.version ? `, version ${d.version}` : ''}`,
    );
  } else if (r.outcome === 'quarantined') {
    const q = r.quarantine;
    lines.push(`  source record: QUARANTINED — ${q.field ? `[${q.field}] ` : ''}${q.rule}: ${q.message}`);
  } else {
    lines.push(`  source record: ${r.outcome} — ${r.reason}`);
  }
  lines.push(
    e.identity
      ? `  identity: ${e.identity.id} (${e.identity.state}, schema ${e.identity.schemaId}${e.identity.externalId ? `, external_id ${e.identity.externalId}` : ''}) — matched by ${e.identity.matchedBy}`
      : '  identity: none found',
  );
  lines.push(
    `  a sync now would: ${e.plan.kind} — ${e.plan.reason}${e.plan.changed?.length ? ` (${e.plan.changed.join(', ')})` : ''}`,
  );
  if (e.heldRun)
    lines.push(`  held: a removal waits in run ${e.heldRun} (kratos-sync approve/reject ${e.heldRun})`);
  if (e.invite)
    lines.push(
      `  invite: ${e.invite.state} (attempt ${e.invite.attempt}${e.invite.sentAt ? `, sent ${e.invite.sentAt}` : ''}${e.invite.lastError ? `, last error ${e.invite.lastError}` : ''})`,
    );
  if (e.offboarding)
    lines.push(
      `  offboarding: ${e.offboarding.outcome}${e.offboarding.deactivatedAt ? `, deactivated ${e.offboarding.deactivatedAt}` : ''}, ${e.offboarding.sessionsRevoked} session(s) revoked${e.offboarding.verified ? ', verified' : ''}${e.offboarding.deletedAt ? `, deleted ${e.offboarding.deletedAt}` : ''}`,
    );
  lines.push(`  jobs: ${e.jobs.length ? '' : 'none pending or failed'}`);
  for (const job of e.jobs)
    lines.push(`    ${job.state} ${job.name} ${job.id}${job.reason ? ` — ${job.reason}` : ''}`);
  lines.push(`  audit (newest first): ${e.audit.length ? '' : 'nothing recorded'}`);
  for (const a of e.audit)
    lines.push(
      `    ${a.at} ${a.action} ${a.outcome} run ${a.runId}${a.changed.length ? ` [${a.changed.join(', ')}]` : ''}${a.by ? ` by ${a.by}` : ''}${a.error ? ` — ${a.error.code}: ${a.error.message}` : ''}`,
    );
  return lines.join('\n');
}

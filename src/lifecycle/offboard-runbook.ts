import { randomBytes } from 'node:crypto';
import { FlowProducer, Job, type Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { z } from 'zod';
import { retryOptionsOf } from '../queue/job-queue.ts';
import { offboardPersonType, offboardRunbookType } from '../queue/lifecycle-job-types.ts';
import { QUEUE_NAME } from '../queue/runtime-keys.ts';
import type { ReceiptStore } from '../store/receipt-store.ts';
import type { OffboardingReceipt } from '../domain/offboarding-receipt.ts';
import type { RunbookEntry } from './runbook-input.ts';

/** One person the runbook will offboard (already resolved to a managed identity). */
export interface RunbookPerson {
  entry: RunbookEntry;
  identityId: string;
  key: string;
}

export interface RunbookRequest {
  source: string;
  people: RunbookPerson[];
  /** Default reason when a file line has none. */
  reason: string;
  deleteNow: boolean;
}

export interface StartedRunbook {
  runbookId: string;
  /** ISO; receipts older than this belong to an earlier offboarding of the same person. */
  startedAt: string;
  parentJobId: string;
  /** Child job id of each person, index-aligned with `people`. */
  childJobIds: string[];
}

export function newRunbookId(now: Date): string {
  return `rb-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Enqueue one `offboard.person` job per person as ONE BullMQ flow under an `offboard.runbook` parent.
 * Children are added with `ignoreDependencyOnFailure`, so a person who cannot be offboarded does not hold
 * the others back; their failure is kept on the parent for the receipt.
 */
export async function startRunbook(
  deps: {
    connection: Redis | Cluster;
    prefix: string;
    /** @defaultValue the shared queue */ queueName?: string;
  },
  runbookId: string,
  request: RunbookRequest,
  now: Date,
): Promise<StartedRunbook> {
  const childJobIds = request.people.map((_, i) => `offboard-person.${runbookId}.${i}`);
  const queueName = deps.queueName ?? QUEUE_NAME;
  const producer = new FlowProducer({ connection: deps.connection, prefix: deps.prefix });
  try {
    // Typed by the job types, checked when taken: a person whose data is refused (say, a reason too long)
    // fails alone, as any child does, and the others go on.
    const parent: z.input<typeof offboardRunbookType.schema> = { runbookId, people: request.people.length };
    const flow = await producer.add({
      name: offboardRunbookType.name,
      queueName,
      data: parent,
      opts: { jobId: `offboard-runbook.${runbookId}`, ...retryOptionsOf(offboardRunbookType) },
      children: request.people.map((person, i) => {
        const child: z.input<typeof offboardPersonType.schema> = {
          source: request.source,
          key: person.key,
          identityId: person.identityId,
          reason: person.entry.reason ?? request.reason,
          ...(person.entry.leftAt ? { leftAt: person.entry.leftAt } : {}),
          deleteNow: request.deleteNow,
          runbookId,
        };
        return {
          name: offboardPersonType.name,
          queueName,
          data: child,
          opts: {
            jobId: childJobIds[i]!,
            ignoreDependencyOnFailure: true,
            ...retryOptionsOf(offboardPersonType),
          },
        };
      }),
    });
    return { runbookId, startedAt: now.toISOString(), parentJobId: flow.job.id!, childJobIds };
  } finally {
    await producer.close();
  }
}

export interface RunbookProgress {
  total: number;
  done: number;
  failed: number;
}

/** One person's result: the receipt (from the job, or from the receipt store when the job failed). */
export interface RunbookOutcome {
  person: RunbookPerson;
  receipt: OffboardingReceipt | null;
  /** Why the job failed for good (the job's failure reason), when it did. */
  failure?: string;
}

/**
 * Wait until every person's job has completed or failed for good (polling the parent's dependency counts
 * until a deadline), reporting progress; then collect each person's receipt. Workers do the work — this
 * only watches, so it can be interrupted and the runbook still finishes.
 */
export async function waitForRunbook(
  deps: { queue: Queue; receipts: ReceiptStore },
  started: StartedRunbook,
  request: RunbookRequest,
  options: { onProgress?: (progress: RunbookProgress) => void; timeoutMs: number; pollMs?: number },
): Promise<RunbookOutcome[]> {
  const parent = await Job.fromId(deps.queue, started.parentJobId);
  if (!parent) throw new Error(`runbook ${started.runbookId}: its parent job ${started.parentJobId} is gone`);
  const { people } = request;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const counts = await parent.getDependenciesCount({ processed: true, ignored: true, unprocessed: true });
    const failed = counts.ignored ?? 0;
    const done = (counts.processed ?? 0) + failed;
    options.onProgress?.({ total: people.length, done, failed });
    if ((counts.unprocessed ?? 0) === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `runbook ${started.runbookId}: ${counts.unprocessed} of ${people.length} people still pending after ` +
          `${Math.round(options.timeoutMs / 1000)} s; are workers running? (\`kratos-sync worker\`, or --inline)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
  return collect(deps, parent, started, request);
}

async function collect(
  deps: { queue: Queue; receipts: ReceiptStore },
  parent: Job,
  started: StartedRunbook,
  request: RunbookRequest,
): Promise<RunbookOutcome[]> {
  const [values, failures] = await Promise.all([
    parent.getChildrenValues(),
    parent.getIgnoredChildrenFailures(),
  ]);
  const keyOf = (jobId: string) => `${deps.queue.qualifiedName}:${jobId}`;
  return Promise.all(
    request.people.map(async (person, i) => {
      const jobKey = keyOf(started.childJobIds[i]!);
      const value = values[jobKey] as OffboardingReceipt | undefined;
      if (value) return { person, receipt: value };
      // Failed for good: the receipt store has the last state the job reached (refused, failed, …).
      const stored = await deps.receipts.get(request.source, person.key);
      const current =
        stored && stored.identityId === person.identityId && stored.startedAt >= started.startedAt;
      const receipt = current ? stored : null;
      return { person, receipt, failure: failures[jobKey] ?? 'no result recorded' };
    }),
  );
}

import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { runBeforePrioritized } from './job-queue.ts';

/**
 * The BullMQ priority of ordinary work on the shared queue: person events and a full sync's apply chunks.
 * Workers take every job without a priority (a leaver's `person.sync`, offboarding) before any prioritized
 * one (BullMQ's moveToActive empties the waiting list first), and prioritized jobs of one priority in the
 * order they were added. Ordinary events and apply chunks share this one value, so neither waits for the
 * whole of the other: they run in arrival order, and only removals of access go ahead. Lower numbers run
 * first; the value only has to be above 0.
 */
export const ORDINARY_JOB_PRIORITY = 10;

/**
 * How long the mark "a leaver waits behind job X" is kept at most. The mark only counts while job X (the
 * person's running job, retries included) exists, and it names X, so an old mark is ignored anyway; the
 * expiry only removes marks nobody reads any more.
 */
const LEAVER_MARK_SECONDS = 7 * 24 * 60 * 60;

/**
 * Adds one job with the given options (a producer's add, deduplicated per person); resolves its job id, which
 * is the job already stored for that person when BullMQ's deduplication folded the add into it.
 */
export type AddWithPriority = (options: { priority?: number; jobId?: string }) => Promise<string>;

/**
 * Adds one person's job in leaver-first order: a leaver's without a priority (ahead of all ordinary work),
 * an ordinary one with ORDINARY_JOB_PRIORITY — unless a leaver's follow-up already waits for that person,
 * which keeps its place.
 *
 * Why a mark: while a person's job runs, BullMQ keeps the latest event as the one follow-up job
 * (`deduplication.keepLastIfActive`: the `dn:<id>` hash holds that add's name, data and options), so an
 * ordinary event after a leaver's would replace the leaver's options by its own priority and send the
 * follow-up behind the backlog. A leaver therefore marks the job it waits behind (`leaver-next:<id>` holds
 * that job's id) before its add; an ordinary add that comes back with that same job is added again as a
 * leaver's. The mark names the job, so once the leaver's follow-up runs (another job id) ordinary events
 * are ordinary again. Races between concurrent adds only ever err towards the leaver's side: at most one
 * ordinary event of that person runs ahead of the backlog.
 */
export async function addPersonJobInOrder(
  queue: Queue,
  dedupId: string,
  leaver: boolean,
  add: AddWithPriority,
): Promise<string> {
  if (leaver) return await addAsLeaver(queue, dedupId, add);
  // The add proposes an id of its own, so its answer tells a new job (that id) from a fold into the job
  // already stored for the person (another id): BullMQ's add says nothing else about it. A new job replaced
  // no stored follow-up, so no leaver's place can have been lost: only a fold costs the mark's read. (BullMQ
  // refuses custom ids that are integers or hold ':'; a UUID is neither.)
  const proposed = randomUUID();
  const jobId = await add({ priority: ORDINARY_JOB_PRIORITY, jobId: proposed });
  if (jobId === proposed) return jobId;
  const client = await queue.getBackend().client;
  // Also when the running job ended between the add and this read: the follow-up the add stored is a job of
  // its own by now, and adding again as a leaver's moves it ahead.
  if ((await client.get(markKey(queue, dedupId))) !== jobId) return jobId;
  return await addAsLeaver(queue, dedupId, add);
}

async function addAsLeaver(queue: Queue, dedupId: string, add: AddWithPriority): Promise<string> {
  const mark = markKey(queue, dedupId);
  // The person's current job (waiting or running) is marked before the add, so that any ordinary add that
  // could replace this one's follow-up comes after the mark and sees it.
  const behind = (await run(
    queue,
    MARK_LEAVER,
    [queue.toKey(`de:${dedupId}`), mark],
    [LEAVER_MARK_SECONDS],
  )) as string | null;
  const jobId = await add({});
  await runBeforePrioritized(queue, jobId);
  // No follow-up stored: the leaver joined a waiting job (now unprioritized) or is a job of its own, and
  // nothing waits behind `behind`. Removed only if no other leaver marked another job meanwhile.
  if (behind) await run(queue, FORGET_MARK_WITHOUT_NEXT, [mark, nextKey(queue, dedupId)], [behind]);
  return jobId;
}

/** The mark: the id of the running job a leaver's follow-up waits behind. */
const markKey = (queue: Queue, dedupId: string) => queue.toKey(`leaver-next:${dedupId}`);
/** BullMQ's stored follow-up of a running deduplicated job (bullmq's storeDeduplicatedNextJob.lua). */
const nextKey = (queue: Queue, dedupId: string) => queue.toKey(`dn:${dedupId}`);

interface Script {
  name: string;
  keys: number;
  lua: string;
}

/** KEYS: BullMQ's deduplication key, the mark. ARGV: seconds. Marks the person's current job; returns it. */
const MARK_LEAVER: Script = {
  name: 'ksMarkLeaver',
  keys: 2,
  lua: `local behind = redis.call('GET', KEYS[1])
if behind then redis.call('SET', KEYS[2], behind, 'EX', ARGV[1]) end
return behind`,
};

/** KEYS: the mark, the stored follow-up. ARGV: the job the mark must name. */
const FORGET_MARK_WITHOUT_NEXT: Script = {
  name: 'ksForgetLeaverMark',
  keys: 2,
  lua: `if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0`,
};

const defined = new WeakMap<object, Set<string>>();

/** Runs a script on the queue's own connection (defined once per connection; ioredis sends it by SHA). */
async function run(
  queue: Queue,
  script: Script,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  const client = await queue.getBackend().client;
  const names = defined.get(client) ?? new Set<string>();
  if (!names.has(script.name)) {
    client.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
    names.add(script.name);
    defined.set(client, names);
  }
  return await client.runCommand(script.name, [...keys, ...args]);
}

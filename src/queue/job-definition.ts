import type { Job } from 'bullmq';
import type { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import type { BackoffPolicy } from './backoff.ts';

/** Retry and time budget of one job type, declared with the type in jobs/catalogue.ts. */
export interface JobTypeOptions {
  /** Attempts in all, the first included. Rate-limit and Kratos-down returns do not count. */
  attempts: number;
  backoff: BackoffPolicy;
  /** A job still running after this is aborted and retried; `config.queue.jobTimeout` when absent. */
  timeoutMs?: number;
  /**
   * The job only talks to Kratos and is safe to stop at any point: when Kratos is confirmed down it is
   * aborted at once and returned to the queue (no attempt used) instead of letting each of its calls time
   * out and retry in turn. Leave it off for jobs with a side effect outside Kratos (sending an email).
   * @defaultValue false
   */
  stopWhenKratosDown?: boolean;
}

/** What a handler is given for one job. */
export interface JobRun<Payload, Deps> {
  /** The payload, validated against the job type's schema (a step job may replace it after `updateData`). */
  payload: Payload;
  /** The BullMQ job (id, attempts, flows: `updateData`, `moveToWaitingChildren`, `getChildrenValues`). */
  job: Job;
  /** The worker's lock token for this job (needed by `moveToDelayed` / `moveToWaitingChildren`). */
  token: string;
  /** Aborted on timeout, on shutdown and when the job's lock is lost: stop writing and return. */
  signal: AbortSignal;
  /** Child logger bound to the job id and type (never to payload values: they come from outside). */
  logger: Logger;
  deps: Deps;
}

/**
 * What producers and the catalogue both know of a job type: its name, the payload schema (checked when the
 * job is added and when it is taken: a bad payload fails at once with SYNC_ERR_JOB_PAYLOAD) and its options.
 *
 * Payloads carry identifiers only (source, person key, run id), never personal records or secrets: job
 * data sits in Redis as clear text and shows in the dashboard.
 */
export interface JobType<Name extends string, Schema extends z.ZodType> {
  readonly name: Name;
  readonly schema: Schema;
  readonly options: JobTypeOptions;
}

/** Typed identity for a job type declared apart from its handler (its producers live below jobs/). */
export function jobType<const Name extends string, Schema extends z.ZodType>(
  type: JobType<Name, Schema>,
): JobType<Name, Schema> {
  return type;
}

/**
 * One job type with its handler. The handler is required by the type, so a job type without one does not
 * compile.
 */
export interface JobDefinition<Name extends string, Schema extends z.ZodType, Result, Deps> extends JobType<
  Name,
  Schema
> {
  handle(run: JobRun<z.output<Schema>, Deps>): Promise<Result>;
}

// `any` here only widens the catalogue's value type; each entry keeps its precise type through `createCatalogue`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition<Deps> = JobDefinition<string, z.ZodType, any, Deps>;

/** Typed identity: infers the payload type of `handle` from the schema. */
export function defineJob<Deps>() {
  return <const Name extends string, Schema extends z.ZodType, Result>(
    definition: JobDefinition<Name, Schema, Result, Deps>,
  ): JobDefinition<Name, Schema, Result, Deps> => definition;
}

/** Bind a handler to a job type declared with `jobType`: the catalogue entry of that type. */
export function handleJob<Deps>() {
  return <const Name extends string, Schema extends z.ZodType, Result>(
    type: JobType<Name, Schema>,
    handle: JobDefinition<Name, Schema, Result, Deps>['handle'],
  ): JobDefinition<Name, Schema, Result, Deps> => ({ ...type, handle });
}

/** Job types by name. */
export type Catalogue<Deps, Jobs extends AnyJobDefinition<Deps> = AnyJobDefinition<Deps>> = {
  readonly [J in Jobs as J['name']]: J;
};

/**
 * Build the name → definition map from a list (one line per job type); two job types with one name is an
 * error at start-up. `Deps` is inferred from the jobs, so every job of a catalogue takes the same deps.
 */
export function createCatalogue<Deps, const Jobs extends readonly AnyJobDefinition<Deps>[]>(
  jobs: Jobs & readonly AnyJobDefinition<Deps>[],
): Catalogue<Deps, Jobs[number]> {
  const byName: Record<string, AnyJobDefinition<Deps>> = {};
  for (const job of jobs) {
    if (byName[job.name]) throw new Error(`two job types are named "${job.name}"`);
    byName[job.name] = job;
  }
  return Object.freeze(byName) as Catalogue<Deps, Jobs[number]>;
}

export type JobNameOf<C> = Extract<keyof C, string>;
/** What a producer passes (the schema's input: defaults may be left out). */
export type PayloadInputOf<C, N extends JobNameOf<C>> = C[N] extends { schema: infer S extends z.ZodType }
  ? z.input<S>
  : never;

/** Find a definition by a name read from Redis (any string). */
export function lookupJob<Deps>(catalogue: object, name: string): AnyJobDefinition<Deps> | undefined {
  return Object.hasOwn(catalogue, name)
    ? (catalogue as Record<string, AnyJobDefinition<Deps>>)[name]
    : undefined;
}

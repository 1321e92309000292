import { PROFILES, type ApiProfile } from '../../test/kratos-sim/index.ts';

/**
 * The simulator profiles the benchmarks also report, besides v26 (measured at full size), and what the
 * imitated server allows, so each run's Kratos calls can be set against the least that server needs.
 */
export const OTHER_PROFILES = ['v25.4', 'v1', 'v1.0', 'v0.10'] as const satisfies readonly ApiProfile[];

/**
 * `kratos.apiVersion` pinned to the profile's API line, so start-up probes stay out of the counts (v25.4
 * is the v26 line to the client).
 */
export function pinnedApiVersion(api: ApiProfile): string {
  return api === 'v25.4' ? 'v26' : api;
}

/** An import into an empty Kratos: one list page, then one batch per batch limit (one POST each without). */
export function importMinimum(api: ApiProfile, people: number): number {
  const profile = PROFILES[api];
  return 1 + (profile.routes.batchCreate ? Math.ceil(people / profile.batch.maxEntries) : people);
}

/**
 * The list pages a full reconcile needs at `pageSize`: offset lists end on a short page, so a full last
 * page needs one more (empty) page to be sure it was the last; keyset lists say so in their Link.
 */
export function listPages(api: ApiProfile, people: number, pageSize: number): number {
  return PROFILES[api].list.paging === 'keyset'
    ? Math.ceil(people / pageSize)
    : Math.floor(people / pageSize) + 1;
}

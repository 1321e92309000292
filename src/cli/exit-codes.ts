/** Exit codes of every kratos-sync command (documented in README "CLI"). */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** The command failed (Kratos or the source unreachable, a bug, a rejected run). */
  failure: 1,
  /** Bad usage or invalid configuration. */
  usage: 2,
  /** Done, but some records were quarantined or some people could not be processed. */
  partial: 3,
  /** Removals were held by the deletion guard and wait for `approve`/`reject`. */
  held: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

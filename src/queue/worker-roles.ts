/** What a `kratos-sync worker` process can run; light on purpose so `--help` can list them. */
export type WorkerRole = 'worker' | 'scheduler' | 'http';
export const WORKER_ROLES: readonly WorkerRole[] = ['worker', 'scheduler', 'http'];

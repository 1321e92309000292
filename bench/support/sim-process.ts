import { fork, type ChildProcess } from 'node:child_process';
import type { Faults, SimOptions, SimStats } from '../../test/kratos-sim/index.ts';

/** A managed identity as the simulator holds it, keyed by the person key of its ownership marker. */
export interface SimManaged {
  id: string;
  state: string;
  /** How many identities carry this key: more than 1 is a duplicate. */
  copies: number;
  traits: unknown;
}

/** The simulator running in a child process (see sim-child.ts), with the queries benchmarks need. */
export interface SimProcess {
  url: string;
  pid: number;
  stats(): Promise<SimStats>;
  /** CPU time the simulator process has used so far (ms). */
  cpuMs(): Promise<number>;
  setFaults(faults: Faults): Promise<void>;
  count(): Promise<number>;
  managed(): Promise<Record<string, SimManaged>>;
  byExternalId(externalId: string): Promise<{ id: string; state: string; sessions: number } | null>;
  login(ids: string[], sessions: number): Promise<number>;
  revoked(ids: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSimProcess(options: SimOptions = {}): Promise<SimProcess> {
  const child: ChildProcess = fork(
    new URL('./sim-child.ts', import.meta.url).pathname,
    [JSON.stringify(options)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The simulator holds 100 000 identities and serialises pages of them: give it room.
      execArgv: [
        '--max-old-space-size=4096',
        // BENCH_SIM_CPU_PROF=DIR profiles the simulator too (node --cpu-prof), to see where its time goes.
        ...(process.env.BENCH_SIM_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SIM_CPU_PROF}`]
          : []),
      ],
    },
  );
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextId = 1;
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    pending.set(0, { resolve: resolve as (v: unknown) => void, reject });
  });
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`simulator process exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  const call = <T>(op: string, args?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args });
    });
  const { url } = await ready;
  return {
    url,
    pid: child.pid!,
    stats: () => call('stats'),
    cpuMs: () => call('cpu'),
    setFaults: (faults) => call('setFaults', faults),
    count: () => call('count'),
    managed: () => call('managed'),
    byExternalId: (externalId) => call('byExternalId', externalId),
    login: (ids, sessions) => call('login', { ids, sessions }),
    revoked: (ids) => call('revoked', ids),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Requests the simulator answered between two snapshots, by route (and status when asked). */
export function statsDelta(before: SimStats, after: SimStats): Record<string, Record<string, number>> {
  const delta: Record<string, Record<string, number>> = {};
  for (const [route, byStatus] of Object.entries(after.requests)) {
    for (const [status, count] of Object.entries(byStatus)) {
      const diff = count - (before.requests[route]?.[status] ?? 0);
      if (diff > 0) (delta[route] ??= {})[status] = diff;
    }
  }
  return delta;
}

/** Total requests per route in a delta. */
export function perRoute(delta: Record<string, Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(delta).map(([route, byStatus]) => [
      route,
      Object.values(byStatus).reduce((a, b) => a + b, 0),
    ]),
  );
}

export function countStatus(delta: Record<string, Record<string, number>>, status: number): number {
  return Object.values(delta).reduce((sum, byStatus) => sum + (byStatus[String(status)] ?? 0), 0);
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

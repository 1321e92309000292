/**
 * Request counters, keyed by `METHOD /route/template` and status, plus what the fault layer did and the
 * highest concurrency seen per route (so tests can prove "one create in flight at a time").
 */
export interface SimStats {
  requests: Record<string, Record<string, number>>;
  total: number;
  faults: Record<FaultKind, number>;
  peakInflight: Record<string, number>;
}

export type FaultKind =
  | 'error'
  | 'rateLimited'
  | 'inflightRejected'
  | 'budgetRejected'
  | 'hung'
  | 'dropped'
  | 'unavailable'
  | 'databaseDown'
  | 'unauthorized';

export class StatsRecorder {
  #requests = new Map<string, Map<number, number>>();
  #total = 0;
  #faults = emptyFaults();
  #inflight = new Map<string, number>();
  #peak = new Map<string, number>();

  record(key: string, status: number): void {
    let byStatus = this.#requests.get(key);
    if (!byStatus) this.#requests.set(key, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.#total++;
  }

  fault(kind: FaultKind): void {
    this.#faults[kind]++;
  }

  enter(key: string): void {
    const n = (this.#inflight.get(key) ?? 0) + 1;
    this.#inflight.set(key, n);
    if (n > (this.#peak.get(key) ?? 0)) this.#peak.set(key, n);
  }

  leave(key: string): void {
    this.#inflight.set(key, (this.#inflight.get(key) ?? 1) - 1);
  }

  reset(): void {
    this.#requests.clear();
    this.#total = 0;
    this.#faults = emptyFaults();
    this.#peak.clear();
  }

  snapshot(): SimStats {
    const requests: SimStats['requests'] = {};
    for (const [key, byStatus] of this.#requests) requests[key] = Object.fromEntries(byStatus);
    return {
      requests,
      total: this.#total,
      faults: { ...this.#faults },
      peakInflight: Object.fromEntries(this.#peak),
    };
  }
}

function emptyFaults(): Record<FaultKind, number> {
  return {
    error: 0,
    rateLimited: 0,
    inflightRejected: 0,
    budgetRejected: 0,
    hung: 0,
    dropped: 0,
    unavailable: 0,
    databaseDown: 0,
    unauthorized: 0,
  };
}

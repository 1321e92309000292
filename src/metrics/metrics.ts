import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobObserver, JobOutcome } from '../queue/processor.ts';
import type { SourceStatsStore } from './source-stats.ts';

/** One Kratos request as the metrics see it. */
export interface KratosRequestEvent {
  operation: string;
  /** HTTP status, or `error` when no answer came. */
  status: string;
  durationMs: number;
}

export interface MetricsSources {
  /** Source names (for the per-source gauges). */
  sources: readonly string[];
  stats: SourceStatsStore;
  /** Jobs by state, read at scrape time (BullMQ getJobCounts). */
  jobCounts?: () => Promise<Record<string, number>>;
  /** Unsettled `uncertain` invite deliveries per source, read at scrape time. */
  uncertainInvites?: () => Promise<Map<string, number>>;
}

export interface Metrics extends JobObserver {
  readonly registry: Registry;
  kratosRequest(event: KratosRequestEvent): void;
  kratosAvailable(available: boolean): void;
  /** One run notification sent or failed (`notify:`), by event and channel. */
  notification(event: { event: string; channel: string; outcome: 'sent' | 'failed' }): void;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/**
 * kratos-sync's Prometheus metrics, in a registry of their own (nothing global, so tests and several apps
 * in one process do not collide). Job and Kratos request figures are this process's; the per-source
 * figures and queue depths are read from Redis at scrape time, so every replica reports the same values.
 * No label ever holds a person key or any other value from a record.
 */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kratos_sync_process_' });
  const jobs = new Counter({
    name: 'kratos_sync_jobs_total',
    help: 'Job attempts by job type and outcome (completed, failed, retried, rate_limited, paused, returned, deferred, invalid).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'kratos_sync_job_duration_seconds',
    help: 'Duration of job attempts by job type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const kratosRequests = new Counter({
    name: 'kratos_sync_kratos_requests_total',
    help: 'Kratos admin API operations by operation and HTTP status (error = no answer).',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const kratosLatency = new Histogram({
    name: 'kratos_sync_kratos_request_duration_seconds',
    help: 'Latency of Kratos admin API operations (retries included) by operation.',
    labelNames: ['operation'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const kratosUp = new Gauge({
    name: 'kratos_sync_kratos_available',
    help: '1 while Kratos answers, 0 while this process holds the queue because Kratos is down.',
    registers: [registry],
  });
  kratosUp.set(1);
  const notifications = new Counter({
    name: 'kratos_sync_notifications_total',
    help: 'Run notifications (held, failed, partial runs) by event, channel and outcome (sent, failed).',
    labelNames: ['event', 'channel', 'outcome'] as const,
    registers: [registry],
  });
  registerSourceGauges(registry, sources);
  return {
    registry,
    jobFinished(event: { type: string; outcome: JobOutcome; durationMs: number }) {
      jobs.inc({ type: event.type, outcome: event.outcome });
      jobDuration.observe({ type: event.type, outcome: event.outcome }, event.durationMs / 1000);
    },
    kratosRequest(event) {
      kratosRequests.inc({ operation: event.operation, status: event.status });
      kratosLatency.observe({ operation: event.operation }, event.durationMs / 1000);
    },
    kratosAvailable(available) {
      kratosUp.set(available ? 1 : 0);
    },
    notification(event) {
      notifications.inc(event);
    },
  };
}

function registerSourceGauges(registry: Registry, sources: MetricsSources): void {
  // One Redis read per scrape feeds all three per-source gauges.
  let pending: Promise<Awaited<ReturnType<SourceStatsStore['read']>>> | null = null;
  const readStats = () => {
    pending ??= sources.stats.read(sources.sources).finally(() => {
      pending = null;
    });
    return pending;
  };
  const perSource = (name: string, help: string, field: 'lastSuccessAt' | 'quarantined' | 'managed') =>
    new Gauge({
      name,
      help,
      labelNames: ['source'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [source, stats] of await readStats()) {
          const value = stats[field];
          if (value !== undefined) this.set({ source }, value);
        }
      },
    });
  perSource(
    'kratos_sync_last_success_timestamp_seconds',
    'Unix time of the last full sync of a source that ran to the end.',
    'lastSuccessAt',
  );
  perSource(
    'kratos_sync_records_quarantined',
    'Records kept out of the last full sync of a source.',
    'quarantined',
  );
  perSource('kratos_sync_identities_managed', "Identities carrying a source's ownership marker.", 'managed');
  if (sources.uncertainInvites) {
    const uncertainInvites = sources.uncertainInvites;
    new Gauge({
      name: 'kratos_sync_invites_uncertain',
      help: 'Invites whose hand-over to the mail channel was interrupted, so they may have reached no one; each is re-issued after onboarding.reissueAfter unless the person activates.',
      labelNames: ['source'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await uncertainInvites();
        for (const source of sources.sources) this.set({ source }, counts.get(source) ?? 0);
      },
    });
  }
  if (sources.jobCounts) {
    const jobCounts = sources.jobCounts;
    new Gauge({
      name: 'kratos_sync_queue_jobs',
      help: 'Jobs in the queue by state.',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [state, count] of Object.entries(await jobCounts())) this.set({ state }, count);
      },
    });
  }
}

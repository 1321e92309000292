import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sourceSection } from '../../../src/config/sections/source.ts';
import { createSmtpChannel } from '../../../src/delivery/smtp-channel.ts';
import { loadInviteTemplates } from '../../../src/delivery/templates.ts';
import { compileOnboardingFields } from '../../../src/lifecycle/onboarding-fields.ts';
import type { OnboardingDeps, OnboardingSource } from '../../../src/lifecycle/onboarding-deps.ts';
import type { SourceRecord } from '../../../src/sources/types.ts';
import { createDeliveryStore } from '../../../src/store/delivery-store.ts';
import { startSmtpSink, type SmtpSink } from '../../delivery/support/smtp-sink.ts';
import { startHarness, type Harness } from './harness.ts';

export interface OnboardingFixture {
  h: Harness;
  sink: SmtpSink;
  queue: Queue;
  deps: OnboardingDeps;
  /** The source's records by key (what `fetchOne` answers). */
  records: Map<string, SourceRecord>;
  clock: { now: Date };
  close(): Promise<void>;
}

/** Simulator + real SMTP server + real Redis and BullMQ queue, wired into OnboardingDeps for source `hr`. */
export async function startOnboardingFixture(options: {
  redisUrl: string;
  api?: 'v26' | 'v0.10';
  onboarding?: Record<string, unknown>;
  afterIssue?: OnboardingDeps['afterIssue'];
}): Promise<OnboardingFixture> {
  // One clock for kratos-sync and the simulator, so link expiry can be checked against it.
  const clock = { now: new Date('2026-06-01T07:00:00.000Z') };
  const h = await startHarness({
    api: options.api ?? 'v26',
    redisUrl: options.redisUrl,
    simNow: () => clock.now.getTime(),
  });
  const sink = await startSmtpSink();
  const now = () => clock.now;
  const sourceConfig = sourceSection.parse({
    connection: { type: 'csv', path: 'people.csv' },
    mapping: { key: 'id', traits: '{}' },
    onboarding: { enabled: true, channel: 'smtp', ...options.onboarding },
  });
  const records = new Map<string, SourceRecord>();
  const channel = createSmtpChannel({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    from: 'IT <it@example.com>',
    timeoutMs: 2_000,
  });
  const hr: OnboardingSource = {
    config: sourceConfig.onboarding,
    fields: compileOnboardingFields(sourceConfig.onboarding, 'hr'),
    source: { fetchOne: async (key) => records.get(key) ?? null },
    channel,
  };
  const queueConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('jobs', { connection: queueConnection, prefix: h.prefix });
  const deps: OnboardingDeps = {
    kratos: h.kratos,
    deliveries: createDeliveryStore({ redis: h.redis, prefix: h.prefix, now }),
    templates: loadInviteTemplates({}, process.cwd()),
    queue: { add: (name, data, opts) => queue.add(name, data, opts) },
    logger: h.logger,
    now,
    sources: new Map([['hr', hr]]),
    messageDomain: 'example.com',
    ...(options.afterIssue ? { afterIssue: options.afterIssue } : {}),
  };
  return {
    h,
    sink,
    queue,
    deps,
    records,
    clock,
    async close() {
      await queue.close();
      queueConnection.disconnect();
      await channel.close();
      await sink.stop();
      await h.close();
    },
  };
}

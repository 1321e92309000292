import type { Redis } from 'ioredis';
import type { NotifyConfig, NotifyEvent } from '../config/sections/notify.ts';
import { DeliveryError } from '../delivery/channel.ts';
import type { Logger } from '../log/logger.ts';
import { engineKeys } from '../store/keys.ts';
import type { RunObserver } from '../sync/context.ts';
import type { RunReport } from '../domain/run-report.ts';
import type { NoticeChannel } from './notice-channels.ts';
import { renderNotice, type NoticeMessage } from './notice-message.ts';
import { noticeFor } from './run-notice.ts';

/** One send on one channel, as metrics count it. */
export interface NoticeOutcome {
  event: NotifyEvent;
  channel: NoticeChannel['name'];
  outcome: 'sent' | 'failed';
}

export interface RunNotifierOptions {
  notify: Pick<NotifyConfig, 'on' | 'partialAbove'>;
  channels: NoticeChannel[];
  /** `http.publicUrl`: the base of the console link (no link without it). */
  publicUrl?: string | undefined;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Told of every send (the worker counts them in `kratos_sync_notifications_total`). */
  onOutcome?: (outcome: NoticeOutcome) => void;
  /** Waits before the 2nd, 3rd … try of a send the receiver certainly did not take. @defaultValue [1000, 5000] */
  retryDelaysMs?: readonly number[];
  /** How long a claim (sent once per run and event) is kept. @defaultValue 30 days */
  claimTtlSeconds?: number;
  /** How long `close` waits for pending notifications before giving them up. @defaultValue 15 s */
  closeTimeoutMs?: number;
}

export interface RunNotifier extends RunObserver {
  /** Resolves once every notification started so far has been sent or has given up. */
  settled(): Promise<void>;
  /** Wait for pending notifications (at most `closeTimeoutMs`), then close the channels. */
  close(): Promise<void>;
}

/**
 * Tells operators about runs that need them: held for approval, failed, or partial above the threshold
 * (see run-notice.ts). Called by the run store on every save, it decides synchronously and sends in the
 * background, so notification never blocks or fails a run; a failed send is logged and counted.
 *
 * Once per run and event across retries and replicas: the first process to `SET NX` the run's claim key
 * sends, every other one (a retried job, a replica finishing the same run, a re-save) sees the claim and
 * stays quiet. The claim is taken before sending, so a process that dies mid-send leaves the event
 * unannounced rather than announced twice.
 */
export function createRunNotifier(options: RunNotifierOptions): RunNotifier {
  const keys = engineKeys(options.prefix);
  const delays = options.retryDelaysMs ?? [1_000, 5_000];
  const ttl = options.claimTtlSeconds ?? 30 * 86_400;
  const closeTimeoutMs = options.closeTimeoutMs ?? 15_000;
  const pending = new Set<Promise<void>>();
  const settled = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  const announce = async (report: RunReport, event: NotifyEvent, message: NoticeMessage) => {
    const logger = options.logger.child({ source: report.source, runId: report.id, event });
    let claimed: boolean;
    try {
      claimed = (await options.redis.set(keys.runNotified(report.id, event), '1', 'EX', ttl, 'NX')) === 'OK';
    } catch (err) {
      logger.warn({ err }, 'run notification skipped: could not take its claim in Redis');
      for (const channel of options.channels)
        options.onOutcome?.({ event, channel: channel.name, outcome: 'failed' });
      return;
    }
    if (!claimed) return;
    await Promise.all(
      options.channels.map(async (channel) => {
        const outcome = await sendWithRetries(channel, message, event, delays);
        options.onOutcome?.({ event, channel: channel.name, outcome: outcome.ok ? 'sent' : 'failed' });
        if (outcome.ok) logger.info({ channel: channel.name }, 'run notification sent');
        else logger.warn({ channel: channel.name, err: outcome.error }, 'run notification failed');
      }),
    );
  };

  return {
    runSaved(report) {
      if (options.channels.length === 0) return;
      const notice = noticeFor(report, options.notify);
      if (!notice) return;
      // Rendered now: the caller may go on changing the report object after this returns.
      const message = renderNotice(report, notice, { publicUrl: options.publicUrl });
      const task = announce(report, notice.event, message)
        .catch((err: unknown) => options.logger.warn({ err }, 'run notification failed'))
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    settled,
    async close() {
      // A receiver that hangs must not hold up a shutdown for long: what is still pending is given up.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        settled().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), closeTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (gaveUp) options.logger.warn({ pending: pending.size }, 'run notifications abandoned at shutdown');
      for (const channel of options.channels) channel.close();
    },
  };
}

/**
 * Retry only what the receiver certainly did not take and may take later: a 5xx or 429, an SMTP refusal,
 * no connection. A 4xx says the request itself is wrong (Slack's `invalid_payload`, `no_service`): again
 * would be the same.
 */
async function sendWithRetries(
  channel: NoticeChannel,
  message: NoticeMessage,
  event: string,
  delays: readonly number[],
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  for (let attempt = 0; ; attempt++) {
    try {
      await channel.send(message, event);
      return { ok: true };
    } catch (error) {
      const retriable =
        error instanceof DeliveryError && error.notSent && !/^HTTP 4(?!29)/.test(error.failure);
      const delay = delays[attempt];
      if (!retriable || delay === undefined) return { ok: false, error };
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

import { z } from 'zod';
import { isLoopbackHost } from '../loopback-host.ts';
import type { Secret } from '../secret.ts';
import { secretOption } from './secret-option.ts';

/** The run outcomes an operator can be told about. */
const NOTIFY_EVENTS = ['held', 'failed', 'partial'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/**
 * The endpoint is a secret option: a Slack incoming-webhook URL carries its own token in the path, so it is
 * held as a `Secret` (never printed, scrubbed from logs by value) and checked here once revealed.
 */
const webhookUrl = secretOption.superRefine((secret: Secret, ctx) => {
  // The message never quotes the URL: it is the secret.
  const url = URL.parse(secret.reveal());
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute https URL' });
  }
});

export const notifySection = z.strictObject({
  /** Which run outcomes are announced. */
  on: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1, 'name at least one of held, failed, partial (or leave out the notify channels)')
    .default([...NOTIFY_EVENTS]),
  /**
   * A `partial` run is announced when its quarantined + failed records exceed either limit. A run whose
   * source could not be read in full is always announced (nothing was removed, and someone should know).
   */
  partialAbove: z
    .strictObject({
      /** Share of the records read. */
      fraction: z.number().min(0).max(1).default(0.05),
      /** Number of records (unset: only the fraction counts). */
      count: z.int().min(0).optional(),
    })
    .prefault({}),
  /** A signed JSON POST with a Slack-compatible body (`text` + `blocks`). */
  webhook: z
    .strictObject({
      url: webhookUrl,
      /** HMAC-SHA256 key of the `x-kratos-sync-signature` header (as on delivery webhooks). */
      secret: secretOption,
      timeoutMs: z.int().positive().max(60_000).default(10_000),
      /** Allow a plain-http URL on a host other than loopback (the message then travels in clear). */
      allowInsecureHttp: z.boolean().default(false),
    })
    .superRefine((webhook, ctx) => {
      // An unparsable URL is reported on `url` already.
      const url = URL.parse(webhook.url.reveal());
      if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname) && !webhook.allowInsecureHttp) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message:
            'must be https (plain http is allowed for loopback hosts, or with notify.webhook.allowInsecureHttp: true)',
        });
      }
    })
    .optional(),
  /** An email through `delivery.smtp`. */
  email: z
    .strictObject({
      to: z.array(z.email({ error: 'expected an email address' })).min(1),
      /** Put before every subject, e.g. the environment's name. */
      subjectPrefix: z.string().max(60).default('[kratos-sync]'),
    })
    .optional(),
});

export type NotifyConfig = z.output<typeof notifySection>;

interface ConfigShape {
  notify: { email?: unknown };
  delivery: { smtp?: unknown };
}

/** Cross-section rule: notification emails go out through `delivery.smtp`, so it must be configured. */
export function checkNotifyDelivery(config: ConfigShape, ctx: z.RefinementCtx): void {
  if (config.notify.email && !config.delivery.smtp) {
    ctx.addIssue({
      code: 'custom',
      path: ['notify', 'email'],
      message: 'is set but delivery.smtp is not configured (notification emails go out through it)',
    });
  }
}

import path from 'node:path';
import type { z } from 'zod';
import type { deliverySection } from '../config/sections/runtime.ts';
import type { DeliveryChannel } from './channel.ts';
import { createOutboxChannel } from './outbox-channel.ts';
import { createSmtpChannel } from './smtp-channel.ts';
import { createWebhookChannel } from './webhook-channel.ts';

export type DeliveryConfig = z.output<typeof deliverySection>;
export type ChannelName = DeliveryChannel['name'];

/** Sender used by the outbox when no SMTP sender is configured. */
const DEFAULT_FROM = 'kratos-sync <no-reply@kratos-sync.local>';

export interface DeliveryChannels {
  /** The channel by name, built on first use; throws when its `delivery.*` section is missing. */
  get(name: ChannelName): DeliveryChannel;
  /** The From address (its domain is the right-hand side of every Message-ID). */
  readonly from: string;
  close(): Promise<void>;
}

export function createDeliveryChannels(
  delivery: DeliveryConfig,
  options: { baseDir: string; now: () => Date },
): DeliveryChannels {
  const built = new Map<ChannelName, DeliveryChannel>();
  const from = delivery.smtp?.from ?? DEFAULT_FROM;
  const build = (name: ChannelName): DeliveryChannel => {
    switch (name) {
      case 'smtp': {
        const smtp = delivery.smtp;
        if (!smtp) throw new Error('onboarding.channel is "smtp" but delivery.smtp is not configured');
        return createSmtpChannel({ ...smtp, ...(smtp.password ? { password: smtp.password } : {}) });
      }
      case 'webhook': {
        const webhook = delivery.webhook;
        if (!webhook)
          throw new Error('onboarding.channel is "webhook" but delivery.webhook is not configured');
        return createWebhookChannel({ ...webhook, now: options.now });
      }
      case 'outbox':
        return createOutboxChannel({ dir: path.resolve(options.baseDir, delivery.outbox.dir), from });
    }
  };
  return {
    from,
    get(name) {
      let channel = built.get(name);
      if (!channel) {
        channel = build(name);
        built.set(name, channel);
      }
      return channel;
    },
    async close() {
      await Promise.all([...built.values()].map((channel) => channel.close()));
    },
  };
}

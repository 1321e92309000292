import type { z } from 'zod';

interface ConfigShape {
  sources: Record<string, { onboarding: { enabled: boolean; channel: 'smtp' | 'webhook' | 'outbox' } }>;
  delivery: { smtp?: unknown; webhook?: unknown };
}

/**
 * Cross-section rule of the config schema: a source whose onboarding delivers by SMTP or webhook needs the
 * matching `delivery.*` settings. Checked at boot, so a gap fails `check-config` and start-up instead of
 * the first new hire's invite.
 */
export function checkOnboardingDelivery(config: ConfigShape, ctx: z.RefinementCtx): void {
  for (const [name, source] of Object.entries(config.sources)) {
    const { enabled, channel } = source.onboarding;
    if (!enabled || channel === 'outbox' || config.delivery[channel]) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['sources', name, 'onboarding', 'channel'],
      message: `is "${channel}" but delivery.${channel} is not configured (configure it, or use channel "outbox")`,
    });
  }
}

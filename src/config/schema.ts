import { z } from 'zod';
import { checkCompiledOptions } from './compile-checks.ts';
import { checkOnboardingDelivery } from './onboarding-delivery-check.ts';
import { kratosSection } from './sections/kratos.ts';
import { checkNotifyDelivery, notifySection } from './sections/notify.ts';
import { redisSection } from './sections/redis.ts';
import { deliverySection, httpSection, logSection, queueSection } from './sections/runtime.ts';
import { withPresetDefaults } from './sections/presets/index.ts';
import { sourceSection } from './sections/source.ts';
import { undoSection } from './sections/undo.ts';

/** The whole configuration: closed (unknown keys are errors), with defaults, validated once at start-up. */
export const configSchema = z
  .strictObject({
    kratos: kratosSection,
    redis: redisSection,
    sources: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'source names are lowercase letters, digits and dashes'),
        // A vendor preset fills in its default mapping, leaver rules and webhook format first.
        z.preprocess(withPresetDefaults, sourceSection),
      )
      .refine((sources) => Object.keys(sources).length > 0, 'configure at least one source'),
    delivery: deliverySection.prefault({}),
    queue: queueSection.prefault({}),
    http: httpSection.prefault({}),
    log: logSection.prefault({}),
    notify: notifySection.prefault({}),
    undo: undoSection.prefault({}),
  })
  .superRefine(checkOnboardingDelivery)
  .superRefine(checkNotifyDelivery)
  .superRefine(checkCompiledOptions);

export type Config = z.output<typeof configSchema>;

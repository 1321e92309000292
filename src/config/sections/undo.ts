import { z } from 'zod';
import { durationOption, secretOption } from './secret-option.ts';

/**
 * `undo:` — what a run keeps so `kratos-sync undo <run-id>` can take it back. Without `key`, undo covers
 * state changes only (reactivate, deactivate); with it, each run also keeps what it overwrote or deleted
 * (before-images), encrypted with a data key of its own that this key wraps.
 */
export const undoSection = z.strictObject({
  /**
   * The key before-images are encrypted with (AES-256-GCM, derived with HKDF-SHA-256): at least 32
   * characters, e.g. `openssl rand -base64 32`. Losing it makes the kept images unreadable; nothing else.
   */
  key: secretOption
    .refine(
      (secret) => secret.reveal().length >= 32,
      'undo.key must be at least 32 characters (e.g. openssl rand -base64 32)',
    )
    .optional(),
  /** How long a run's before-images are kept (they expire with its data key). */
  keepFor: durationOption.prefault('30d'),
});

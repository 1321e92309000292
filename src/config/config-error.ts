import type { SyncErrorCode } from '../errors/catalogue.ts';

/**
 * Raised when configuration is invalid: the message names each option and what is expected.
 * A module of its own (only a type imported) so the CLI can recognise it without loading the config schema.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code: SyncErrorCode = 'SYNC_ERR_CONFIG_INVALID';
}

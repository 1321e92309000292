/**
 * Raised when configuration is invalid: the message names each option and what is expected.
 * A module of its own (nothing imported) so the CLI can recognise it without loading the config schema.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

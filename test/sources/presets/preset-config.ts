import { loadConfig } from '../../../src/config/load.ts';
import type { SourceConfig } from '../../../src/config/sections/source.ts';

/**
 * The source `hr` as config loading completes it from a preset connection alone: the preset's default
 * mapping, leaver rules and paging filled in. Kratos and Redis are never contacted.
 */
export function presetSourceConfig(connection: Record<string, unknown>): SourceConfig {
  const { config } = loadConfig({
    env: {},
    object: {
      kratos: { adminUrl: 'http://127.0.0.1:9' },
      redis: { url: 'redis://127.0.0.1:9' },
      sources: { hr: { connection } },
    },
  });
  return config.sources.hr!;
}

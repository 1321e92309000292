import type { SourceConfig } from '../config/sections/source.ts';
import type { JsonObject } from '../domain/identity.ts';
import type { Logger } from '../log/logger.ts';
import { compileMapper } from '../mapping/compile-mapper.ts';
import { createSource, type CreateSourceOptions } from '../sources/create-source.ts';
import type { SourceRuntime } from './context.ts';

/**
 * One configured source made ready to read: its mapping compiled against the Kratos identity schemas, and its
 * reader keyed by that mapping's person key. The engine's context and `check-config --probe` build sources
 * the same way, so the probe maps a record exactly as a sync would. Without `redis`, a scim-inbound source
 * cannot be created (it reads what its SCIM clients pushed into Redis).
 */
export function buildSourceRuntime(
  name: string,
  config: SourceConfig,
  schemas: ReadonlyMap<string, JsonObject>,
  options: { baseDir: string; logger: Logger; now: () => Date; redis?: CreateSourceOptions['redis'] },
): SourceRuntime {
  const mapper = compileMapper({ sourceName: name, mapping: config.mapping, leaver: config.leaver, schemas });
  const source = createSource({
    name,
    connection: config.connection,
    baseDir: options.baseDir,
    logger: options.logger.child({ source: name }),
    keyOf: (record) => mapper.keyOf(record),
    now: options.now,
    ...(options.redis ? { redis: options.redis } : {}),
  });
  return { name, config, source, mapper };
}

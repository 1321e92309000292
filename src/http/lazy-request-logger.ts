import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

type LevelMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVEL_METHODS: readonly LevelMethod[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Every logger here is pino's, which can say whether a level is enabled. */
type PinoLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * Fastify's `childLoggerFactory`: the per-request logger (request id bound) is only built when the request
 * logs something at an enabled level. Building a pino child runs the redaction over its bindings, which
 * cost ~4 % of a webhook's CPU; most requests at `warn` log nothing at all. What is logged is the same:
 * the first call at an enabled level builds the real child with the same bindings and options and hands
 * every call on to it.
 */
export const lazyRequestLogger: ChildLoggerFactory = (parentLogger, bindings, options) => {
  // A level of the request's own (a route's `logLevel`) changes what is enabled: build it now.
  if (options.level !== undefined) return parentLogger.child(bindings, options);
  const parent = parentLogger as PinoLogger;
  let real: PinoLogger | undefined;
  const child = (): PinoLogger => (real ??= parent.child(bindings, options) as PinoLogger);
  const logger: Record<string, unknown> = {
    get level() {
      return (real ?? parent).level;
    },
    set level(level: string) {
      child().level = level;
    },
    isLevelEnabled: (level: string) => (real ?? parent).isLevelEnabled(level),
    child: (...args: Parameters<FastifyBaseLogger['child']>) => child().child(...args),
    silent: () => undefined,
  };
  for (const level of LEVEL_METHODS) {
    logger[level] = (...args: unknown[]) => {
      if ((real ?? parent).isLevelEnabled(level)) (child()[level] as (...a: unknown[]) => void)(...args);
    };
  }
  return logger as unknown as FastifyBaseLogger;
};

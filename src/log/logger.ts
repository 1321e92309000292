import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubSecrets } from '../config/secret.ts';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear (two levels deep covers `{ err: { headers } }` and
 * `{ request: { headers } }`). Values typed as `Secret` already print as `[redacted]`; these paths cover
 * plain strings that arrive from outside: Kratos responses, source payloads, HTTP requests. Plain `code`
 * and `link` are not on the list: they carry error codes and URLs operators need, and recovery links and
 * codes are `Secret`s from the moment the client receives them.
 */
const SECRET_FIELDS = [
  'password',
  'token',
  'secret',
  'session_token',
  'sessionToken',
  'recovery_link',
  'recoveryLink',
  'recovery_code',
  'recoveryCode',
  'authorization',
  'Authorization',
  'cookie',
  'x-session-token',
  'apiKey',
  'api_key',
];
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

/** The one root logger: JSON lines to stdout, secrets redacted by path and scrubbed by value. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const scrubbing: DestinationStream = {
    // Last line of defence: a known secret value that reached a message or an error text is replaced.
    write: (line: string) => destination.write(scrubSecrets(line)),
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'kratos-sync', ...options.base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    scrubbing,
  );
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

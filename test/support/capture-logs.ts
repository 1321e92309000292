import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../../src/log/logger.ts';

/** A real pino logger (same redaction as production) whose JSON lines are kept for assertions. */
export function captureLogs(level = 'trace'): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const destination: DestinationStream = { write: (line: string) => void lines.push(line) };
  return { logger: createLogger({ level, destination }), lines, text: () => lines.join('') };
}

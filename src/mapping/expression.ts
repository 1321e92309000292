import jsonata from 'jsonata';
import { ConfigError } from '../config/config-error.ts';
import { BAIL, compileFast, type AstNode, type FastExpression } from './fast-expression.ts';

/** One mapping expression, compiled once at start-up. */
export interface CompiledExpression {
  /** Config path, e.g. `sources.hr.mapping.traits` (for startup errors). */
  readonly configPath: string;
  /** True when every record goes through the synchronous fast path unless it bails (see fast-expression.ts). */
  readonly fast: boolean;
  /** The value for one record: synchronous when the fast path could answer, a Promise otherwise. */
  evaluate(record: Record<string, unknown>): unknown;
}

/** Thrown by `evaluate` when JSONata fails on a record: code and position, never the record's values. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  /** JSONata's error code (e.g. `T0410`), when it gave one. */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

export function compileExpression(configPath: string, text: string): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text);
  } catch (err) {
    const detail = err as { code?: string; position?: number; message?: string };
    throw new ConfigError(
      `${configPath}: not a valid JSONata expression (${detail.code ?? 'syntax'} at position ${detail.position ?? '?'}: ${detail.message ?? String(err)})`,
    );
  }
  const fast = compileFast(expression.ast() as AstNode);
  const slow = (record: Record<string, unknown>) => evaluateSlow(expression, record);
  return {
    configPath,
    fast: fast !== null,
    evaluate: fast === null ? slow : withFallback(fast, slow),
  };
}

function withFallback(fast: FastExpression, slow: (record: Record<string, unknown>) => Promise<unknown>) {
  return (record: Record<string, unknown>): unknown => {
    const value = fast(record);
    return value === BAIL ? slow(record) : value;
  };
}

async function evaluateSlow(
  expression: jsonata.Expression,
  record: Record<string, unknown>,
): Promise<unknown> {
  try {
    return toPlainJson(await expression.evaluate(record));
  } catch (err) {
    throw expressionError(err);
  }
}

/**
 * JSONata results are null-prototype objects and arrays tagged as sequences; what leaves the mapping must be
 * plain JSON (undefined properties dropped), the same shape the fast path produces.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') throw new ExpressionError('the expression evaluates to a function');
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ExpressionError('the expression evaluates to a non-finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toPlainJson(item)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = toPlainJson(item);
  }
  return out;
}

/**
 * JSONata error messages can quote the record value that failed (`Unable to cast value to a number: "…"`),
 * which is personal data: those values are cut out; the code and position stay (they point into the
 * expression, which is config, not data).
 */
function expressionError(err: unknown): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const detail = (err ?? {}) as {
    code?: unknown;
    position?: unknown;
    message?: unknown;
    value?: unknown;
    value2?: unknown;
  };
  const code = typeof detail.code === 'string' ? detail.code : undefined;
  let message = typeof detail.message === 'string' ? detail.message : 'evaluation failed';
  for (const value of [detail.value, detail.value2]) {
    if (value === undefined) continue;
    for (const text of [safeStringify(value), String(value)]) {
      if (text !== undefined && text !== '') message = message.split(text).join('…');
    }
  }
  const where = typeof detail.position === 'number' ? ` at position ${detail.position}` : '';
  return new ExpressionError(`${code ? `${code}${where}: ` : ''}${message}`, code);
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

import jsonata from 'jsonata';
import { compileExpression } from '../../mapping/expression.ts';

/** A webhook section's JSONata expression (`personKey`, `eventVersion`, `leaverEvent`) over a parsed event. */
export type EventExpression = (event: unknown) => unknown;

/**
 * Compiles one of a webhook section's expressions once. An event that is a JSON object goes through the
 * mapping's synchronous fast path (src/mapping/fast-expression.ts: plain field paths, comparisons; it hands
 * anything it does not model back to JSONata), which saves JSONata's asynchronous `evaluate` (5–35 µs) on
 * every webhook. Any other event — an array, as vendors that batch events send — goes to JSONata itself,
 * whose path steps map over an array, which the fast path's field reads do not. The value is the same
 * either way; a failure is thrown (the route treats it as "no value").
 */
export function compileEventExpression(configPath: string, text: string): EventExpression {
  const compiled = compileExpression(configPath, text);
  const full = jsonata(text);
  return (event) =>
    typeof event === 'object' && event !== null && !Array.isArray(event)
      ? compiled.evaluate(event as Record<string, unknown>)
      : full.evaluate(event);
}

/**
 * A plan action as a run keeps it (src/store/run-store.ts) and the console and CLI show it: kind, key,
 * changed field names and reason, plus a display email and name so an operator can tell people apart —
 * never trait values.
 */
import type { PlanAction, PlanActionKind } from './plan.ts';

/** One plan action as it is stored and shown: no trait values. */
export interface ActionSummary {
  kind: PlanActionKind;
  key: string;
  identityId?: string;
  changed?: string[];
  reason: string;
  email?: string;
  name?: string;
}

export function summariseAction(action: PlanAction): ActionSummary {
  const summary: ActionSummary = { kind: action.kind, key: action.key, reason: action.reason };
  if ('identityId' in action && action.identityId) summary.identityId = action.identityId;
  if ('changed' in action) summary.changed = [...action.changed];
  if ('desired' in action) {
    if (action.desired.email) summary.email = action.desired.email;
    const name = displayName(action.desired.traits.name);
    if (name) summary.name = name;
  }
  return summary;
}

function displayName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const parts = ['first', 'given', 'last', 'family']
      .map((part) => (value as Record<string, unknown>)[part])
      .filter((part): part is string => typeof part === 'string' && part.length > 0);
    return parts.length ? parts.join(' ') : undefined;
  }
  return undefined;
}

import { hasCode } from '../../../errors/describe-error.ts';
import type { Identity } from '../../../domain/identity.ts';
import type { KratosClient } from '../../../kratos/types.ts';

/** Who an identity is, as far as the console may show: a display name and an email, nothing else. */
export interface PersonLabel {
  name?: string;
  email?: string;
  /** The identity no longer exists in Kratos. */
  gone?: boolean;
}

/**
 * Names and emails for identities the stored plan only knows by id (removals carry no desired identity),
 * read from Kratos. Bounded in count, concurrency and time: the console is opened when something is wrong,
 * often Kratos itself, so after `budgetMs` (or at once when the client knows Kratos is down) the page goes
 * on without the names it has not got. A lookup that fails leaves that person unlabelled.
 */
export async function lookupPeople(
  kratos: KratosClient,
  identityIds: Iterable<string>,
  options: { max?: number; concurrency?: number; budgetMs?: number } = {},
): Promise<Map<string, PersonLabel>> {
  const labels = new Map<string, PersonLabel>();
  if (!kratos.available) return labels;
  const ids = [...new Set(identityIds)].slice(0, options.max ?? 100);
  const deadline = Date.now() + (options.budgetMs ?? 2_000);
  let next = 0;
  const worker = async () => {
    while (next < ids.length && Date.now() < deadline) {
      const id = ids[next++]!;
      try {
        labels.set(id, labelOf(await kratos.getIdentity(id)));
      } catch (err) {
        if (hasCode(err, 'SYNC_ERR_KRATOS_NOT_FOUND')) labels.set(id, { gone: true });
      }
    }
  };
  const workers = Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, ids.length) }, worker));
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([workers, outOfTime]);
  clearTimeout(timer);
  // A copy: lookups still in flight after the deadline must not change what the page already rendered.
  return new Map(labels);
}

function labelOf(identity: Identity): PersonLabel {
  const label: PersonLabel = {};
  const email = identity.traits.email;
  if (typeof email === 'string') label.email = email;
  const name = displayName(identity.traits.name);
  if (name) label.name = name;
  return label;
}

function displayName(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const parts = ['first', 'given', 'last', 'family']
    .map((part) => record[part])
    .filter((part): part is string => typeof part === 'string' && part.length > 0);
  return parts.length ? parts.join(' ') : undefined;
}

import type { KratosClient } from '../../../kratos/types.ts';
import type { OffboardingReceipt } from '../../../domain/offboarding-receipt.ts';
import type { ReceiptStore } from '../../../store/receipt-store.ts';
import { lookupPeople, type PersonLabel } from './people-lookup.ts';

export interface ReceiptHit {
  receipt: OffboardingReceipt;
  person: PersonLabel | undefined;
}

export interface ReceiptSearch {
  hits: ReceiptHit[];
  /** How the query was matched, for the page to say what it searched. */
  by: 'recent' | 'email' | 'key' | 'name';
}

/** Receipts whose identity's name is compared with a name query (newest first). */
export const NAME_SEARCH_WINDOW = 200;

/**
 * Find offboarding receipts by person. An email uses the receipt store's hashed email index; a person key
 * is looked up exactly in every source, then as a substring of recent receipts' keys; anything else is a
 * name, matched against the names of the most recent receipts' identities in Kratos (receipts hold no
 * names; an identity already deleted can still be found by its key or email).
 */
export async function searchReceipts(
  store: ReceiptStore,
  kratos: KratosClient,
  sources: readonly string[],
  query: string,
): Promise<ReceiptSearch> {
  const q = query.trim();
  if (!q) return { by: 'recent', hits: await withPeople(kratos, await store.recent(50)) };
  if (q.includes('@')) return { by: 'email', hits: await withPeople(kratos, await store.findByEmail(q)) };
  const exact = (await Promise.all(sources.map((source) => store.get(source, q)))).filter(
    (receipt): receipt is OffboardingReceipt => receipt !== null,
  );
  if (exact.length > 0) return { by: 'key', hits: await withPeople(kratos, exact) };
  const recent = await store.recent(NAME_SEARCH_WINDOW);
  const needle = q.toLowerCase();
  const byKey = recent.filter((receipt) => receipt.key.toLowerCase().includes(needle));
  if (byKey.length > 0) return { by: 'key', hits: await withPeople(kratos, byKey) };
  const people = await lookupPeople(
    kratos,
    recent.map((r) => r.identityId),
    { max: NAME_SEARCH_WINDOW },
  );
  const hits = recent
    .map((receipt) => ({ receipt, person: people.get(receipt.identityId) }))
    .filter(({ person }) => person?.name?.toLowerCase().includes(needle));
  return { by: 'name', hits };
}

async function withPeople(kratos: KratosClient, receipts: OffboardingReceipt[]): Promise<ReceiptHit[]> {
  const people = await lookupPeople(
    kratos,
    receipts.map((r) => r.identityId),
    { max: 100 },
  );
  return receipts.map((receipt) => ({ receipt, person: people.get(receipt.identityId) }));
}

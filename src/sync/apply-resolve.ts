import type { CreateIdentityBody, Identity } from '../kratos/types.ts';
import { mapPool } from './apply-pool.ts';
import type { ApplyDeps, CreateAction } from './apply-types.ts';
import { markerOf } from './marker.ts';

/** A create whose result is unknown: Kratos said 409, or the answer was lost after it may have been applied. */
export interface UnsettledCreate {
  action: CreateAction;
  body: CreateIdentityBody;
}

/**
 * - `ours`: the identity exists with our marker for this person — an earlier attempt created it.
 * - `theirs`: an identity holds the external_id or email but is not this person's (a genuine conflict).
 * - `none`: nothing found.
 */
export type CreateLookup =
  { found: 'ours'; identity: Identity } | { found: 'theirs'; identityId: string } | { found: 'none' };

/**
 * Find what became of unsettled creates (DESIGN.md invariant 2: a 409 after a timed-out create is resolved by
 * looking the identity up, not by failing). v26 looks each one up by external_id, else by email identifier;
 * v0.10 has no lookup filter, so one scan of the identity list finds every candidate email at once and the
 * candidates are read by id (list responses there carry no `metadata_admin`, hence no marker).
 */
export async function lookUpCreates(deps: ApplyDeps, unsettled: UnsettledCreate[]): Promise<CreateLookup[]> {
  if (unsettled.length === 0) return [];
  const { capabilities } = deps.kratos;
  if (capabilities.externalIdLookup || capabilities.credentialsIdentifierFilter) {
    return mapPool(unsettled, deps.concurrency, async (item) =>
      classify(deps, item, await findOneV26(deps, item)),
    );
  }
  const byEmail = await scanForEmails(
    deps,
    new Set(unsettled.map(emailOf).filter((e): e is string => Boolean(e))),
  );
  return unsettled.map((item) => {
    const email = emailOf(item);
    return classify(deps, item, email ? (byEmail.get(email) ?? null) : null);
  });
}

function classify(deps: ApplyDeps, item: UnsettledCreate, identity: Identity | null): CreateLookup {
  if (!identity) return { found: 'none' };
  const marker = markerOf(identity, deps.source);
  return marker?.key === item.action.key
    ? { found: 'ours', identity }
    : { found: 'theirs', identityId: identity.id };
}

async function findOneV26(deps: ApplyDeps, item: UnsettledCreate): Promise<Identity | null> {
  const { kratos } = deps;
  if (kratos.capabilities.externalIdLookup && item.body.external_id) {
    const byExternalId = await kratos.getIdentityByExternalId(item.body.external_id);
    if (byExternalId) return byExternalId;
  }
  const email = emailOf(item);
  if (!email || !kratos.capabilities.credentialsIdentifierFilter) return null;
  for await (const page of kratos.listIdentities({ credentialsIdentifier: email, pageSize: 10 })) {
    const first = page[0];
    // The list omits nothing on v26, but read by id anyway: the same shape as every other lookup.
    if (first) return first.metadata_admin === undefined ? await kratos.getIdentity(first.id) : first;
  }
  return null;
}

/** v0.10: one pass over the list for all the emails, then a GET by id per candidate (for the marker). */
async function scanForEmails(deps: ApplyDeps, emails: Set<string>): Promise<Map<string, Identity>> {
  const candidates = new Map<string, string>();
  for await (const page of deps.kratos.listIdentities()) {
    for (const identity of page) {
      for (const email of emailsOf(identity)) if (emails.has(email)) candidates.set(email, identity.id);
    }
  }
  const entries = [...candidates];
  const read = await mapPool(entries, deps.concurrency, ([, id]) =>
    deps.kratos.getIdentity(id).catch(nullOnNotFound),
  );
  const found = new Map<string, Identity>();
  read.forEach((identity, i) => {
    if (identity) found.set(entries[i]![0], identity);
  });
  return found;
}

function emailOf(item: UnsettledCreate): string | undefined {
  return item.action.desired.email?.toLowerCase();
}

function emailsOf(identity: Identity): string[] {
  const emails = [...(identity.verifiable_addresses ?? []), ...(identity.recovery_addresses ?? [])].map((a) =>
    a.value.toLowerCase(),
  );
  const trait = identity.traits?.email;
  if (typeof trait === 'string') emails.push(trait.toLowerCase());
  return emails;
}

function nullOnNotFound(err: unknown): null {
  if ((err as { status?: number } | null)?.status === 404) return null;
  throw err;
}

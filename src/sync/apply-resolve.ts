import type { CreateIdentityBody } from '../kratos/types.ts';
import type { Identity } from '../domain/identity.ts';
import { mapPool } from './apply-pool.ts';
import type { ApplyDeps, CreateAction } from './apply-types.ts';
import { markerOf } from '../domain/ownership-marker.ts';
import { nullOnNotFound } from '../kratos/errors.ts';

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
 * Up to this many unsettled creates are looked up one by one (by external_id or credentials_identifier);
 * more — a whole batch refused or lost — are found with one pass over the identity list, which costs
 * (identities / page size) reads instead of one per entry.
 */
export const ONE_BY_ONE_LOOKUPS = 50;

/**
 * Find what became of unsettled creates (a 409 after a timed-out create is resolved by looking the identity
 * up, not by failing). A few are looked up each by external_id where the server stores it, else by email
 * identifier. Many, or any on a server without a lookup filter (v0.10), are found by one scan of the
 * identity list for every candidate email and external id at once; where lists carry no `metadata_admin`
 * (v0.10) the candidates are then read by id for their marker.
 */
export async function lookUpCreates(deps: ApplyDeps, unsettled: UnsettledCreate[]): Promise<CreateLookup[]> {
  if (unsettled.length === 0) return [];
  const { capabilities } = deps.kratos;
  const canLookUp = capabilities.externalIdLookup || capabilities.credentialsIdentifierFilter;
  if (canLookUp && unsettled.length <= ONE_BY_ONE_LOOKUPS) {
    return mapPool(unsettled, deps.concurrency, async (item) =>
      classify(deps, item, await findOne(deps, item)),
    );
  }
  const found = await scanFor(deps, unsettled);
  return unsettled.map((item) => {
    const email = emailOf(item);
    const externalId = item.body.external_id;
    const identity =
      (externalId ? found.get(`external:${externalId}`) : undefined) ??
      (email ? found.get(`email:${email}`) : undefined);
    return classify(deps, item, identity ?? null);
  });
}

function classify(deps: ApplyDeps, item: UnsettledCreate, identity: Identity | null): CreateLookup {
  if (!identity) return { found: 'none' };
  const marker = markerOf(identity, deps.source);
  return marker?.key === item.action.key
    ? { found: 'ours', identity }
    : { found: 'theirs', identityId: identity.id };
}

async function findOne(deps: ApplyDeps, item: UnsettledCreate): Promise<Identity | null> {
  const { kratos } = deps;
  if (kratos.capabilities.externalIdLookup && item.body.external_id) {
    const byExternalId = await kratos.getIdentityByExternalId(item.body.external_id);
    if (byExternalId) return byExternalId;
  }
  const email = emailOf(item);
  if (!email || !kratos.capabilities.credentialsIdentifierFilter) return null;
  for await (const page of kratos.listIdentities({ credentialsIdentifier: email, pageSize: 10 })) {
    const first = page[0];
    // Lists carry metadata_admin from v1.0 on; read by id only if this one did not.
    if (first) return first.metadata_admin === undefined ? await kratos.getIdentity(first.id) : first;
  }
  return null;
}

/**
 * One pass over the list for every email and external id of `unsettled`, keyed `email:<x>` and
 * `external:<x>`. Where lists omit `metadata_admin` (v0.10), each candidate is then read by id for its marker.
 */
async function scanFor(deps: ApplyDeps, unsettled: UnsettledCreate[]): Promise<Map<string, Identity>> {
  const wanted = new Set<string>();
  for (const item of unsettled) {
    const email = emailOf(item);
    if (email) wanted.add(`email:${email}`);
    if (item.body.external_id) wanted.add(`external:${item.body.external_id}`);
  }
  const candidates = new Map<string, Identity>();
  for await (const page of deps.kratos.listIdentities()) {
    for (const identity of page) {
      const keys = emailsOf(identity).map((email) => `email:${email}`);
      if (identity.external_id) keys.push(`external:${identity.external_id}`);
      for (const key of keys) if (wanted.has(key)) candidates.set(key, identity);
    }
  }
  if (deps.kratos.capabilities.listIncludesAdminMetadata) return candidates;
  const entries = [...candidates];
  const read = await mapPool(entries, deps.concurrency, ([, listed]) =>
    deps.kratos.getIdentity(listed.id).catch(nullOnNotFound),
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

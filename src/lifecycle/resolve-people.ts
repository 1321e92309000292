import type { Identity } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import type { MarkerIndex } from '../store/marker-index.ts';
import { identityEmails } from '../domain/identity-emails.ts';
import { getIdentityOrNull } from '../access/read-identity.ts';
import { readMarker } from '../domain/ownership-marker.ts';
import type { RunbookEntry } from './runbook-input.ts';

export type Resolution =
  | { entry: RunbookEntry; status: 'resolved'; identityId: string; key: string }
  /** Nobody matches (reported; the rest go ahead). */
  | { entry: RunbookEntry; status: 'unknown'; reason: string }
  /** Somebody matches, but not an identity this source manages (never touched). */
  | { entry: RunbookEntry; status: 'not-managed'; reason: string; identityId: string }
  /** Same person as an earlier entry: offboarded once, through that one. */
  | { entry: RunbookEntry; status: 'duplicate'; identityId: string; key: string; sameAs: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// GETs only: Ory exempts reads from its in-flight limits, and the client caps connections anyway.
const CONCURRENCY = 32;

export interface ResolveDeps {
  kratos: KratosClient;
  /** The source's marker index (person key → identity id); the only key lookup v0.10 has. */
  index: Pick<MarkerIndex, 'identityIdOf'>;
}

/**
 * Turn what the operator typed into managed identities of `source`. An id is tried as a Kratos identity id,
 * then as the source's person key (marker index, then `external_id` on v25.4+); an email through the
 * `credentials_identifier` filter (v1.0+) or one pass over the identity list (v0.10). Every match is read by
 * id and must carry this source's marker — the list is a hint, the marker decides.
 */
export async function resolvePeople(
  deps: ResolveDeps,
  source: string,
  entries: RunbookEntry[],
): Promise<Resolution[]> {
  let emailScan: Promise<Map<string, string[]>> | undefined;
  const scanEmails = () => (emailScan ??= scanByEmail(deps.kratos));
  const results = new Array<Resolution>(entries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries.length; i = next++) {
      const entry = entries[i]!;
      results[i] =
        entry.kind === 'id'
          ? await resolveId(deps, source, entry)
          : await resolveEmail(deps, source, entry, scanEmails);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  return markDuplicates(results);
}

async function resolveId(deps: ResolveDeps, source: string, entry: RunbookEntry): Promise<Resolution> {
  if (UUID.test(entry.input)) {
    const identity = await getIdentityOrNull(deps.kratos, entry.input);
    if (identity) return judge(entry, source, [identity]);
  }
  const indexed = await deps.index.identityIdOf(entry.input);
  const byIndex = indexed ? await getIdentityOrNull(deps.kratos, indexed) : null;
  if (byIndex && readMarker(byIndex)?.key === entry.input) return judge(entry, source, [byIndex]);
  if (deps.kratos.capabilities.externalIdLookup) {
    const byExternal = await deps.kratos.getIdentityByExternalId(entry.input);
    if (byExternal) return judge(entry, source, [byExternal]);
  }
  return { entry, status: 'unknown', reason: `no identity has id or ${source} key "${entry.input}"` };
}

async function resolveEmail(
  deps: ResolveDeps,
  source: string,
  entry: RunbookEntry,
  scanEmails: () => Promise<Map<string, string[]>>,
): Promise<Resolution> {
  const email = entry.input.trim().toLowerCase();
  let ids: string[];
  if (deps.kratos.capabilities.credentialsIdentifierFilter) {
    ids = [];
    for await (const page of deps.kratos.listIdentities({ credentialsIdentifier: email }))
      ids.push(...page.map((i) => i.id));
  } else {
    ids = (await scanEmails()).get(email) ?? [];
  }
  const identities = (await Promise.all(ids.map((id) => getIdentityOrNull(deps.kratos, id)))).filter(
    (i): i is Identity => !!i,
  );
  if (identities.length === 0)
    return { entry, status: 'unknown', reason: `no identity has the email ${entry.input}` };
  return judge(entry, source, identities);
}

/** Of the identities found, the one this source manages; otherwise why none qualifies. */
function judge(entry: RunbookEntry, source: string, identities: Identity[]): Resolution {
  const managed = identities.filter((identity) => readMarker(identity)?.source === source);
  if (managed.length === 1)
    return { entry, status: 'resolved', identityId: managed[0]!.id, key: readMarker(managed[0]!)!.key };
  if (managed.length > 1) {
    return {
      entry,
      status: 'unknown',
      reason: `${entry.input} matches ${managed.length} identities of ${source}; use their ids`,
    };
  }
  const owner = readMarker(identities[0]!)?.source;
  return {
    entry,
    status: 'not-managed',
    identityId: identities[0]!.id,
    reason: owner
      ? `identity ${identities[0]!.id} is managed by source "${owner}"`
      : `identity ${identities[0]!.id} is not managed by kratos-sync`,
  };
}

/** v0.10 has no lookup filter: one pass over the list (which carries addresses and traits) maps email → ids. */
async function scanByEmail(kratos: KratosClient): Promise<Map<string, string[]>> {
  const byEmail = new Map<string, string[]>();
  for await (const page of kratos.listIdentities()) {
    for (const identity of page) {
      for (const email of identityEmails(identity))
        byEmail.set(email, [...(byEmail.get(email) ?? []), identity.id]);
    }
  }
  return byEmail;
}

function markDuplicates(results: Resolution[]): Resolution[] {
  const first = new Map<string, string>();
  return results.map((result) => {
    if (result.status !== 'resolved') return result;
    const earlier = first.get(result.identityId);
    if (earlier) return { ...result, status: 'duplicate', sameAs: earlier };
    first.set(result.identityId, result.entry.origin);
    return result;
  });
}

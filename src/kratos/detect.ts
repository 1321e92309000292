import { randomUUID } from 'node:crypto';
import type { KratosConfig } from '../config/sections/kratos.ts';
import type { Logger } from '../log/logger.ts';
import { AvailabilityMonitor } from './availability.ts';
import { KratosError } from './errors.ts';
import { createKratosHttp, type KratosResponse } from './http.ts';
import { createRequester, type Requester } from './requester.ts';
import type { ApiGeneration, KratosCapabilities } from './types.ts';
import { createWriteLimiter } from './write-limiter.ts';

/** Offset pages are clamped to 1..1000 by v0.10.1 and v1.0.0 (ory/x `pagepagination`). */
const OFFSET_MAX_PAGE = 1000;
/** Keyset pages from v25.4 are clamped to 500 (`keysetpagination.DefaultMaxSize`). */
const KEYSET_MAX_PAGE = 500;
/** One more than the v25.4+ cap: the `first` link of a capped server says 500, of an uncapped one 501. */
const CAP_PROBE_SIZE = KEYSET_MAX_PAGE + 1;

/** The facts that tell the API lines apart; every capability follows from them (`fromFacts`). */
interface ServerFacts {
  /** The old V0alpha2Api: offset pages without tokens, no batch, no JSON Patch. */
  v010: boolean;
  keyset: boolean;
  externalId: boolean;
  /** Keyset pages clamped to 500. */
  capped: boolean;
  perItemBatch: boolean;
}

function fromFacts(generation: ApiGeneration, facts: ServerFacts): KratosCapabilities {
  const { v010, keyset, externalId } = facts;
  return {
    generation,
    externalIdLookup: externalId,
    batchCreate: !v010,
    batchLimit: v010 ? 0 : externalId ? 1000 : 2000,
    batchPerItemResults: !v010 && facts.perItemBatch,
    keysetPages: keyset,
    firstOffsetPage: v010 ? 1 : 0,
    maxPageSize: !keyset ? OFFSET_MAX_PAGE : facts.capped ? KEYSET_MAX_PAGE : null,
    credentialsIdentifierFilter: !v010,
    // identity/handler.go reads `ids` from v1.1.0, the first keyset release; v1.0.0's list ignores it.
    idsFilter: keyset,
    recoveryCodes: !v010,
    singleSessionRevoke: !v010,
    jsonPatch: !v010,
    listIncludesAdminMetadata: !v010,
  };
}

/**
 * What each API line can do, for a pinned `kratos.apiVersion`. Detection does not go through a version
 * name: it reads each fact from the probes' answers (`capabilitiesFromProbes`). A pinned `v1` assumes
 * all-or-nothing batches (v1.0–v1.2); a v1.3 server's per-entry answers are read just the same.
 */
export function capabilitiesFor(generation: ApiGeneration): KratosCapabilities {
  const v26 = generation === 'v26';
  return fromFacts(generation, {
    v010: generation === 'v0.10',
    keyset: generation === 'v26' || generation === 'v1',
    externalId: v26,
    capped: v26,
    perItemBatch: v26,
  });
}

/** What the three read-only probes saw. */
export interface ProbeAnswers {
  /** `GET /admin/identities?page_size=501&per_page=1` */
  list: Pick<KratosResponse, 'headers'>;
  /** `GET /admin/identities/by/external/<random>` */
  byExternal: Pick<KratosResponse, 'status' | 'json'>;
  /** `GET /admin/identities?page_size=1&per_page=1&page_token=<not a uuid>` */
  badToken: Pick<KratosResponse, 'status'>;
}

/**
 * Each capability from the evidence, not from a version name (`/admin/version` says `master` on source
 * builds). The facts used, all read from Kratos's Go source at the tags:
 * - external id: only v25.4+ registers `GET /admin/identities/by/external/{id}` (identity/handler.go), so
 *   only there is the 404 a JSON envelope; older routers (httprouter) answer a plain-text 404.
 * - offset vs keyset: offset servers (v0.10.1, v1.0.0) send `X-Total-Count`; keyset servers (v1.1+) never do.
 *   v1.0.0's `page_size` switches ory/x `migrationpagination` to offset tokens, so its `Link` carries a
 *   `page_token`, which v0.10.1's `pagepagination` links never do. v1.0.0 queries `page + 1` (0-based).
 * - page cap: keyset links repeat the effective `page_size`: 500 from v25.4 (clamped), 501 on v1.1–v1.3
 *   (ory/x `keysetpagination` v0.0.614–v0.0.660 has no maximum).
 * - per-entry batch results: v1.3.0 added both the per-entry batch errors (identity/manager.go) and the
 *   check that rejects a `page_token` that is not a UUID with 400 (persistence/sql/identity/
 *   persister_identity.go); v1.0.0 decodes such a token as offset 0, v1.1/v1.2 pass it to SQL unchecked.
 * - batch limit: 2000 up to v1.3.x, 1000 from v25.4.0 (identity/handler.go), which is also the release that
 *   added `external_id`.
 * Everything v0.10 lacks (batch, JSON Patch, recovery codes, session revoke, admin metadata in lists, the
 * credentials_identifier filter) arrived by v1.0.0, so "not v0.10" decides those.
 */
export function capabilitiesFromProbes(answers: ProbeAnswers): KratosCapabilities | undefined {
  const link = [answers.list.headers.link].flat().join(',');
  const total = answers.list.headers['x-total-count'] !== undefined;
  const tokenLinks = link.includes('page_token');
  if (!total && !tokenLinks) return undefined;
  const v010 = total && !tokenLinks;
  const keyset = !total;
  const externalId = answers.byExternal.status === 404 && answers.byExternal.json;
  const generation: ApiGeneration = v010 ? 'v0.10' : !keyset ? 'v1.0' : externalId ? 'v26' : 'v1';
  return fromFacts(generation, {
    v010,
    keyset,
    externalId,
    capped: keyset && !link.includes(`page_size=${CAP_PROBE_SIZE}`),
    perItemBatch: externalId || answers.badToken.status === 400,
  });
}

/**
 * Probes the server with three read-only GETs, sent in parallel (see `capabilitiesFromProbes`). Write probes
 * (`PATCH /admin/identities` → 405) are avoided: on Ory Network they would spend the write rate-limit bucket.
 * The list probe returns at most 501 identities once per process.
 */
export async function probeCapabilities(call: Requester, logger: Logger): Promise<KratosCapabilities> {
  const probe = (path: string, accept: number[]) =>
    call({ operation: 'detect', method: 'GET', path, accept, limit: { kind: 'read' }, repeatable: true });
  const [list, byExternal, badToken] = await Promise.all([
    probe(`/admin/identities?page_size=${CAP_PROBE_SIZE}&per_page=1`, [200]),
    probe(`/admin/identities/by/external/kratos-sync-probe-${randomUUID()}`, [200, 404]),
    // v1.1/v1.2 hand the token to SQL: a database error (500) is an answer here, not a failure to retry.
    probe('/admin/identities?page_size=1&per_page=1&page_token=kratos-sync-probe', [200, 400, 500]),
  ]).catch((err: unknown) => {
    if (err instanceof KratosError && (err.status === 401 || err.status === 403)) {
      throw new KratosError({
        status: err.status,
        envelope: err.envelope,
        operation: 'detect',
        message: `${err.message}; check kratos.adminToken (Ory Network needs an API key)`,
      });
    }
    throw err;
  });
  const capabilities = capabilitiesFromProbes({ list, byExternal, badToken });
  if (capabilities === undefined) {
    throw new KratosError({
      status: 200,
      operation: 'detect',
      message:
        'Kratos detect: GET /admin/identities answered with neither a page_token Link nor X-Total-Count, so ' +
        'the API generation is unknown; set kratos.apiVersion (v26, v1, v1.0 or v0.10)',
    });
  }
  logger.info({ capabilities }, 'kratos API generation detected');
  return capabilities;
}

/** Probes a server once with a throwaway connection pool (tests, `check-config`). */
export async function detectCapabilities(options: {
  config: KratosConfig;
  logger: Logger;
  now?: () => number;
}): Promise<KratosCapabilities> {
  const http = createKratosHttp({ config: options.config, now: options.now ?? Date.now });
  try {
    const call = createRequester({
      http,
      limiter: createWriteLimiter({ concurrency: 1, oryNetwork: false }),
      retry: options.config.retry,
      availability: new AvailabilityMonitor({ threshold: 3, logger: options.logger }),
      logger: options.logger,
    });
    return await probeCapabilities(call, options.logger);
  } finally {
    await http.close();
  }
}

import type { AddressInfo } from 'node:net';
import { type SimContext, newUuid } from './lib/context.ts';
import { FaultEngine } from './lib/faults.ts';
import { parseFaults } from './lib/faults-schema.ts';
import { API_PROFILES, type ApiProfile, isApiProfile, PROFILES, type Profile } from './lib/profiles.ts';
import { BUILT_IN_SCHEMAS, SchemaRegistry } from './lib/identity-schemas.ts';
import { type RecoveryOutcome, useRecoveryCode, useRecoveryLinkUrl } from './lib/recovery-flows.ts';
import { KRATOS_ROUTES } from './lib/routes/kratos-routes.ts';
import { passwordLoginRoute } from './lib/routes/password-login.ts';
import { simControlRoutes } from './lib/routes/sim-control.ts';
import { Router } from './lib/router.ts';
import { createSimServer } from './lib/server.ts';
import { createSession } from './lib/sessions.ts';
import { type SimStats, StatsRecorder } from './lib/stats.ts';
import type { SimStore } from './lib/store.ts';
import { SimStore as Store } from './lib/store.ts';
import type { ApiGeneration, Faults, SimOptions, StoredIdentity, StoredSession } from './lib/types.ts';

/**
 * The Kratos simulator: one `node:http` server answering the admin and public API of the chosen Kratos
 * release (`lib/profiles.ts`) as the release's Go source does, with in-memory state, fault injection and
 * counters.
 * A test double only: product code must never know it exists.
 */
export interface KratosSim {
  api: ApiGeneration;
  /** The imitated release's features (what differs between profiles). */
  profile: Profile;
  /** Base URL for admin calls (admin and public share one port). */
  adminUrl: string;
  publicUrl: string;
  url: string;
  /** Direct access to the in-memory database, for assertions. */
  state: SimStore;
  stats(): SimStats;
  /** Forgets every identity, session, flow, counter and fault. */
  reset(): void;
  setFaults(faults: Faults): void;
  faults(): Faults;
  /** A login: a new active session for the identity; returns its token. */
  login(identityId: string, options?: { lifespanMs?: number }): { sessionToken: string; sessionId: string };
  /** Uses a recovery link as a new hire would (once; expiry by the sim's clock). */
  useRecoveryLink(link: string): RecoveryOutcome;
  useRecoveryCode(flowId: string, code: string): RecoveryOutcome;
  identity(id: string): StoredIdentity | undefined;
  sessionsOf(identityId: string): StoredSession[];
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startKratosSim(options: SimOptions = {}): Promise<KratosSim> {
  const api = options.api ?? 'v26';
  if (!isApiProfile(api))
    throw new Error(`startKratosSim: api must be one of ${API_PROFILES.join(', ')}, got ${String(api)}`);
  const profile = PROFILES[api];
  const schemas = new SchemaRegistry({ ...BUILT_IN_SCHEMAS, ...options.schemas });
  const defaultSchemaId = options.defaultSchemaId ?? 'default';
  if (!schemas.byId.has(defaultSchemaId))
    throw new Error(`startKratosSim: defaultSchemaId "${defaultSchemaId}" is not among the schemas`);
  const ctx: SimContext = {
    api,
    profile,
    store: new Store(),
    schemas,
    defaultSchemaId,
    baseUrl: '',
    now: options.now ?? Date.now,
    newId: newUuid,
    sessionLifespanMs: options.sessionLifespanMs ?? 24 * 3_600_000,
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    disabledRecoveryMethods: new Set(options.disabledRecoveryMethods ?? []),
  };
  const stats = new StatsRecorder();
  const faults = new FaultEngine(options.seed);
  const initialFaults: Faults = parseFaults({ ...options.initialFaults });
  if (options.latencyMs !== undefined) initialFaults.latencyMs = options.latencyMs;
  faults.set(initialFaults);

  const control = {
    stats: () => stats.snapshot(),
    reset: () => {
      ctx.store.reset();
      stats.reset();
      faults.set(initialFaults);
    },
    faults: () => ({ ...faults.faults }),
    setFaults: (f: Faults) => faults.set(parseFaults(f)),
  };
  const server = createSimServer({
    ctx,
    kratos: new Router(KRATOS_ROUTES, profile),
    sim: new Router([...simControlRoutes(control), passwordLoginRoute()], profile),
    faults,
    stats,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ctx.baseUrl = `http://${host}:${address.port}`;

  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    api,
    profile,
    adminUrl: ctx.baseUrl,
    publicUrl: ctx.baseUrl,
    url: ctx.baseUrl,
    state: ctx.store,
    stats: control.stats,
    reset: control.reset,
    setFaults: control.setFaults,
    faults: control.faults,
    login: (identityId, loginOptions) => {
      if (!ctx.store.identities.has(identityId)) throw new Error(`login: unknown identity ${identityId}`);
      const s = createSession(ctx, identityId, 'password', loginOptions?.lifespanMs);
      return { sessionToken: s.token, sessionId: s.id };
    },
    useRecoveryLink: (link) => useRecoveryLinkUrl(ctx, link),
    useRecoveryCode: (flowId, code) => useRecoveryCode(ctx, flowId, code),
    identity: (id) => ctx.store.identities.get(id),
    sessionsOf: (identityId) => ctx.store.sessionsOf(identityId),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export { API_PROFILES, PROFILES };
export type {
  ApiGeneration,
  ApiProfile,
  Faults,
  Profile,
  RecoveryOutcome,
  SimOptions,
  SimStats,
  StoredIdentity,
  StoredSession,
};

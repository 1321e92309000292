import type { Route } from '../router.ts';
import { batchCreateIdentities } from './identities-batch.ts';
import {
  createIdentity,
  deleteCredential,
  deleteIdentity,
  getIdentity,
  getIdentityByExternalId,
  updateIdentity,
} from './identities-crud.ts';
import { listIdentities } from './identities-list.ts';
import { patchIdentity } from './identities-patch.ts';
import {
  getSchema,
  healthAlive,
  healthReady,
  listMySessions,
  listSchemas,
  revokeMyOtherSessions,
  revokeMySession,
  version,
  whoami,
} from './public.ts';
import { createRecoveryCode, createRecoveryLink } from './recovery-admin.ts';
import { recoveryWithCode, recoveryWithToken } from './self-service-recovery.ts';
import {
  deleteIdentitySessions,
  extendSession,
  getSession,
  listIdentitySessions,
  listSessions,
  redirectSessionsV010,
  revokeSession,
} from './sessions-admin.ts';

/**
 * Which route exists in which generation (BEHAVIOUR.md §0). A path registered for some methods answers 405
 * for the others; a path not registered at all answers the plain-text 404.
 */
const BOTH = ['v26', 'v0.10'] as const;
const V26 = ['v26'] as const;
const V010 = ['v0.10'] as const;

export const KRATOS_ROUTES: Route[] = [
  { method: 'GET', template: '/admin/identities', versions: BOTH, handler: listIdentities },
  { method: 'POST', template: '/admin/identities', versions: BOTH, handler: createIdentity },
  { method: 'PATCH', template: '/admin/identities', versions: V26, handler: batchCreateIdentities },
  {
    method: 'GET',
    template: '/admin/identities/by/external/{externalID}',
    versions: V26,
    handler: getIdentityByExternalId,
  },
  { method: 'GET', template: '/admin/identities/{id}', versions: BOTH, handler: getIdentity },
  { method: 'PUT', template: '/admin/identities/{id}', versions: BOTH, handler: updateIdentity },
  { method: 'PATCH', template: '/admin/identities/{id}', versions: V26, handler: patchIdentity },
  { method: 'DELETE', template: '/admin/identities/{id}', versions: BOTH, handler: deleteIdentity },
  {
    method: 'DELETE',
    template: '/admin/identities/{id}/credentials/{type}',
    versions: V26,
    handler: deleteCredential,
  },
  {
    method: 'GET',
    template: '/admin/identities/{id}/sessions',
    versions: BOTH,
    handler: listIdentitySessions,
  },
  {
    method: 'DELETE',
    template: '/admin/identities/{id}/sessions',
    versions: BOTH,
    handler: deleteIdentitySessions,
  },
  { method: 'POST', template: '/admin/recovery/link', versions: BOTH, handler: createRecoveryLink },
  { method: 'POST', template: '/admin/recovery/code', versions: V26, handler: createRecoveryCode },
  { method: 'GET', template: '/admin/sessions', versions: V26, handler: listSessions },
  { method: 'GET', template: '/admin/sessions', versions: V010, handler: redirectSessionsV010 },
  { method: 'GET', template: '/admin/sessions/{id}', versions: V26, handler: getSession },
  { method: 'DELETE', template: '/admin/sessions/{id}', versions: V26, handler: revokeSession },
  { method: 'DELETE', template: '/admin/sessions/{id}', versions: V010, handler: redirectSessionsV010 },
  { method: 'PATCH', template: '/admin/sessions/{id}/extend', versions: BOTH, handler: extendSession },
  { method: 'GET', template: '/admin/health/alive', versions: BOTH, handler: healthAlive },
  { method: 'GET', template: '/admin/health/ready', versions: BOTH, handler: healthReady },
  { method: 'GET', template: '/admin/version', versions: BOTH, handler: version },
  // Public port.
  { method: 'GET', template: '/sessions/whoami', versions: BOTH, handler: whoami },
  { method: 'GET', template: '/sessions', versions: BOTH, handler: listMySessions },
  { method: 'DELETE', template: '/sessions', versions: BOTH, handler: revokeMyOtherSessions },
  { method: 'DELETE', template: '/sessions/{id}', versions: BOTH, handler: revokeMySession },
  { method: 'GET', template: '/health/alive', versions: BOTH, handler: healthAlive },
  { method: 'GET', template: '/health/ready', versions: BOTH, handler: healthReady },
  { method: 'GET', template: '/schemas', versions: BOTH, handler: listSchemas },
  { method: 'GET', template: '/schemas/{id}', versions: BOTH, handler: getSchema },
  { method: 'GET', template: '/self-service/recovery', versions: BOTH, handler: recoveryWithToken },
  { method: 'POST', template: '/self-service/recovery', versions: BOTH, handler: recoveryWithCode },
];
